"""A tour of the main pages for each role: axe-core on every page, touch targets, and
screenshots on desktop and phone viewports (saved to test-artifacts/screenshots/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO, assert_touch_targets, screenshot, sign_in

pytestmark = pytest.mark.e2e

# (screenshot name or None, path). Paths come from the demo data set, which is fixed.
TOURS = {
    "anonymous": [
        ("home", "/"),
        ("briefings", "/briefings/"),
        ("briefing", "/briefings/hierarchy"),
        ("finding", "/findings/hierarchy-ofsted-priority"),
        ("forums", "/localities/"),
        (None, "/localities/locality-a"),
        ("join", "/join"),
        ("sign-in", "/login"),
        ("register", "/register"),
        (None, "/password/forgot"),
        ("search", "/search?q=academy"),
        ("accessibility", "/accessibility"),
        (None, "/privacy"),
        ("not-found", "/no-such-page"),
    ],
    "practitioner": [
        ("home-signed-in", "/"),
        ("locality", "/localities/locality-b"),
        ("new-thread", "/localities/locality-b/new"),
        ("account", "/account"),
        (None, "/account/password"),
        (None, "/account/privacy"),
        ("notifications", "/notifications"),
        ("finding-signed-in", "/findings/hierarchy-ofsted-priority"),
    ],
    "moderator": [
        ("moderation-queue", "/moderation/"),
        ("moderation-log", "/moderation/log"),
    ],
    "facilitator": [
        ("workshops", "/workshops/"),
        ("workshop-new", "/workshops/new"),
    ],
    "researcher": [
        ("research-dashboard", "/research/"),
        ("research-contributions", "/research/contributions"),
        (None, "/research/codebook"),
        (None, "/research/agreement"),
        (None, "/research/tokens"),
    ],
    "admin": [
        (None, "/admin/"),
        (None, "/admin/localities"),
    ],
}
# The pages people use most on a phone get a phone pass as well.
PHONE_PAGES = {"home", "briefing", "finding", "forums", "join", "register", "sign-in",
               "locality", "new-thread", "account", "home-signed-in", "moderation-queue",
               "workshops", "research-dashboard"}


@pytest.mark.parametrize("role", list(TOURS))
def test_page_tour(browse, check_a11y, role):
    """Every page of the role's tour: no serious axe violations, targets >= 24px."""
    desktop = browse()
    phone = browse(phone=True)
    if role != "anonymous":
        sign_in(desktop, DEMO[role])
        sign_in(phone, DEMO[role])
    for name, path in TOURS[role]:
        response = desktop.goto(path)
        expected = 404 if name == "not-found" else 200
        assert response.status == expected, f"{path} answered {response.status}"
        expect(desktop.get_by_role("heading", level=1)).to_have_count(1)
        title = desktop.title()
        assert "Dialogue" in title and len(title) > len("Dialogue"), title
        check_a11y(desktop, f"{role}: {path}")
        assert_touch_targets(desktop, f"{role}: {path}")
        if name:
            screenshot(desktop, name)
        if name in PHONE_PAGES:
            phone.goto(path)
            check_a11y(phone, f"{role}: {path} (phone)")
            assert_touch_targets(phone, f"{role}: {path} (phone)")
            no_sideways_scroll(phone, path)
            screenshot(phone, name)


WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("main *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1);
  return {
    overflow: document.documentElement.scrollWidth - width,
    // Data tables are exempt from reflow (WCAG 1.4.10 allows two-dimensional scrolling).
    others: wide.filter((el) => !el.closest("table"))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`).slice(0, 5),
    tables: wide.filter((el) => el.tagName === "TABLE").length,
  };
}"""


def no_sideways_scroll(page, path: str) -> None:
    """WCAG 1.4.10 reflow: at 390px wide only data tables may be wider than the screen."""
    found = page.evaluate(WIDE)
    assert found["overflow"] <= 1 or (found["tables"] and not found["others"]), \
        f"{path} scrolls sideways by {found['overflow']}px on a phone: {found['others']}"


def test_not_found_page_offers_a_way_on(browse):
    """A 404 is a full GOV.UK page with a way back home."""
    page = browse()
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Page not found"))
    expect(page.get_by_role("link", name=re.compile("home", re.I)).first).to_be_visible()
