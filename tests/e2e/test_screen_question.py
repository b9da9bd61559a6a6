"""A question of two sentences is read whole on the audience screen at every projector
size: once a question is up the join strip is a corner (issue 13, point 1). The
template's longest question (152 characters) was cut after four lines at 1024x768."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO, TODAY, sign_in, unique
from tests.e2e.test_audience_screen import SCREENS, assert_fits_width, press, shot

pytestmark = pytest.mark.e2e

PROMPT = ("In this area, networks and collaboration between schools matter more than "
          "hierarchy (inspection and accountability) or markets (competition for pupils).")
CHOICES = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
           "Strongly agree"]


def test_a_long_question_is_whole_beside_a_corner_join_strip(browse):
    console = browse()
    sign_in(console, DEMO["facilitator"])
    console.goto("/workshops/new")
    console.get_by_label("Title").fill(unique("Long question"))
    console.get_by_label("Date").fill(TODAY)
    console.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    workshop_url = console.url.rstrip("/")
    console.goto(workshop_url + "/questions/new")
    console.get_by_label("Single choice", exact=True).check()
    console.get_by_label("Question", exact=True).fill(PROMPT)
    console.get_by_label("Choices, one a line").fill("\n".join(CHOICES))
    console.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    workshop_id = workshop_url.rsplit("/", 1)[-1]
    screen = browse()
    screen.context.add_cookies(console.context.cookies())
    screen.goto(f"/workshops/{workshop_id}/present")
    console.goto(f"/workshops/{workshop_id}/console")
    press(console, "Start with the first question")
    expect(screen.locator("#stage-heading")).to_have_text(PROMPT)
    for width, height in SCREENS:
        screen.set_viewport_size({"width": width, "height": height})
        assert_fits_width(screen, f"{width}x{height}")
        found = screen.evaluate("""() => {
            const h = document.querySelector('#stage-heading');
            const strip = document.querySelector('.dialogue-join-strip').getBoundingClientRect();
            const rows = [...document.querySelectorAll('#present-results .dialogue-live__row')];
            return {cut: h.scrollHeight > h.clientHeight + 1, strip: strip.width,
                    bottom: Math.max(...rows.map(r => r.getBoundingClientRect().bottom)),
                    rows: rows.length, scroll: document.documentElement.scrollHeight};
        }""")
        assert not found["cut"], (width, found)  # the whole question, no ellipsis
        assert found["strip"] <= 0.3 * width, (width, found)  # a corner, not a column
        assert found["rows"] == 5 and found["bottom"] <= height, (width, found)
        assert found["scroll"] <= height, (width, found)
        shot(screen, "screen-long-question")
