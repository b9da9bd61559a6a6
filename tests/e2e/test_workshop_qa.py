"""Audience Q&A in real browsers: three phones ask and upvote, the facilitator approves
from the console, pins the question to the audience screen and marks it answered; every
page follows by polling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TODAY, sign_in
from tests.e2e.test_audience_screen import shot

pytestmark = pytest.mark.e2e


def test_three_phones_ask_upvote_and_the_facilitator_moderates(browse, check_a11y):
    console = browse()
    sign_in(console, "facilitator@dialogue.example.org")
    console.goto("/workshops/")
    console.get_by_label("Date").fill(TODAY)
    console.get_by_role("button", name="Copy the template").click()
    console.get_by_role("link", name="Present").click()
    code = console.locator(".dialogue-present__code").inner_text().strip()
    workshop_id = re.search(r"/workshops/(\d+)/", console.url).group(1)
    screen = browse()
    screen.context.add_cookies(console.context.cookies())
    screen.goto(f"/workshops/{workshop_id}/present")
    # The console holds Q&A moderation beside the controls.
    console.goto(f"/workshops/{workshop_id}/console")
    expect(console.locator("#console-live")).to_be_visible()
    console.get_by_role("button", name="Approve questions before they show").click()
    expect(console.get_by_text("New questions now wait for your approval.")).to_be_visible()

    phones = []
    for _ in range(3):
        phone = browse(phone=True)
        phone.goto(f"/j/{code}")
        phone.get_by_role("button", name="Join").click()
        phone.get_by_role("link", name="Ask the facilitator a question").click()
        expect(phone.get_by_role("heading", name="Questions for the facilitator")).to_be_visible()
        phones.append(phone)
    asker, second, third = phones
    check_a11y(asker, "phone Q&A, empty")
    asker.get_by_label("Your question").fill("Will the slides be shared afterwards?")
    asker.get_by_role("button", name="Send my question").click()
    expect(asker.get_by_text("once the facilitator approves it")).to_be_visible()
    expect(asker.get_by_text("Waiting for approval")).to_be_visible()
    expect(second.get_by_text("No questions yet")).to_be_visible()

    item = console.locator(".dialogue-qa__item", has_text="Will the slides")
    expect(item).to_be_visible()  # arrives by the console's poll
    check_a11y(console, "console with a question waiting")
    item.get_by_role("button", name="Approve", exact=True).click()
    expect(console.get_by_text("Question approved")).to_be_visible()

    for phone in (second, third):
        entry = phone.locator(".dialogue-qa__item", has_text="Will the slides")
        entry.get_by_role("button", name="Upvote", exact=True).click()
        expect(entry.get_by_role("button", name="Withdraw my upvote")).to_be_visible()
    expect(asker.locator(".dialogue-qa__item")).to_contain_text("2 upvotes")
    check_a11y(third, "phone Q&A after upvoting")

    console.locator(".dialogue-qa__item", has_text="Will the slides").get_by_role(
        "button", name="Pin to the screen").click()
    # The audience screen shows the pin by its own poll, and still fits the projector.
    expect(screen.locator(".dialogue-qa-pinned__text")).to_have_text(
        "Will the slides be shared afterwards?")
    expect(screen.locator(".dialogue-qa-pinned__label")).to_contain_text("2 upvotes")
    check_a11y(screen, "screen's pinned question")
    for width, height in ((1024, 768), (1920, 1080)):
        screen.set_viewport_size({"width": width, "height": height})
        assert screen.evaluate("[document.documentElement.scrollWidth,"
                               " document.documentElement.scrollHeight]") == [width, height]

    console.locator(".dialogue-qa__item", has_text="Will the slides").get_by_role(
        "button", name="Mark answered").click()
    expect(console.get_by_text("Question marked as answered.")).to_be_visible()
    expect(screen.locator(".dialogue-qa-pinned__text")).to_have_count(0)
    expect(asker.locator(".dialogue-qa__item", has_text="Will the slides")).to_contain_text(
        "Answered")
    assert asker.evaluate("document.documentElement.scrollWidth") == 390

    # The facilitator ends the workshop: every phone sitting on the Q&A page says so by
    # its next poll, its ask form gone, and links to the results.
    second.get_by_label("Your question").fill("A question typed as it ends")
    browse.expect_dialog()
    console.get_by_role("button", name="End workshop").click()
    expect(console.get_by_text("The workshop has ended").first).to_be_visible()
    for phone in phones:
        notice = phone.locator("#qa-panel .govuk-notification-banner")
        expect(notice).to_contain_text("This workshop has ended")
        expect(phone.get_by_label("Your question")).to_have_count(0)
        expect(phone.get_by_role("button", name="Send my question")).to_have_count(0)
        expect(phone.get_by_role("button", name="Upvote", exact=True)).to_have_count(0)
        expect(phone.locator(".dialogue-qa__item", has_text="Will the slides")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") == 390
    check_a11y(asker, "phone Q&A after the workshop ended")
    shot(asker, "phone-qa-ended")
    asker.get_by_role("link", name="See the workshop's results").click()
    expect(asker).to_have_url(re.compile(r"/j/\w+/results$"))
    expect(asker.get_by_text("The workshop's results")).to_be_visible()
