"""A consensus map in real browsers: a facilitator opens one with seed statements; three
practitioners vote (one on a phone, one with the keyboard only, one without JavaScript)
and add statements; the owner approves the one held for approval; the results show the
opinion groups; a researcher downloads the Polis-format files. axe-core on each screen."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_focus_visible, sign_in, tab_to, unique, wait_until

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/h/shots/consensus"
SEEDS = [
    "Schools improve fastest when they collaborate.",
    "The local authority should convene every school.",
    "Teachers need time to learn from other schools.",
    "A trust's central curriculum frees teachers to teach.",
    "Competition between schools drives standards up.",
]
ADDED = "Small rural schools are left out of the new system."
# Two camps: the first agrees with the first three seeds, the second with the last two.
CAMP_ONE = {SEEDS[0]: "Agree", SEEDS[1]: "Agree", SEEDS[2]: "Agree",
            SEEDS[3]: "Disagree", SEEDS[4]: "Disagree", ADDED: "Agree"}
CAMP_TWO = {SEEDS[0]: "Disagree", SEEDS[1]: "Disagree", SEEDS[2]: "Agree",
            SEEDS[3]: "Agree", SEEDS[4]: "Agree", ADDED: "Pass / unsure"}


# The statement offered now; "done" once every one is voted on (read in one step, since
# htmx may be swapping the section).
NOW_SHOWN = """() => {
  const shown = document.querySelector('#vote .consensus-statement');
  if (shown) return shown.innerText.trim();
  return document.querySelector('#vote') ? 'done' : 'loading';
}"""


WIDER = """(selector) => [...document.querySelectorAll(selector + ' *')]
  .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
  .map((el) => el.tagName + '.' + el.className).slice(0, 5)"""


def _shots(page: Page, name: str, within: str = "main") -> None:
    """The screen at 1024x768, 1280x800 and 390 px wide, for a person to look at; nothing
    ``within`` may reach past the right edge (the page would scroll sideways)."""
    for width, height in ((1024, 768), (1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        wider = page.evaluate(WIDER, within)
        assert not wider, f"{name} at {width}px: {wider} reach past the edge"


def _vote_through(page: Page, votes: dict[str, str], *, keyboard: bool = False) -> int:
    """Vote on every statement offered, one at a time, as ``votes`` says; returns how many."""
    cast = 0
    section = page.locator("#vote")
    done = section.get_by_text("You have voted on every statement")
    statement = section.locator(".consensus-statement")
    while True:
        expect(done.or_(statement)).to_be_visible()
        if done.is_visible():
            return cast
        text = statement.inner_text().strip()
        choice = votes[text]
        if keyboard:
            tab_to(page, lambda info, c=choice: info and info["text"] == c, check_each=False)
            assert_focus_visible(page, f"the {choice} button")
            page.keyboard.press("Enter")
        else:
            section.get_by_role("button", name=choice, exact=True).click()
        cast += 1
        wait_until(page, lambda t=text: page.evaluate(NOW_SHOWN) != t,
                   f"the statement after {text!r}")


def test_a_consensus_map_from_seeds_to_groups(browse, check_a11y, live_server):
    title = unique("What would make the school-led system work here?")
    owner = browse()
    sign_in(owner, "facilitator@dialogue.example.org")
    owner.goto("/consensus/new")
    owner.get_by_label("Title").fill(title)
    owner.get_by_label("The question people respond to").fill("Agree, disagree or pass.")
    owner.get_by_label("Where it runs").select_option(label="Locality A")
    owner.get_by_label("Hold participants' statements until I approve them").check()
    owner.get_by_label("Seed statements").fill("\n".join(SEEDS))
    owner.get_by_role("button", name="Open the consensus map").click()
    expect(owner.get_by_role("heading", name=title)).to_be_visible()
    page_url = owner.url.split("#")[0]
    check_a11y(owner, "consensus map, just opened")

    # A phone with JavaScript: adds a statement (held), then votes.
    phone = browse(phone=True)
    sign_in(phone, "sam@dialogue.example.org")
    phone.goto(page_url)
    box = phone.get_by_label("Your statement")
    box.fill(ADDED)
    expect(phone.locator(".govuk-character-count__status")).to_have_text(
        f"You have {280 - len(ADDED)} characters remaining")
    phone.get_by_role("button", name=re.compile("Add")).click()
    expect(phone.get_by_text("Your statement is waiting for approval")).to_be_visible()
    check_a11y(phone, "phone voting")
    phone.screenshot(path=f"{SHOTS}/voting-phone-390.png", full_page=True)

    # The owner approves it.
    owner.reload()  # the page was open before the statement came
    held = owner.locator(".consensus-moderation__item", has_text=ADDED).first
    held.get_by_role("button", name=re.compile("^Approve")).click()
    expect(owner.get_by_text("The statement is now visible.")).to_be_visible()
    check_a11y(owner, "consensus moderation")
    _shots(owner, "moderation")
    owner.set_viewport_size({"width": 1280, "height": 900})

    assert _vote_through(phone, CAMP_ONE) == 6
    # The keyboard alone, on a desktop.
    keys = browse()
    sign_in(keys, "jo@dialogue.example.org")
    keys.goto(page_url)
    assert _vote_through(keys, CAMP_TWO, keyboard=True) == 6
    # No JavaScript: every vote is an ordinary form POST and a new page.
    plain = browse(phone=True, javascript=False)
    sign_in(plain, "alex@dialogue.example.org")
    plain.goto(page_url)
    plain.get_by_label("Your statement").fill("Governors need training across schools.")
    plain.get_by_role("button", name=re.compile("Add")).click()
    expect(plain.get_by_text("Your statement is waiting for approval")).to_be_visible()
    assert _vote_through(plain, CAMP_TWO) == 6
    owner.goto(page_url)
    assert _vote_through(owner, CAMP_ONE) == 6

    # Four people placed, two camps: the map shows two groups, drawn by the job.
    owner.reload()
    results = owner.locator("#results")
    expect(results.get_by_text("Group A", exact=False).first).to_be_visible(timeout=20_000)
    expect(results.get_by_text("Group B", exact=False).first).to_be_visible()
    expect(results.locator("svg")).to_be_visible()
    expect(results.get_by_text("You are here").first).to_be_attached()
    check_a11y(owner, "consensus results")
    _shots(owner, "results")

    # A researcher downloads the Polis-format files.
    researcher = browse()
    sign_in(researcher, "researcher@dialogue.example.org")
    researcher.goto(page_url)
    with researcher.expect_download() as download_info:
        researcher.get_by_role("link", name=re.compile("Polis' format")).click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        names = sorted(archive.namelist())
        comments = archive.read("comments.csv").decode()
    assert names == ["comments.csv", "participant-votes.csv",
                                          "summary.csv", "votes.csv"]
    assert ADDED in comments and "Governors need training" not in comments  # still held

    # A flag from the voting page reaches the moderation queue.
    flagger = browse(phone=True)
    sign_in(flagger, "kim@dialogue.example.org")
    flagger.goto(page_url)
    flagger.get_by_role("link", name="Flag this statement for a moderator").click()
    flagger.get_by_label("Spam or advertising").check()
    check_a11y(flagger, "flag a statement")
    _shots(flagger, "flag")
    flagger.get_by_role("button", name="Send to a moderator").click()
    expect(flagger.get_by_text("A moderator will look at this statement")).to_be_visible()
    moderator = browse()
    sign_in(moderator, "moderator@dialogue.example.org")
    moderator.goto("/moderation/")
    section = moderator.locator(".consensus-queue")
    expect(section.get_by_role("link", name=title)).to_be_visible()
    expect(section).to_contain_text("1 waiting for approval, 1 flagged")
    check_a11y(moderator, "moderation queue with a flagged statement")
    # Only our section: the posts' queue items above are moderation's.
    _shots(moderator, "moderation-queue", within=".consensus-queue")
