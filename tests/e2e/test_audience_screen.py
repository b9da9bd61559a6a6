"""The live room in real browsers: the audience screen fits a school projector whatever
participants type, the facilitator's console drives it from a second window, and phones
keep to their width in every state (answering, refused, revealed results, ended, results).

Uses the browser harness of tests/e2e (Debian's Chromium; skipped when it is missing).
Screenshots go to test-artifacts/ only when ``DIALOGUE_SHOTS`` names a directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEMO, TODAY, sign_in, unique

pytestmark = pytest.mark.e2e

SCREENS = [(1024, 768), (1280, 720), (1280, 800), (1920, 1080)]
LONG_WORD = "Collaboration" * 6  # 78 characters without a break
OPTIONS = [f"{n}. {LONG_WORD} and a long explanation of what option {n} would mean for "
           f"schools in this area, written at length" for n in range(1, 11)]
UNBROKEN = "x" * 500  # a 500-character answer without a space


def shot(page: Page, name: str) -> None:
    """A screenshot for a person to look at, when asked for (never compared)."""
    directory = os.environ.get("DIALOGUE_SHOTS")
    if directory:
        size = page.viewport_size
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/{name}-{size['width']}x{size['height']}.png")


def assert_fits_width(page: Page, where: str) -> None:
    """The page is never wider than its viewport."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] == widths[1], f"{where}: {widths[0]} px wide in a {widths[1]} px window"


def assert_fits_screen(page: Page, where: str) -> None:
    """Nothing scrolls, and the whole chart (every bar) is inside the viewport."""
    assert_fits_width(page, where)
    box = page.evaluate("""() => {
        const results = document.querySelector('#present-results');
        const last = [...results.querySelectorAll('.dialogue-live__row, .dialogue-live__card')]
            .map(el => el.getBoundingClientRect());
        const r = results.getBoundingClientRect();
        return {bottom: Math.max(r.bottom, ...last.map(b => b.bottom)),
                right: Math.max(r.right, ...last.map(b => b.right)),
                left: Math.min(r.left, ...last.map(b => b.left)), rows: last.length,
                height: innerHeight, width: innerWidth,
                scrollHeight: document.documentElement.scrollHeight};
    }""")
    assert box["rows"], f"{where}: no chart"
    assert box["bottom"] <= box["height"] and box["right"] <= box["width"], (where, box)
    assert box["left"] >= 0, (where, box)
    assert box["scrollHeight"] <= box["height"], (where, box)


def check_every_screen_size(page: Page, where: str) -> None:
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        assert_fits_screen(page, f"{where} at {width}x{height}")
        shot(page, f"screen-{where}")
    page.set_viewport_size({"width": 1280, "height": 800})


def build_workshop(page: Page) -> str:
    """A workshop with ten long options, open text, a pick-two and a ranking; its id."""
    page.goto("/workshops/new")
    page.get_by_label("Title").fill(unique("Projector fit"))
    page.get_by_label("Date").fill(TODAY)
    page.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    workshop_url = page.url
    for kind, prompt, options, most in (
            ("Single choice", "Which matters most here?", OPTIONS, None),
            ("Open text", "In one word?", [], None),
            ("Multiple choice", "Pick two", ["Red", "Green", "Blue", "Yellow"], "2"),
            ("Ranking", "Rank these", ["First idea", "Second idea", "Third idea"], None)):
        page.goto(workshop_url.rstrip("/") + "/questions/new")
        page.get_by_label(kind, exact=True).check()
        page.get_by_label("Question", exact=True).fill(prompt)
        if options:
            page.get_by_label("Choices, one a line").fill("\n".join(options))
        if most:
            page.get_by_label("Most choices a person may pick").fill(most)
        page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
        expect(page.get_by_text(prompt).first).to_be_visible()
    return workshop_url.rstrip("/").rsplit("/", 1)[-1]


def press(console: Page, name: str) -> None:
    """Press a console control and wait for the console to say it happened."""
    console.get_by_role("button", name=name, exact=True).click()
    expect(console.locator("#console-live [role=status]")).to_be_visible()


def test_the_console_drives_a_screen_that_fits_every_projector(browse, check_a11y):
    console = browse()
    sign_in(console, DEMO["facilitator"])
    workshop_id = build_workshop(console)
    console.goto(f"/workshops/{workshop_id}/console")
    check_a11y(console, "console: before the first question")

    screen = browse()
    screen.context.add_cookies(console.context.cookies())
    screen.goto(f"/workshops/{workshop_id}/present")
    code = screen.locator(".dialogue-present__code").inner_text().strip()
    expect(screen.locator("#alerts")).to_be_hidden()
    expect(screen.locator(".govuk-service-navigation")).to_have_count(0)
    qr = screen.locator(".dialogue-qr").bounding_box()
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= 1280 and qr["y"] + qr["height"] <= 900
    check_a11y(screen, "screen: lobby")

    phone = browse(phone=True)
    phone.goto(f"/j/{code}")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You have joined")).to_be_visible()
    expect(phone.locator(".govuk-service-navigation, #site-search")).to_have_count(0)
    expect(phone.locator(".dialogue-phone-header")).to_contain_text("Projector fit")
    assert_fits_width(phone, "phone: joined")
    expect(screen.locator(".dialogue-screen__joined")).to_have_text("1 person has joined")
    shot(screen, "screen-lobby")

    # The console starts; the screen and the phone follow by themselves.
    press(console, "Start with the first question")
    expect(screen.locator("#stage-heading")).to_have_text("Which matters most here?")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Which matters most here?")
    assert_fits_width(phone, "phone: ten long options")
    phone.get_by_label(OPTIONS[9]).check()
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()
    expect(screen.locator(".dialogue-present__count")).to_contain_text("1 answer")
    expect(screen.locator(".dialogue-live__row")).to_have_count(10)
    check_every_screen_size(screen, "ten-long-options")
    check_a11y(screen, "screen: ten options")
    # The console shows what is on the screen and what comes next.
    expect(console.locator("#console-live")).to_contain_text("Which matters most here?")
    expect(console.locator(".dialogue-console__next")).to_contain_text("In one word?")
    check_a11y(console, "console: a question open")

    # Open text: a 500-character word neither widens the screen nor the phone.
    press(console, "Next question")
    expect(phone.get_by_role("heading", level=1)).to_have_text("In one word?")
    expect(phone.get_by_text("Up to 500 characters.")).to_be_visible()
    phone.get_by_label("Your answer").fill(UNBROKEN + "y")
    expect(phone.locator(".govuk-character-count__status")).to_contain_text("1 character too many")
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text("500 characters or fewer")
    expect(phone.get_by_label("Your answer")).to_have_value(UNBROKEN + "y")  # kept, not cut
    assert_fits_width(phone, "phone: over-long text refused")
    check_a11y(phone, "phone: over-long text refused")
    phone.get_by_label("Your answer").fill(UNBROKEN)
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()
    assert_fits_width(phone, "phone: long text saved")
    expect(screen.locator(".dialogue-live__card")).to_have_count(1)
    check_every_screen_size(screen, "unbroken-answer")
    # The console hides it from the screen; no banner about it reaches the screen.
    console.get_by_role("button", name="Hide this answer").click()
    expect(console.get_by_text("Answer hidden from the screen.")).to_be_visible()
    expect(screen.locator(".dialogue-live__card")).to_have_count(0)
    expect(screen.get_by_text("Answer hidden from the screen")).to_have_count(0)

    # Pick two: a third tick is stopped with a live hint.
    press(console, "Next question")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pick two")
    phone.get_by_label("Red").check()
    phone.get_by_label("Green").check()
    phone.get_by_label("Blue").click()  # the third tick: stopped
    expect(phone.get_by_label("Blue")).not_to_be_checked()
    expect(phone.locator("[data-choice-limit]")).to_have_text(
        "You can choose up to 2. Untick one to choose another.")
    assert phone.locator("[data-choice-limit]").get_attribute("aria-live") == "polite"
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()
    # The screen's keyboard shortcut: R reveals; the phone shows the result.
    screen.locator("body").press("r")
    expect(console.locator(".dialogue-console__now")).to_contain_text("Results on phones")
    expect(phone.locator(".dialogue-live__row")).to_have_count(4)
    assert_fits_width(phone, "phone: revealed results")
    smallest = phone.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.dialogue-live__label, .dialogue-live__value')].map(
        el => parseFloat(getComputedStyle(el).fontSize)))""")
    assert smallest >= 12, smallest
    check_a11y(phone, "phone: revealed results")
    shot(phone, "phone-revealed")

    # Ranking: numbered, reordered in the page, sent once.
    press(console, "Next question")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Rank these")
    expect(phone.locator("[data-rank]")).to_have_text(["1", "2", "3"])
    phone.get_by_role("button", name="Move Third idea Up").click()
    expect(phone.locator(".dialogue-ranking__label")).to_have_text(
        ["First idea", "Third idea", "Second idea"])
    expect(phone.locator("[data-rank]")).to_have_text(["1", "2", "3"])
    assert_fits_width(phone, "phone: ranking")
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()
    expect(console.locator(".dialogue-console__next")).to_contain_text("this is the last")

    # The last question offers "End workshop"; phones then reach the results.
    browse.expect_dialog()
    console.get_by_role("button", name="End workshop").click()
    expect(console.get_by_text("The workshop has ended").first).to_be_visible()
    expect(phone.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    expect(screen.locator("#stage-heading")).to_have_text("This workshop has ended. Thank you.")
    assert_fits_width(phone, "phone: ended")
    phone.get_by_role("link", name="See the workshop's results").click()
    expect(phone.get_by_text("Fewer than 5 people answered").first).to_be_visible()
    assert_fits_width(phone, "phone: results after the workshop")
    check_a11y(phone, "phone: results after the workshop")
