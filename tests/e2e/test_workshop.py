"""The facilitator's journey with three participants: one on a laptop using only the
keyboard, one on a phone, one with JavaScript off. The facilitator copies the template
workshop, presents it (by keyboard shortcuts), participants join by code and answer every
question type; the presenter's results and the participants' screens change without
reloads; results are revealed; the workshop is closed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DEMO,
    TEMPLATE_COPY_TITLE,
    TODAY,
    assert_focus_visible,
    assert_touch_targets,
    screenshot,
    sign_in,
    tab_to,
    wait_until,
)

pytestmark = pytest.mark.e2e

SEND = re.compile("^(Send my answer|Change my answer)$")


def mark_page(page: Page) -> None:
    """Leave a marker in the page: if it survives, the page was updated, not reloaded."""
    page.evaluate("() => { window.__dialogueNoReload = true; }")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__dialogueNoReload === true"), "the page reloaded"


def prompt(page: Page):
    return page.locator("#question-prompt")


def wait_for_question(page: Page, text: str, *, javascript: bool) -> None:
    """JS: the screen changes by itself. No JS: the person follows the 'check' link."""
    if javascript:
        expect(prompt(page)).to_have_text(text)
    else:
        page.get_by_role("link", name="Check for the next question").click()
        expect(prompt(page)).to_have_text(text)


def send(page: Page) -> None:
    page.get_by_role("button", name=SEND).click()
    expect(page.get_by_text("Your answer has been saved").first).to_be_visible()
    expect(page.get_by_role("button", name="Change my answer")).to_be_visible()


def keyboard_send(page: Page) -> None:
    """Tab to the send button and press Enter; focus is visible on every stop."""
    tab_to(page, lambda i: i["tag"] == "button" and SEND.match(i["text"] or ""))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your answer has been saved").first).to_be_visible()


def keyboard_choose(page: Page, label: str) -> None:
    """Tab to an option and select it: Space on a checkbox, arrow keys in a radio group."""
    target = page.get_by_label(label, exact=True)
    target_id = target.get_attribute("id")
    if target.get_attribute("type") == "checkbox":
        tab_to(page, lambda i: i["id"] == target_id)
    else:
        # Tab enters a radio group once; the arrow keys then move (and select) within it.
        tab_to(page, lambda i: i["tag"] == "input" and i["id"].startswith(("option-", "value-")))
        for _ in range(8):
            if page.evaluate("() => document.activeElement.id") == target_id:
                break
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(target).to_be_checked()
    assert_focus_visible(page, f"({label})")


def present(page: Page, action: str) -> None:
    """Press a presenter control by its keyboard shortcut (focus on the page body)."""
    key = {"next": "n", "open": "o", "close": "c", "reveal": "r", "previous": "p"}[action]
    # Wait for the swap, as a presenter waits to see the screen change before the next key:
    # moving shows a new "Question n of m" line; other controls say what they did.
    moving = action in ("next", "previous")
    changes = page.locator("#present-stage " + (
        ".dialogue-present__meta" if moving else ".dialogue-present__message"))
    before = changes.inner_text() if changes.count() else ""
    page.locator("body").press(key)
    expect(changes).not_to_have_text(before)


def test_facilitator_runs_a_workshop_with_three_participants(browse, check_a11y):
    """Create, present, join by code, answer each question type, reveal, move on, close."""
    facilitator = browse()
    sign_in(facilitator, DEMO["facilitator"])
    facilitator.get_by_role("link", name="My workshops").click()
    check_a11y(facilitator, "my workshops")
    facilitator.get_by_label("Date").fill(TODAY)
    facilitator.get_by_label("Locality").select_option(label="Locality A")
    facilitator.get_by_role("button", name="Copy the template").click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(TEMPLATE_COPY_TITLE)
    check_a11y(facilitator, "workshop detail")
    screenshot(facilitator, "workshop-detail")
    code = facilitator.locator("dd code").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code

    facilitator.get_by_role("link", name="Present").click()
    expect(facilitator.locator(".dialogue-present__code")).to_have_text(code)
    check_a11y(facilitator, "presenter: before the first question")
    mark_page(facilitator)

    # Three people join by code: keyboard-only laptop, phone, and no JavaScript.
    laptop = browse()
    phone = browse(phone=True)
    plain = browse(javascript=False)
    for person in (laptop, phone, plain):
        person.goto("/join")
        person.get_by_label("Workshop code").fill(code.lower())
        person.get_by_role("button", name="Join").click()
        expect(person.get_by_role("heading", name="You have joined")).to_be_visible()
    check_a11y(phone, "participant: joined (phone)")
    assert_touch_targets(phone, "participant: joined (phone)")
    screenshot(phone, "workshop-joined")
    mark_page(laptop)
    mark_page(phone)

    # Q1, single choice. The presenter starts by keyboard; screens update by themselves.
    present(facilitator, "next")
    q1 = "Who should mainly be responsible for improving schools in this area?"
    expect(facilitator.locator("#stage-heading")).to_have_text(q1)
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q1, javascript=js)
    assert_not_reloaded(laptop)
    assert_not_reloaded(phone)
    # The new question is announced through the page's live region (#alerts).
    expect(phone.locator("#alerts [data-announcer]")).to_have_text(q1)
    check_a11y(phone, "participant: single choice (phone)")
    assert_touch_targets(phone, "participant: single choice (phone)")
    screenshot(phone, "workshop-question")
    keyboard_choose(laptop, "Multi-academy trusts")
    keyboard_send(laptop)
    phone.get_by_label("The local authority").check()
    send(phone)
    plain.get_by_label("Multi-academy trusts").check()
    send(plain)
    expect(facilitator.locator("#present-results")).to_contain_text("3 answers")
    expect(facilitator.locator("#present-results")).to_contain_text("Multi-academy trusts")
    assert_not_reloaded(facilitator)
    check_a11y(facilitator, "presenter: single-choice results")
    screenshot(facilitator, "workshop-presenter")

    # Q2, multiple choice (two words).
    present(facilitator, "next")
    q2 = re.compile("^Which two words best describe")
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q2, javascript=js)
    keyboard_choose(laptop, "Collaborative")
    keyboard_choose(laptop, "Equitable")
    keyboard_send(laptop)
    for person in (phone, plain):
        person.get_by_label("Collaborative").check()
        person.get_by_label("Inclusive").check()
        send(person)
    check_a11y(laptop, "participant: multiple choice answered")
    expect(facilitator.locator("#present-results")).to_contain_text("3 answers")

    # Q3, open text.
    present(facilitator, "next")
    q3 = re.compile("^In a sentence: what should a self-improving")
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q3, javascript=js)
    tab_to(laptop, lambda i: i["id"] == "answer-text")
    laptop.keyboard.type("Every child gets a great teacher, whichever school they attend.")
    keyboard_send(laptop)
    phone.get_by_label("Your answer").fill("Schools helping each other, not competing.")
    send(phone)
    plain.get_by_label("Your answer").fill("Less fear of inspection.")
    send(plain)
    expect(facilitator.locator("#present-results")).to_contain_text(
        "Less fear of inspection")
    check_a11y(facilitator, "presenter: open-text answers")

    # Q4, a finding check (agreement scale compared with the national survey).
    present(facilitator, "next")
    q4 = re.compile("^Making sure my school does well when Ofsted inspects")
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q4, javascript=js)
    keyboard_choose(laptop, "Strongly agree")
    keyboard_send(laptop)
    for person in (phone, plain):
        person.get_by_label("Agree", exact=True).check()
        send(person)
    expect(facilitator.locator("#present-results")).to_contain_text("3 answers")
    check_a11y(facilitator, "presenter: finding check results")

    # Q5-Q7: move on to the question whose results stay hidden until revealed.
    for _ in range(3):
        present(facilitator, "next")
    q7 = re.compile("^Current government policy is making inequalities")
    expect(facilitator.locator("#stage-heading")).to_have_text(q7)
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q7, javascript=js)
    for person in (phone, plain):
        person.get_by_label("Disagree", exact=True).check()
        send(person)
    expect(facilitator.locator("#present-results")).to_contain_text("2 answers")
    expect(facilitator.locator("#present-results")).to_contain_text("Results are hidden")
    present(facilitator, "reveal")
    expect(facilitator.locator("#present-results")).not_to_contain_text("Results are hidden")
    expect(facilitator.locator("#present-stage")).to_contain_text("Results revealed")
    check_a11y(facilitator, "presenter: revealed results")

    # Q8, the scale.
    present(facilitator, "next")
    q8 = re.compile("^In this area, networks and collaboration")
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q8, javascript=js)
    keyboard_choose(laptop, "Neither agree nor disagree")
    keyboard_send(laptop)
    phone.get_by_label("Strongly agree").check()
    send(phone)

    # Q10, ranking: with buttons, not by dragging.
    present(facilitator, "next")
    present(facilitator, "next")
    q10 = re.compile("^Rank these four themes")
    for person, js in ((laptop, True), (phone, True), (plain, False)):
        wait_for_question(person, q10, javascript=js)
    check_a11y(phone, "participant: ranking (phone)")
    assert_touch_targets(phone, "participant: ranking (phone)")
    screenshot(phone, "workshop-ranking")
    for person in (laptop, phone, plain):
        labels = person.locator(".dialogue-ranking__label").all_inner_texts()
        assert len(labels) == 4, labels
        last = labels[-1]
        # Move the last item to the top: three "Up" presses.
        for _ in range(3):
            button = person.get_by_role(
                "button", name=re.compile(rf"^Move {re.escape(last)} Up$"))
            if person is laptop:
                button.focus()
                assert_focus_visible(person, "(ranking Up button)")
                person.keyboard.press("Enter")
            else:
                button.click()
        expect(person.locator(".dialogue-ranking__label").first).to_have_text(last)
        if person is laptop:
            status = person.locator("[data-ranking-status]")
            expect(status).to_have_text(f"{last} is now number 1 of 4.")
            assert status.get_attribute("aria-live") == "polite"
        send(person)
        expect(person.locator(".dialogue-ranking__label").first).to_have_text(last)
    expect(facilitator.locator("#present-results")).to_contain_text("3 answers")
    check_a11y(facilitator, "presenter: ranking results")

    # Close: the facilitator ends the workshop; screens say so without reloading.
    facilitator.get_by_role("link", name="Leave the presenter screen").click()
    browse.expect_dialog()
    facilitator.get_by_role("button", name="End the workshop").click()
    expect(facilitator.get_by_text("Closed").first).to_be_visible()
    for person in (laptop, phone):
        expect(person.get_by_role("heading", name="The workshop has ended")).to_be_visible()
        expect(person.locator("#alerts [data-announcer]")).to_have_text(
            "The workshop has ended")
    assert_not_reloaded(laptop)
    assert_not_reloaded(phone)
    plain.reload()
    expect(plain.get_by_role("heading", name="The workshop has ended")).to_be_visible()
    check_a11y(phone, "participant: ended (phone)")

    # Ending lands on the workshop's results (no link to follow: the page is already there).
    expect(facilitator).to_have_url(re.compile(r"/workshops/\d+/results$"))
    expect(facilitator.locator(".govuk-caption-l")).to_have_text("Results")
    expect(facilitator.get_by_role("heading", level=1)).to_be_visible()
    check_a11y(facilitator, "workshop results")
    screenshot(facilitator, "workshop-results")


def test_a_poll_answered_after_the_stage_changed_is_dropped_quietly(browse):
    """The presenter's results poll is in flight when a control redraws the whole stage;
    its answer (which asks to redraw the stage) arrives for an element no longer on the
    page, and must be dropped without a script error, leaving the new stage in place."""
    facilitator = browse()
    sign_in(facilitator, DEMO["facilitator"])
    facilitator.get_by_role("link", name="My workshops").click()
    facilitator.get_by_label("Date").fill(TODAY)
    facilitator.get_by_role("button", name="Copy the template").click()
    facilitator.get_by_role("link", name="Present").click()
    expect(facilitator.locator("#present-results")).to_be_attached()

    held, holding = [], [True]
    facilitator.route("**/present/live*", lambda route: (
        held.append(route) if holding[0] else route.continue_()))
    # The results region polls every second.
    wait_until(facilitator, lambda: held, "the presenter screen did not poll")

    present(facilitator, "next")  # the stage (and the polling element in it) is replaced
    first = "Who should mainly be responsible for improving schools in this area?"
    expect(facilitator.locator("#stage-heading")).to_have_text(first)
    holding[0] = False
    # The held answers' element has left the page, so their events reach no listener on
    # the document; htmx's logger hears every event wherever it happens.
    facilitator.evaluate("""urls => {
        window.heldAnswered = 0;
        htmx.logger = (element, name, detail) => {
            if (name === "htmx:afterOnLoad" && urls.includes(detail.xhr.responseURL)) {
                window.heldAnswered += 1;
            }
        };
    }""", [route.request.url for route in held])
    for route in held:
        route.continue_()  # the server now answers "the stage changed": redraw it
    facilitator.wait_for_function("n => window.heldAnswered >= n", arg=len(held))
    expect(facilitator.locator("#stage-heading")).to_have_text(first)
    expect(facilitator.locator("#present-stage")).to_have_count(1)
