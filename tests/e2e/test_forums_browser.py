"""Forum and moderation journeys in a real browser, with JavaScript (htmx) and without.

Reuses the e2e harness (live server with demo data, guarded Chromium contexts, axe-core).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO, assert_touch_targets, screenshot, sign_in, unique

pytestmark = pytest.mark.e2e


THREAD = "What does the trust's central team actually do for us?"


@pytest.fixture(autouse=True)
def _guarded(request):
    """Apply the e2e guard (CSP, page errors, outside requests, 5xx) to these tests too."""
    yield
    guarded = getattr(request.node, "_e2e_guard", None)
    if guarded is not None:
        guard, server = guarded
        if "Traceback" in server.log_since(guard.log_offset):
            guard.server_errors.append("server log has a traceback")
        assert not guard.problems(), "\n".join(guard.problems())


def _open_thread(page) -> None:
    page.goto("/localities/")
    page.get_by_role("link", name="Locality B").click()
    page.get_by_role("link", name=THREAD).click()
    expect(page.get_by_role("heading", level=1, name=THREAD)).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_reply_edit_flag_and_moderate(browse, check_a11y, javascript):
    """A practitioner replies (held for moderation), edits and flags; a moderator approves."""
    page = browse(javascript=javascript)
    sign_in(page, DEMO["practitioner"])
    _open_thread(page)
    check_a11y(page, "thread")
    assert_touch_targets(page, "thread")
    if javascript:  # a marker that a full page load would wipe out
        page.evaluate("window.__noReload = true")

    # An empty reply is refused with an error summary.
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter some text")

    words = unique("Our trust sets the curriculum")
    page.get_by_label("Your reply").fill(words)
    page.get_by_role("button", name="Post reply").click()
    mine = page.locator("article.dialogue-post", has_text=words)
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("Awaiting moderation")

    # Edit in place.
    mine.get_by_role("link", name=re.compile("^Edit")).click()
    page.get_by_label("Your text").fill(words + " (edited)")
    page.get_by_role("button", name="Save changes").click()
    mine = page.locator("article.dialogue-post", has_text=words + " (edited)")
    expect(mine).to_be_visible()

    # Flag someone else's post (a different one per run: the server's data persists).
    other = page.locator("article.dialogue-post",
                         has_text="central" if javascript else "Both, perhaps").first
    other.get_by_role("link", name=re.compile("^Flag")).click()
    page.get_by_role("button", name="Send to a moderator").click()
    expect(page.locator(".govuk-error-summary").first).to_contain_text("Choose a reason")
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Send to a moderator").click()
    expect(page.get_by_text(re.compile("A moderator will look at this post")).first) \
        .to_be_visible()
    if javascript:
        assert page.evaluate("window.__noReload === true"), "the page reloaded"
        screenshot(page, "thread-after-reply-edit-flag")

    # A moderator approves the held reply from the queue.
    moderator = browse(javascript=javascript)
    sign_in(moderator, DEMO["moderator"])
    moderator.goto("/moderation/")
    check_a11y(moderator, "moderation queue")
    if javascript:
        screenshot(moderator, "moderation-queue")
    item = moderator.locator(".dialogue-queue-item", has_text=words)
    item.get_by_role("button", name="Approve").click()
    if javascript:
        expect(moderator.locator(f".dialogue-queue-item:has-text('{words}')")) \
            .to_contain_text("Approved.")
    else:
        expect(moderator.locator("#alerts")).to_contain_text("Approved.")

    # The author hears about it.
    page.goto("/notifications")
    expect(page.get_by_role("link", name=re.compile("approved your post")).first) \
        .to_be_visible()
    check_a11y(page, "notifications")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_comment_and_reply_on_a_finding(browse, check_a11y, javascript):
    """A moderator (not pre-moderated) comments on a finding and replies to the comment."""
    page = browse(javascript=javascript)
    sign_in(page, DEMO["moderator"])
    page.goto("/findings/hierarchy-ofsted-priority")
    if javascript:
        page.evaluate("window.__noReload = true")
    section = page.locator("section.dialogue-comments")
    section.get_by_role("button", name="Post comment").click()
    expect(page.locator("section.dialogue-comments .govuk-error-summary")) \
        .to_contain_text("Enter some text")
    words = unique("Ofsted still drives our priorities")
    page.locator("section.dialogue-comments").get_by_label("Your comment").fill(words)
    page.locator("section.dialogue-comments").get_by_role("button", name="Post comment").click()
    comment = page.locator("section.dialogue-comments article", has_text=words)
    expect(comment).to_be_visible()
    # Reply through the disclosure under the comment.
    block = page.locator(".dialogue-comment", has=page.locator("article", has_text=words))
    block.locator("summary", has_text="Reply").click()
    block.get_by_label("Your reply").fill("Same here")
    block.get_by_role("button", name="Post reply").click()
    block = page.locator(".dialogue-comment", has=page.locator("article", has_text=words))
    expect(block.locator(".dialogue-comment__replies")).to_contain_text("Same here")
    check_a11y(page, "finding with comments")
    if javascript:
        assert page.evaluate("window.__noReload === true"), "the page reloaded"
