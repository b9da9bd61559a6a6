"""A consensus map in a workshop, in real browsers: the facilitator starts it from the
console, four phones (390 px) join with the code, one adds a statement, all vote, and the
audience screen shows the live map and its two groups by its own poll, at the
projector's 1024x768 as well as 1280x800 and 390 px."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import TODAY, sign_in, wait_until

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("CONSENSUS_SHOTS", "test-artifacts/screenshots")
SHARED = "Schools improve fastest when they collaborate."
SPLIT = ["A trust's central curriculum frees teachers to teach.",
         "Competition between schools drives standards up."]
ADDED = "Small rural schools are left out of the new system."
AGREE_ALL = {SHARED: "Agree", SPLIT[0]: "Agree", SPLIT[1]: "Agree", ADDED: "Agree"}
SPLIT_CAMP = {SHARED: "Agree", SPLIT[0]: "Disagree", SPLIT[1]: "Disagree",
              ADDED: "Disagree"}
NOW_SHOWN = """() => {
  const shown = document.querySelector('#vote .consensus-statement');
  if (shown) return shown.innerText.trim();
  return document.querySelector('#vote') ? 'done' : 'loading';
}"""
SIZES = ((1024, 768), (1280, 800), (390, 844))


def _vote_through(page: Page, votes: dict[str, str]) -> int:
    cast = 0
    section = page.locator("#vote")
    done = section.get_by_text("You have voted on every statement")
    statement = section.locator(".consensus-statement")
    while True:
        expect(done.or_(statement)).to_be_visible()
        if done.is_visible():
            return cast
        text = statement.inner_text().strip()
        section.get_by_role("button", name=votes[text], exact=True).click()
        cast += 1
        wait_until(page, lambda t=text: page.evaluate(NOW_SHOWN) != t,
                   f"the statement after {text!r}")


def _fits(page: Page, name: str, *, whole_screen: bool = False) -> None:
    """Screenshots at each size; nothing scrolls sideways (the screen: nor down)."""
    os.makedirs(SHOTS, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width == width, f"{name} at {width}px scrolls sideways ({scroll_width})"
        if whole_screen and width > height:
            region = page.locator("#consensus-screen").bounding_box()
            assert region["height"] <= height + 0.5, f"{name} at {width}px is cut off"
            inner = page.evaluate("""() => { const s = document.querySelector('#consensus-screen');
              return [s.scrollHeight, s.clientHeight]; }""")
            assert inner[0] <= inner[1] + 1, f"{name} at {width}px overflows ({inner})"
        if whole_screen and width <= height:
            # Portrait: nothing clamped, and the last statement inside the page.
            clipped = page.evaluate("""() => [...document.querySelectorAll(
                '.consensus-screen__title, .consensus-screen__text')]
                .filter((el) => el.scrollHeight > el.clientHeight + 1).length""")
            assert clipped == 0, f"{name} at {width}px clamps {clipped} texts"
            bottom = page.evaluate("""() => document.querySelector(
                '.consensus-screen__list:last-of-type li:last-child')
                .getBoundingClientRect().bottom + scrollY""")
            assert bottom <= page.evaluate("document.documentElement.scrollHeight") + 0.5


def test_a_workshop_map_from_the_console_to_the_audience_screen(browse, check_a11y):
    console = browse()
    sign_in(console, "facilitator@dialogue.example.org")
    console.goto("/workshops/")
    console.get_by_label("Date").fill(TODAY)
    console.get_by_role("button", name="Copy the template").click()
    console.get_by_role("link", name="Present").click()
    code = console.locator(".dialogue-present__code").inner_text().strip()
    workshop_id = re.search(r"/workshops/(\d+)/", console.url).group(1)
    screen = browse()
    screen.context.add_cookies(console.context.cookies())
    screen.goto(f"/workshops/{workshop_id}/present")

    phones = []
    for _ in range(4):
        phone = browse(phone=True)
        phone.goto(f"/j/{code}")
        phone.get_by_role("button", name="Join").click()
        expect(phone.locator("#participant-live")).to_be_visible()
        phones.append(phone)

    console.goto(f"/workshops/{workshop_id}/console")
    console.get_by_role("link", name="Start a consensus map").click()
    check_a11y(console, "start a workshop's consensus map")
    console.get_by_label("Title").fill("What the room thinks")
    console.get_by_label("The question people respond to").fill(
        "What would make the school-led system work here?")
    console.get_by_label("Seed statements").fill("\n".join([SHARED, *SPLIT]))
    console.get_by_role("button", name="Start the map and show it on the screen").click()
    expect(console.get_by_text("The consensus map is open")).to_be_visible()
    check_a11y(console, "a workshop's consensus map")

    # The screen shows the map region by its own poll, before anyone has voted.
    region = screen.locator("#consensus-screen")
    expect(region.get_by_role("heading", name=re.compile("school-led system"))).to_be_visible()
    # The phones' live region offers the map (the start moved the workshop's state).
    for phone in phones:
        phone.get_by_role("link", name=re.compile("Vote on the room\u2019s statements")).click()
        expect(phone.get_by_role("heading", name=re.compile("school-led system"))).to_be_visible()
    first = phones[0]
    check_a11y(first, "phone's consensus map")
    first.get_by_label("Your statement").fill(ADDED)
    first.get_by_role("button", name="Add statement").click()
    expect(first.get_by_text("added for the room to vote on")).to_be_visible()
    # The form that came back counts again (GOV.UK's character count started on it).
    expect(first.locator("#add-statement .govuk-character-count__status")).to_have_text(
        re.compile(r"You have 280 characters remaining"))
    _fits(first, "consensus-room-phone-voting")  # a statement to vote on, and the form
    for phone, camp in zip(phones, (AGREE_ALL, AGREE_ALL, SPLIT_CAMP, SPLIT_CAMP),
                           strict=True):
        phone.reload()
        assert _vote_through(phone, camp) == 4
    expect(first.get_by_text("You have voted on every statement")).to_be_visible()

    # Two groups on the screen, by its poll (the job draws the map, the poll reads it).
    expect(region).to_contain_text("4 people have voted", timeout=20_000)
    expect(region).to_contain_text("2 opinion groups")
    expect(region.locator("svg")).to_be_visible()
    expect(region.locator(".consensus-screen__list").first).to_contain_text(SHARED)
    check_a11y(screen, "audience screen's consensus map")
    _fits(screen, "consensus-room-screen", whole_screen=True)
    first.reload()
    expect(first.get_by_text("On the map you are in group")).to_be_visible()
    _fits(first, "consensus-room-phone")
    console.goto(f"/workshops/{workshop_id}/console")
    _fits(console, "consensus-room-console")

    # Off the screen: the region empties by the same poll.
    console.get_by_role("button", name="Take the map off the screen").click()
    expect(region.locator(".consensus-screen__title")).to_have_count(0, timeout=10_000)
