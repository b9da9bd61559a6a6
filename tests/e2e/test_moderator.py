"""The moderator's journey: approve a new member's held posts, hide a flagged one with a
reason (which its author then sees), and find both decisions in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import DEMO, register, sign_in, unique

pytestmark = pytest.mark.e2e


def queue_item(page, text: str):
    return page.locator("li.dialogue-queue-item", has_text=text)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_moderator_approves_hides_and_sees_the_log(browse, check_a11y, javascript):
    """Held posts are approved; a flagged post is hidden with a reason; the log says so."""
    member = browse(javascript=javascript)
    name = unique("Casey")
    register(member, name, f"{name.lower()}@school.example.org", locality="Locality A")
    comment = f"Our MAT's central team decides the curriculum now ({unique('c')})."
    member.goto("/findings/hierarchy-academy-benefits")
    member.get_by_label("Your comment").fill(comment)
    member.get_by_role("button", name="Post comment").click()
    expect(member.locator("article.dialogue-post", has_text=comment)).to_be_visible()
    member.goto("/localities/locality-a")
    member.locator("main a[href^='/threads/']").first.click()
    thread_url = member.url
    reply = f"Our cluster shares a moderation day each term ({unique('r')})."
    member.get_by_label("Your reply").fill(reply)
    member.get_by_role("button", name="Post reply").click()
    expect(member.locator("article.dialogue-post", has_text=reply)).to_be_visible()

    # The moderator approves both held posts from the queue.
    moderator = browse(javascript=javascript)
    sign_in(moderator, DEMO["moderator"])
    moderator.get_by_role("link", name="Moderation", exact=True).click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderation")
    check_a11y(moderator, "moderation queue with held posts")
    for text in (comment, reply):
        item = queue_item(moderator, text)
        expect(item).to_contain_text("Awaiting approval")
        item.get_by_role("button", name="Approve").click()
        if javascript:
            # In place: the item says what happened, and focus moves to that message.
            expect(queue_item(moderator, text)).to_contain_text("Approved.")
            expect(queue_item(moderator, text).locator("[data-autofocus]")).to_be_focused()
            check_a11y(moderator, "queue item after approving")
        else:
            expect(moderator.locator("#alerts")).to_contain_text("Approved.")
            expect(queue_item(moderator, text)).to_have_count(0)

    # Someone else flags the (now visible) reply.
    flagger = browse(javascript=javascript)
    other = unique("Robin")
    register(flagger, other, f"{other.lower()}@school.example.org", locality="Locality A")
    flagger.goto(thread_url)
    post = flagger.locator("article.dialogue-post", has_text=reply)
    expect(post).not_to_contain_text("Awaiting moderation")
    post.get_by_role("link", name=re.compile("^Flag")).click()
    flagger.get_by_label("Abusive or offensive").check()
    flagger.get_by_role("button", name="Send to a moderator").click()
    expect(flagger.get_by_text(re.compile("Thank you. A moderator will look")).first) \
        .to_be_visible()

    # The moderator hides it: first without a reason (refused), then with one.
    moderator.goto("/moderation/")
    item = queue_item(moderator, reply)
    expect(item).to_contain_text("1 flag")
    expect(item).to_contain_text("Abusive or offensive")
    item.get_by_role("button", name="Hide").click()
    expect(moderator.get_by_text("Give a reason: the author will see it").first).to_be_visible()
    check_a11y(moderator, "hide without a reason (error)")
    reason = f"Names a colleague; keep posts about practice ({unique('why')})"
    item = queue_item(moderator, reply)
    item.get_by_label("Reason (shown to the author)").fill(reason)
    item.get_by_role("button", name="Hide").click()
    expect(moderator.get_by_text("Hidden. The author has been told why.").first).to_be_visible()

    # The audit log shows both decisions.
    moderator.goto("/moderation/")
    moderator.get_by_role("link", name="Moderation log").click()
    log = moderator.locator("table.govuk-table")
    expect(log.locator("tr", has_text=reason)).to_have_count(1)
    expect(log.locator("tr", has_text=reason)).to_contain_text("Mo Moderator")
    expect(log.locator("tr", has_text=re.compile("approve", re.I)).first).to_be_visible()
    check_a11y(moderator, "moderation log")

    # The author sees that it was hidden, and why; others see a placeholder.
    member.goto(thread_url)
    mine = member.locator("article.dialogue-post", has_text=reply)
    expect(mine).to_contain_text("Hidden")
    expect(mine).to_contain_text(reason)
    flagger.goto(thread_url)
    expect(flagger.get_by_text(reply)).to_have_count(0)
    expect(flagger.get_by_text("This post has been hidden by a moderator.").first).to_be_visible()
