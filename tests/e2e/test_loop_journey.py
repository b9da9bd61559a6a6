"""Closing the loop, the whole way round in the browser (issue 17): a practitioner reacts
to a finding and comments on it, then takes part, signed in, in a workshop that checks
that finding; the facilitator ends it and publishes its results card; a researcher
writes a "We did" response, and a second researcher (made one by an admin) publishes it.
The practitioner is mailed about both (by SMTP, to the harness's loopback server),
follows the emailed links, and finds "You said" and "We did" on the finding, the results
thread in the locality's space, and the response on /you-said-we-did. The mail itself is
rendered in Chromium at a phone's and a laptop's width, and may not scroll sideways."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DEMO,
    TODAY,
    heading,
    register,
    sign_in,
    unique,
    wait_until,
)

pytestmark = pytest.mark.e2e

FINDING = "hierarchy-ofsted-priority"  # the template workshop's first finding check
CHECK_PROMPT = re.compile("^Making sure my school does well when Ofsted inspects")
SHOTS = Path(os.environ.get("LOOP_SHOTS", "/tmp/h/shots/loop"))
HREF = re.compile(r'href="([^"]+)"')


def _mails(server, address: str, subject: str | re.Pattern, page: Page) -> list:
    """Wait until a mail to ``address`` whose subject contains ``subject`` has arrived."""
    def found():
        return [m for m in server.mail.to(address)
                if (subject.search(m["Subject"]) if isinstance(subject, re.Pattern)
                    else subject in m["Subject"])]
    wait_until(page, found, f"no mail to {address} about {subject!r}")
    return found()


def _join_dialogue(page: Page, name: str, email: str) -> None:
    """Register (and confirm the address by its mail) as a person would; signed in."""
    register(page, name, email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _present(page: Page, times: int) -> None:
    """Press Next ``times`` times, each once the screen shows the question before."""
    meta = page.locator("#present-stage .dialogue-present__meta")
    for _ in range(times):
        before = meta.inner_text() if meta.count() else ""
        page.locator("body").press("n")
        expect(meta).not_to_have_text(before)


def _render_mail(browse, message, name: str) -> None:
    """The HTML part in Chromium at 390 and 1280 px: screenshots, no sideways scroll."""
    html = message.get_body(("html",)).get_content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browse()
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.set_content(html)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the mail {name} at {width}px scrolls sideways by {overflow}px"


def test_a_practitioner_is_brought_back_to_what_was_done(browse, live_server, check_a11y):
    # 1. A practitioner reacts to a finding and comments on it.
    practitioner = browse()
    name = unique("Morgan")
    address = f"{name.lower()}@school.example.org"
    _join_dialogue(practitioner, name, address)
    practitioner.goto(f"/findings/{FINDING}")
    finding_title = heading(practitioner, re.compile(".")).inner_text()
    widget = practitioner.locator(f"#reaction-{FINDING}")
    widget.get_by_role("button", name="Partly matches").click()
    expect(practitioner.locator(f"#reaction-{FINDING}")).to_contain_text(
        "You said: Partly matches")
    comment = f"Inspection still decides our priorities ({unique('c')})."
    practitioner.get_by_label("Your comment").fill(comment)
    practitioner.get_by_role("button", name="Post comment").click()
    expect(practitioner.locator("article.dialogue-post", has_text=comment)).to_be_visible()
    check_a11y(practitioner, "finding after reacting and commenting")

    # 2. The facilitator runs a workshop that checks the finding; the practitioner takes
    #    part signed in and answers the finding check.
    facilitator = browse()
    sign_in(facilitator, DEMO["facilitator"])
    facilitator.get_by_role("link", name="My workshops").click()
    facilitator.get_by_label("Date").fill(TODAY)
    facilitator.get_by_label("Locality").select_option(label="Locality A")
    facilitator.get_by_role("button", name="Copy the template").click()
    workshop_title = heading(facilitator, re.compile("^Copy of")).inner_text()
    code = facilitator.locator("dd code").first.inner_text().strip()
    facilitator.get_by_role("link", name="Present").click()
    expect(facilitator.locator(".dialogue-present__code")).to_have_text(code)

    practitioner.goto("/join")
    practitioner.get_by_label("Workshop code").fill(code)
    practitioner.get_by_role("button", name="Join").click()
    expect(practitioner.get_by_role("heading", name="You have joined")).to_be_visible()
    _present(facilitator, 4)  # the template's fourth question is the finding check
    expect(facilitator.locator("#stage-heading")).to_have_text(CHECK_PROMPT)
    expect(practitioner.locator("#question-prompt")).to_have_text(CHECK_PROMPT)
    practitioner.get_by_label("Agree", exact=True).check()
    practitioner.get_by_role("button", name=re.compile("^Send my answer$")).click()
    expect(practitioner.get_by_text("Your answer has been saved").first).to_be_visible()
    expect(facilitator.locator("#present-results")).to_contain_text("1 answer")

    facilitator.get_by_role("link", name="Leave the presenter screen").click()
    browse.expect_dialog()
    facilitator.get_by_role("button", name="End the workshop").click()
    expect(facilitator).to_have_url(re.compile(r"/workshops/\d+/results$"))
    expect(practitioner.get_by_role("heading", name="The workshop has ended")).to_be_visible()

    # 3. The facilitator reviews the results card and publishes it to the locality.
    facilitator.get_by_role("link", name="Review and publish the results card").click()
    expect(heading(facilitator, workshop_title)).to_be_visible()
    check_a11y(facilitator, "results card review")
    intro = f"Thank you for coming ({unique('i')})."
    facilitator.get_by_label(re.compile("Introduction")).fill(intro)
    facilitator.get_by_role("button", name="Publish the results").click()
    expect(heading(facilitator, f"Workshop results: {workshop_title}")).to_be_visible()
    thread_url = facilitator.url
    assert re.search(r"/threads/\d+$", thread_url), thread_url

    # A moderator approves what is held: the new member's comment, and the card's post
    # if the facilitator's posts still wait (the card is public once its post is).
    moderator = browse()
    sign_in(moderator, DEMO["moderator"])
    moderator.get_by_role("link", name="Moderation", exact=True).click()
    # htmx approves in place; a click before its script ran posts the plain form, and
    # the approved item leaves the queue page it comes back to (seen in CI at load).
    moderator.wait_for_load_state("load")
    for text in (comment, intro):
        item = moderator.locator("li.dialogue-queue-item", has_text=text)
        if text == comment or item.count():
            item.get_by_role("button", name="Approve").click()
            expect(moderator.locator("li.dialogue-queue-item", has_text=text)) \
                .to_contain_text("Approved.")

    # 4. A researcher writes a response to the finding: a draft.
    researcher = browse()
    sign_in(researcher, DEMO["researcher"])
    researcher.goto(f"/findings/{FINDING}")
    researcher.get_by_role("link", name="Write a response to this finding").click()
    title = unique("Inspection: what we are taking forward")
    researcher.get_by_label("Title").fill(title)
    researcher.get_by_label("What the research team did").fill(
        "We took your comments on inspection to the **next round** of workshops.")
    researcher.get_by_role("button", name="Save draft").click()
    expect(researcher.get_by_role("heading", level=1)).to_contain_text(f"Review: {title}")
    assert not [m for m in live_server.mail.to(address) if "responded" in m["Subject"]]

    # 5. An admin makes a second person a researcher, who reviews and publishes it.
    reviewer = browse()
    reviewer_name = unique("Riley")
    reviewer_address = f"{reviewer_name.lower()}@university.example.org"
    _join_dialogue(reviewer, reviewer_name, reviewer_address)
    admin = browse()
    sign_in(admin, DEMO["admin"])
    admin.goto("/admin/")
    admin.get_by_label("Search by name or email").fill(reviewer_address)
    admin.locator("#main-content").get_by_role("button", name="Search").click()
    admin.get_by_role("link", name=reviewer_name).click()
    admin.get_by_label("Researcher", exact=True).check()
    admin.get_by_role("button", name="Save roles").click()
    expect(admin.get_by_text(f"Roles saved for {reviewer_name}.")).to_be_visible()
    reviewer.goto("/research/responses")
    reviewer.get_by_role("link", name=title).click()
    check_a11y(reviewer, "response review")
    reviewer.get_by_role("button", name="Publish response").click()
    expect(reviewer.get_by_text("Published.")).to_be_visible()

    # 6. The practitioner's mail: one about the results, one about the response, each
    #    with its link absolute on the site and a one-click unsubscribe.
    [results_mail] = _mails(live_server, address, "results of the workshop", practitioner)
    [response_mail] = _mails(live_server, address, "The research team responded",
                             practitioner)
    assert title in response_mail.get_body(("plain",)).get_content()
    for message in (results_mail, response_mail):
        # (A long value is folded onto the next line; unfolded, it keeps the space.)
        assert message["List-Unsubscribe"].strip().startswith(
            f"<{live_server.url}/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert finding_title[:40] in response_mail["Subject"]
    _render_mail(browse, response_mail, "mail-response")
    response_links = [link for link in HREF.findall(
        response_mail.get_body(("html",)).get_content()) if "/findings/" in link]
    assert response_links == [f"{live_server.url}/findings/{FINDING}#we-did"], response_links
    assert response_links[0] in response_mail.get_body(("plain",)).get_content()
    [results_link] = [link for link in HREF.findall(
        results_mail.get_body(("html",)).get_content()) if "/threads/" in link]
    assert results_link == thread_url

    # 7. Following the links: "You said" and "We did" on the finding ...
    practitioner.goto(response_links[0])
    we_did = practitioner.locator("#we-did")
    expect(we_did).to_contain_text(title)
    expect(we_did.locator("strong")).to_have_text("next round")
    you_said = practitioner.locator("#you-said")
    expect(you_said).to_contain_text("You said")
    expect(you_said.locator(".loop-workshops")).to_contain_text(workshop_title)
    check_a11y(practitioner, "finding from the emailed link")
    # ... the results thread in the locality's space, open for discussion ...
    practitioner.goto(results_link)
    expect(heading(practitioner, f"Workshop results: {workshop_title}")).to_be_visible()
    expect(practitioner.locator("article.dialogue-post").first).to_contain_text(intro)
    expect(practitioner.get_by_label("Your reply")).to_be_visible()
    check_a11y(practitioner, "results thread from the emailed link")
    # ... and the response on the public list.
    practitioner.goto("/you-said-we-did")
    expect(practitioner.get_by_role("link", name=title)).to_be_visible()
    check_a11y(practitioner, "you said, we did after publishing")
    # In the app too: both notifications wait in the list.
    practitioner.goto("/notifications")
    expect(practitioner.locator("main")).to_contain_text(title)
    expect(practitioner.locator("main")).to_contain_text(workshop_title)
