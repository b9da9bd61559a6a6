"""Many open-text answers on the audience screen: whole cards only, never one cut through a
line, at every projector size and in a narrow window (issue 13, point 1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEMO, TODAY, sign_in, unique
from tests.e2e.test_audience_screen import assert_fits_width, press, shot

pytestmark = pytest.mark.e2e

SIZES = [(1024, 768), (1280, 720), (1280, 800), (1920, 1080), (390, 844)]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWERS = ["x" * 500] + [
    f"Answer {n}: shared professional development across the trust and the local "
    f"authority, with time protected for it and honest conversations about what works"
    for n in range(1, 12)]


def _answer_as_a_new_phone(browse, code: str, text: str) -> None:
    """Join and answer with the phone's own cookies and CSRF token, without drawing pages."""
    page = browse(phone=True)
    request = page.context.request
    join = request.get(f"/j/{code}").text()
    assert request.post(f"/j/{code}", form={"csrf_token": CSRF.search(join).group(1)}).ok
    question = request.get(f"/j/{code}").text()
    question_id = re.search(r'name="question_id" value="(\d+)"', question).group(1)
    sent = request.post(f"/j/{code}/answer", form={
        "csrf_token": CSRF.search(question).group(1), "question_id": question_id,
        "text": text})
    assert sent.ok, sent.status
    page.context.close()


def _cards(page: Page) -> dict:
    return page.evaluate("""() => {
        const list = document.querySelector('#present-results .dialogue-live__cards');
        const box = list.getBoundingClientRect();
        const cards = [...list.querySelectorAll('.dialogue-live__card')].map(card => {
            const b = card.getBoundingClientRect();
            const inside = b.left >= box.left - 0.5 && b.right <= box.right + 0.5
                && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
            const outside = b.left >= box.right - 0.5 || b.top >= box.bottom - 0.5;
            // A line of its text across the edge where the card clips it: cut through.
            const clip = b.bottom - parseFloat(getComputedStyle(card).borderBottomWidth);
            const range = document.createRange();
            range.selectNodeContents(card);
            const cut = [...range.getClientRects()].some(
                line => line.top < clip - 0.5 && line.bottom > clip + 0.5);
            return {inside, outside, cut, bottom: b.bottom, right: b.right};
        });
        return {cards, bottom: box.bottom, right: box.right, height: innerHeight,
                width: innerWidth};
    }""")


def test_many_answers_show_as_whole_cards_on_every_screen(browse):
    console = browse()
    sign_in(console, DEMO["facilitator"])
    console.goto("/workshops/new")
    console.get_by_label("Title").fill(unique("Many answers"))
    console.get_by_label("Date").fill(TODAY)
    console.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    workshop_url = console.url.rstrip("/")
    console.goto(workshop_url + "/questions/new")
    console.get_by_label("Open text", exact=True).check()
    console.get_by_label("Question", exact=True).fill("What would make collaboration work "
                                                      "better for your school?")
    console.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    workshop_id = workshop_url.rsplit("/", 1)[-1]
    console.goto(f"/workshops/{workshop_id}/console")
    press(console, "Start with the first question")

    screen = browse()
    screen.context.add_cookies(console.context.cookies())
    screen.goto(f"/workshops/{workshop_id}/present")
    code = screen.locator(".dialogue-present__code").inner_text().strip()
    for text in ANSWERS:
        _answer_as_a_new_phone(browse, code, text)
    expect(screen.locator(".dialogue-present__count")).to_contain_text("12 answers")
    expect(screen.locator(".dialogue-live__card")).to_have_count(12)

    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        assert_fits_width(screen, f"{width}x{height}")
        found = _cards(screen)
        shown = [c for c in found["cards"] if c["inside"]]
        # Every card is wholly on the screen or wholly out of sight: none cut.
        assert all(c["inside"] or c["outside"] for c in found["cards"]), (width, found)
        assert not any(c["cut"] for c in shown), (width, found)
        assert len(shown) >= (2 if width < 600 else 4), (width, len(shown))
        assert found["bottom"] <= height, (width, found)
        assert all(c["right"] <= width for c in shown), (width, found)
        assert screen.evaluate("document.documentElement.scrollHeight") <= height
        shot(screen, "screen-many-answers")
    # The question itself keeps a width of its own in a narrow window.
    screen.set_viewport_size({"width": 390, "height": 844})
    heading = screen.locator("#stage-heading").bounding_box()
    assert heading["width"] > 300, heading
