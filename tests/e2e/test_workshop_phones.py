"""A whole workshop in real browsers: the facilitator presents from a desktop while
phones join, follow the presenter without reloading, answer and see results. One phone
has JavaScript off and still takes part with plain forms.

Uses the browser harness of tests/e2e (Debian's Chromium; skipped when it is missing).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TEMPLATE_COPY_TITLE, TODAY, sign_in

pytestmark = pytest.mark.e2e


def _no_browser_problems(browse):
    guard = browse.guard
    log = browse.server.log_since(guard.log_offset)
    if "Traceback" in log:
        guard.server_errors.append(log[-3000:])
    assert not guard.problems(), "\n".join(guard.problems())


def test_run_a_workshop_end_to_end(browse, check_a11y):
    presenter = browse()
    sign_in(presenter, "facilitator@dialogue.example.org")
    presenter.goto("/workshops/")
    presenter.get_by_label("Date").fill(TODAY)
    presenter.get_by_role("button", name="Copy the template").click()
    expect(presenter.get_by_role("heading", level=1)).to_have_text(TEMPLATE_COPY_TITLE)
    presenter.get_by_role("link", name="Present").click()
    code = presenter.locator(".dialogue-present__code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    expect(presenter.locator(".dialogue-qr")).to_be_visible()
    check_a11y(presenter, "presenter before the first question")

    phone = browse(phone=True)
    phone.goto("/join")
    phone.get_by_label("Workshop code").fill(code.lower())
    phone.get_by_label("Phase (optional)").select_option(label="Secondary")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You have joined")).to_be_visible()

    plain = browse(phone=True, javascript=False)
    plain.goto(f"/j/{code}")
    plain.get_by_role("button", name="Join").click()
    expect(plain.get_by_role("heading", name="You have joined")).to_be_visible()

    # The facilitator starts (keyboard: N); the phone follows without reloading.
    # (How soon every phone follows is measured by benchmarks/bench_workshops.py.)
    presenter.keyboard.press("n")
    first_prompt = "Who should mainly be responsible"
    expect(phone.get_by_role("heading", level=1)).to_contain_text(first_prompt)
    check_a11y(phone, "phone with the first question")
    phone.get_by_label("Schools themselves, working together").check()
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()

    plain.reload()  # without JavaScript the person checks for the next question
    plain.get_by_label("Multi-academy trusts").check()
    plain.get_by_role("button", name="Send my answer").click()
    expect(plain.get_by_text("Your answer has been saved")).to_be_visible()

    # The presenter's count and chart update by themselves.
    expect(presenter.locator(".dialogue-present__count")).to_contain_text("2 answers")
    expect(presenter.locator("#present-results figure")).to_contain_text("Multi-academy")

    # Close, then next: the phone follows to the multiple-choice question.
    presenter.get_by_role("button", name=re.compile("^Close answers")).click()
    presenter.get_by_role("button", name=re.compile("^Next question")).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Which two words")
    check_a11y(presenter, "presenter with results")
    _no_browser_problems(browse)


def test_ranking_with_up_and_down_buttons(browse):
    presenter = browse()
    sign_in(presenter, "facilitator@dialogue.example.org")
    presenter.goto("/workshops/")
    presenter.get_by_label("Date").fill(TODAY)
    presenter.get_by_role("button", name="Copy the template").click()
    presenter.get_by_role("link", name="Present").click()
    code = presenter.locator(".dialogue-present__code").inner_text().strip()
    phone = browse(phone=True)
    phone.goto(f"/j/{code}")
    phone.get_by_role("button", name="Join").click()
    stage = presenter.locator("#stage-heading")
    for _ in range(10):  # on to the ranking question, one press at a time
        before = stage.inner_text()
        # The stage (and its Next button) is redrawn after each move: press once the
        # new one is on the page, as a person would once they see the new question.
        expect(presenter.locator("#control-next")).to_be_attached()
        presenter.keyboard.press("n")
        expect(stage).not_to_have_text(before, timeout=10_000)
        if "Rank these four themes" in stage.inner_text():
            break
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Rank these")
    items = phone.locator(".dialogue-ranking__label")
    last = items.nth(3).inner_text()
    move_up = phone.locator(".dialogue-ranking__item").nth(3).locator('[data-move="up"]')
    expect(move_up).to_contain_text(f"Move {last} Up")  # its name for screen readers
    move_up.focus()
    phone.keyboard.press("Enter")
    expect(items.nth(2)).to_have_text(last)
    expect(phone.locator("[data-ranking-status]")).to_contain_text("now number 3 of 4")
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_text("Your answer has been saved")).to_be_visible()
    expect(phone.locator(".dialogue-ranking__label").nth(2)).to_have_text(last)
    _no_browser_problems(browse)
