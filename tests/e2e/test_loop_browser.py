"""You said, we did in the browser: a researcher drafts a response to a finding, an admin
reviews and publishes it, and everyone reads it on the finding and on /you-said-we-did.
Screenshots at three widths; nothing may scroll sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO, sign_in, unique

pytestmark = pytest.mark.e2e

SIZES = [(1024, 768), (1280, 800), (390, 844)]
SHOTS = Path(os.environ.get("LOOP_SHOTS", "/tmp/h/shots/loop"))


def _shots(page, name: str) -> None:
    """Each width: a full-page screenshot, and no sideways scrolling."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width}px scrolls sideways by {overflow}px"


def test_a_response_is_drafted_reviewed_and_read(browse):
    title = unique("We changed the workshop")
    writer = browse()
    sign_in(writer, DEMO["researcher"])
    writer.goto("/findings/markets-competition-pressure")
    expect(writer.locator("#you-said")).to_contain_text("You said")
    writer.get_by_role("link", name="Write a response to this finding").click()
    writer.get_by_label("Title").fill(title)
    writer.get_by_label("What the research team did").fill(
        "We *asked* each locality about this. <script>document.title='owned'</script>")
    writer.get_by_role("button", name="Save draft").click()
    expect(writer.get_by_role("heading", level=1)).to_contain_text(f"Review: {title}")
    expect(writer.get_by_text("another researcher or an admin must review")).to_be_visible()
    _shots(writer, "review-own-draft")

    reviewer = browse()
    sign_in(reviewer, DEMO["admin"])
    reviewer.goto("/research/responses")
    reviewer.get_by_role("link", name=title).click()
    _shots(reviewer, "review")
    reviewer.get_by_role("button", name="Publish response").click()
    expect(reviewer.get_by_text("Published.")).to_be_visible()

    reader = browse()
    reader.goto("/findings/markets-competition-pressure")
    we_did = reader.locator("#we-did")
    expect(we_did).to_contain_text(title)
    expect(we_did.locator("em")).to_have_text("asked")
    assert reader.title() != "owned"
    _shots(reader, "finding")
    reader.goto("/you-said-we-did")
    expect(reader.get_by_role("link", name=title)).to_be_visible()
    _shots(reader, "you-said-we-did")
    reader.get_by_label("Locality").select_option(label="Locality A")
    reader.get_by_role("button", name="Show responses").click()
    expect(reader.get_by_text("No published responses match these choices")).to_be_visible()
    _shots(reader, "you-said-we-did-empty")
    reader.goto("/briefings/markets")
    expect(reader.locator("#we-did")).to_contain_text(title)
    # A demo finding several people reacted to: the figures table must fit a phone.
    # (The overview's findings are methods statements, which take no reactions.)
    reader.goto("/findings/hierarchy-maintained-no-benefits")
    expect(reader.locator("#you-said")).to_contain_text("said whether this finding matches")
    _shots(reader, "finding-with-figures")
