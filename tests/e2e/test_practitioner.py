"""The practitioner's journey: register with consent, read a briefing, react to a finding,
comment, start a forum thread, reply, flag a post. With JavaScript (htmx swaps, live
regions) and without it (plain forms and redirects)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    assert_touch_targets,
    heading,
    live_region_text,
    register,
    unique,
)

pytestmark = pytest.mark.e2e

BRIEFING = "/briefings/hierarchy"
FINDING = "hierarchy-ofsted-priority"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_practitioner_journey(browse, check_a11y, javascript):
    """From a new account to a reaction, a comment, a thread, a reply and a flag."""
    page = browse(javascript=javascript)
    name = unique("Jordan")
    register(page, name, f"{name.lower()}@school.example.org", locality="Locality A")
    assert "Your account has been created" in live_region_text(page)

    # Read a briefing from the list.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Briefings").click()
    page.locator(f'main a[href="{BRIEFING}"]').first.click()
    expect(page).to_have_url(re.compile(re.escape(BRIEFING) + "$"))
    briefing_title = page.get_by_role("heading", level=1).inner_text()
    assert briefing_title
    check_a11y(page, "briefing (signed in)")

    # React to a finding: the answer is pressed and the totals appear.
    widget = page.locator(f"#reaction-{FINDING}")
    widget.get_by_role("button", name="Partly matches").click()
    widget = page.locator(f"#reaction-{FINDING}")
    expect(widget.get_by_role("button", name="Partly matches")).to_have_attribute(
        "aria-pressed", "true")
    expect(widget.get_by_role("heading", name=re.compile("How people have answered"))) \
        .to_be_visible()
    expect(widget).to_contain_text("You said: Partly matches")
    if javascript:
        # The swap is announced through the page's live region, not a page load.
        expect(page.locator("#alerts")).not_to_be_empty()
    check_a11y(page, "briefing after a reaction")

    # Comment on the finding (a new member's first posts wait for a moderator).
    page.goto(f"/findings/{FINDING}")
    expect(heading(page, re.compile("."))).to_be_visible()
    comment = f"In our trust the inspection framework drives everything ({unique('c')})."
    page.get_by_label("Your comment").fill("")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter some text")
    check_a11y(page, "finding: empty comment error")
    page.get_by_label("Your comment").fill(comment)
    page.get_by_role("button", name="Post comment").click()
    post = page.locator("article.dialogue-post", has_text=comment)
    expect(post).to_be_visible()
    expect(post).to_contain_text("Awaiting moderation")
    expect(page.get_by_text("Your comment is waiting for a moderator").first).to_be_visible()
    check_a11y(page, "finding after commenting")

    # Start a thread in their locality's forum.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Locality forums").click()
    page.get_by_role("link", name="Locality A", exact=True).first.click()
    page.get_by_role("link", name="Start a thread").click()
    title = f"Peer review across our cluster {unique('t')}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Opening post").fill("Has anyone tried reciprocal reviews with a "
                                          "neighbouring trust? What did Ofsted make of it?")
    page.get_by_role("button", name="Start thread").click()
    expect(heading(page, title)).to_be_visible()
    expect(page.locator("article.dialogue-post").first).to_contain_text("Awaiting moderation")
    check_a11y(page, "new thread (held)")

    # Reply in a standing research-question thread that others can already see.
    page.get_by_role("link", name=re.compile("^Back to Locality A")).click()
    page.locator("main a[href^='/threads/']").first.click()
    thread_url = page.url
    reply = f"We found the same in our LA ({unique('r')})."
    page.get_by_label("Your reply").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("article.dialogue-post", has_text=reply)).to_be_visible()
    expect(page.get_by_text(re.compile("Your reply (is waiting|has been posted)")).first) \
        .to_be_visible()
    check_a11y(page, "thread after replying")

    # Flag someone else's post for a moderator.
    page.goto(thread_url)
    opening = page.locator("article.dialogue-post").first
    post_id = opening.get_attribute("id")
    opening.get_by_role("link", name=re.compile("^Flag")).click()
    if javascript:
        form = page.locator(f"#{post_id} .dialogue-flag-form")
        expect(form).to_be_visible()
        check_a11y(page, "flag form (in place)")
    else:
        expect(heading(page, re.compile("."))).to_be_visible()
        check_a11y(page, "flag page")
    assert_touch_targets(page, "flag form")
    page.get_by_role("button", name="Send to a moderator").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a reason")
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Send to a moderator").click()
    expect(page.get_by_text(re.compile("Thank you. A moderator will look at this post"))
           .first).to_be_visible()
    page.goto(thread_url)
    expect(page.locator(f"#{post_id}")).to_contain_text("You flagged this")
