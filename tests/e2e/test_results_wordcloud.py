"""The word cloud on the results page, measured in Chromium: every drawn word readable (at
least 12 CSS px) and inside its picture, and the page no wider than the window, on a
phone and on the laptop sizes a facilitator uses (issue 13, point 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import DEMO, TODAY, sign_in, unique
from tests.e2e.test_audience_screen import assert_fits_width, press, shot
from tests.e2e.test_screen_answers import _answer_as_a_new_phone

pytestmark = pytest.mark.e2e

SIZES = [(390, 844), (1024, 768), (1280, 800)]
WORDS = ["collaboration", "professional", "development", "accountability", "relationships",
         "communication", "headteachers", "partnership", "leadership", "curriculum",
         "wellbeing", "workload", "funding", "trust", "teachers", "planning", "support",
         "sharing", "network", "research", "evidence", "training", "capacity", "governance",
         "inclusion", "attendance", "transport", "assessment", "recruitment", "retention",
         "mentoring", "coaching", "transition", "partnerships", "deprivation", "safeguarding"]
# Ten answers, the first using every word and each later three fewer: counts from 10 to 1,
# so the cloud has words at every size down to its smallest.
ANSWERS = [" ".join(WORDS[:len(WORDS) - 3 * n]) for n in range(10)]

MEASURE = """() => {
    const svg = [...document.querySelectorAll('.dialogue-cloud__svg')]
        .find(s => getComputedStyle(s).display !== 'none');
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const words = [...svg.querySelectorAll('text')].map(t => {
        const b = t.getBoundingClientRect();
        return {word: t.textContent, px: parseFloat(t.getAttribute('font-size')) * scale,
                inside: b.left >= box.left - 0.5 && b.right <= box.right + 0.5
                    && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5};
    });
    const shown = [...document.querySelectorAll('.dialogue-cloud__svg')]
        .filter(s => getComputedStyle(s).display !== 'none').length;
    return {words, shown, right: box.right, width: innerWidth,
            kind: svg.classList.contains('dialogue-cloud__svg--narrow') ? 'narrow' : 'wide'};
}"""


def _results_with_a_cloud(browse) -> Page:
    page = browse()
    sign_in(page, DEMO["facilitator"])
    page.goto("/workshops/new")
    page.get_by_label("Title").fill(unique("Word cloud"))
    page.get_by_label("Date").fill(TODAY)
    page.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    workshop_url = page.url.rstrip("/")
    page.goto(workshop_url + "/questions/new")
    page.get_by_label("Open text", exact=True).check()
    page.get_by_label("Question", exact=True).fill("What would make collaboration work?")
    page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    workshop_id = workshop_url.rsplit("/", 1)[-1]
    page.goto(f"/workshops/{workshop_id}/console")
    press(page, "Start with the first question")
    page.goto(f"/workshops/{workshop_id}/present")
    code = page.locator(".dialogue-present__code").inner_text().strip()
    for text in ANSWERS:
        _answer_as_a_new_phone(browse, code, text)
    page.goto(f"/workshops/{workshop_id}/results")
    expect(page.locator(".dialogue-cloud")).to_be_visible()
    return page


def test_every_word_of_the_cloud_is_readable_and_inside_at_every_size(browse):
    page = _results_with_a_cloud(browse)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert_fits_width(page, f"results at {width}x{height}")
        found = page.evaluate(MEASURE)
        assert found["shown"] == 1, found  # one picture at a time
        assert found["kind"] == ("narrow" if width < 641 else "wide"), (width, found["kind"])
        sizes = sorted(w["px"] for w in found["words"])
        assert len(sizes) >= 20, (width, len(sizes))
        assert sizes[0] >= 12, (width, sizes[:5])
        assert sizes[-1] >= 2 * sizes[0], (width, sizes)  # still a cloud, not a list
        assert all(w["inside"] for w in found["words"]), (width, found["words"])
        assert found["right"] <= width, (width, found)
        page.locator(".dialogue-cloud").scroll_into_view_if_needed()
        shot(page, "results-word-cloud")
