"""Journeys on the foundation: a practitioner registers, an admin grants a role and adds a
locality. Each runs with JavaScript on and off (accounts promise to work without it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    DEMO,
    assert_focus_visible,
    assert_touch_targets,
    focused,
    heading,
    live_region_text,
    register,
    screenshot,
    sign_in,
    tab_to,
    unique,
)

pytestmark = pytest.mark.e2e

JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])


@JS
def test_practitioner_registers_with_consent(browse, check_a11y, javascript):
    """A practitioner finds the site, makes a mistake, then registers, consenting."""
    page = browse(javascript=javascript)
    page.goto("/")
    expect(heading(page, re.compile("."))).to_be_visible()
    check_a11y(page, "home (signed out)")
    assert_touch_targets(page, "home")
    if javascript:
        screenshot(page, "home")

    page.get_by_role("link", name="Create an account").first.click()
    expect(heading(page, "Create an account")).to_be_visible()
    check_a11y(page, "register")

    # Sending it half-filled: an error summary, the title says so, what was typed is kept.
    name = unique("Pat")
    page.get_by_label("Display name").fill(name)
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_contain_text("Choose whether the research team may use")
    expect(page).to_have_title(re.compile("^Error: Create an account"))
    expect(page.get_by_label("Display name")).to_have_value(name)
    if javascript:
        expect(summary).to_be_focused()
    check_a11y(page, "register with errors")

    email = f"{name.lower()}@school.example.org"
    register(page, name, email)
    expect(page).to_have_url(re.compile(r"/$"))
    assert "Your account has been created" in live_region_text(page)
    expect(page.get_by_role("link", name=name)).to_be_visible()
    check_a11y(page, "home (signed in, success banner)")

    page.get_by_role("link", name=name).click()
    expect(page.get_by_label("Display name")).to_have_value(name)
    expect(page.get_by_label("Locality")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_role("radio", name=re.compile("^Yes, the research team"))).to_be_checked()
    check_a11y(page, "account")
    assert_touch_targets(page, "account")

    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in live_region_text(page)
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


@JS
def test_admin_grants_a_role_and_adds_a_locality(browse, check_a11y, javascript):
    """An admin makes a new member a moderator (who then sees Moderation) and adds a place."""
    member = browse(javascript=javascript)
    name = unique("Morgan")
    register(member, name, f"{name.lower()}@school.example.org")
    expect(member.get_by_role("link", name=name)).to_be_visible()
    expect(member.get_by_role("link", name="Moderation")).to_have_count(0)

    admin = browse(javascript=javascript)
    sign_in(admin, DEMO["admin"])
    admin.get_by_role("link", name="Admin", exact=True).click()
    check_a11y(admin, "admin: users")
    if javascript:
        screenshot(admin, "admin-users")
    admin.get_by_label("Search by name or email").fill(name)
    admin.keyboard.press("Enter")
    admin.get_by_role("link", name=name).click()
    expect(heading(admin, name)).to_be_visible()
    check_a11y(admin, "admin: user roles")
    assert_touch_targets(admin, "admin: user roles")
    admin.get_by_label("Moderator").check()
    admin.get_by_role("button", name="Save roles").click()
    assert f"Roles saved for {name}" in live_region_text(admin)
    expect(admin.get_by_label("Moderator")).to_be_checked()

    member.reload()
    expect(member.get_by_role("link", name="Moderation")).to_be_visible()

    admin.get_by_role("link", name="All users").click()
    admin.get_by_role("link", name="Localities").click()
    place = unique("Northshire")
    admin.get_by_label("Name").fill(place)
    admin.get_by_label("Description").fill("Schools around the estuary")
    admin.get_by_role("button", name="Add locality").click()
    assert f"Added {place}" in live_region_text(admin)
    expect(admin.get_by_role("cell", name=place, exact=True)).to_be_visible()
    check_a11y(admin, "admin: localities")

    # The same name again is refused, with an error summary, and nothing is added.
    admin.get_by_label("Name").fill(place)
    admin.get_by_role("button", name="Add locality").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("already exists")
    expect(admin.get_by_role("cell", name=place, exact=True)).to_have_count(1)
    check_a11y(admin, "admin: localities with errors")

    # The new locality is offered to people when they register or edit their profile.
    member.get_by_role("link", name=name).click()
    expect(member.get_by_label("Locality").locator("option", has_text=place)).to_have_count(1)


def test_keyboard_only_registration_errors(browse):
    """Keyboard only: skip link, visible focus on every stop, focus on the error summary."""
    page = browse()
    page.goto("/register")
    page.keyboard.press("Tab")
    info = assert_focus_visible(page, "(skip link)")
    assert info["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main-content$"))

    order = tab_to(page, lambda i: i["tag"] == "button" and i["text"] == "Create account")
    labels = [o["id"] for o in order if o and o["id"]]
    expected = ["display_name", "email", "password", "education_role", "phase",
                "school_type", "locality_id"]
    assert [i for i in labels if i in expected] == expected, f"tab order was {labels}"
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert focused(page)["inViewport"]
    # The summary's links take you to the field to fix.
    page.keyboard.press("Tab")
    info = assert_focus_visible(page, "(first error link)")
    assert info["tag"] == "a"
    target = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert target == "#display_name", info
    page.keyboard.press("Enter")
    expect(page.locator(target)).to_be_focused()
    assert_focus_visible(page, "(field from the error summary)")


def test_radio_buttons_and_checkboxes_work_by_keyboard(browse):
    """Arrow keys choose a consent option; Space ticks a checkbox."""
    page = browse()
    page.goto("/register")
    page.locator("#research_consent").focus()
    page.keyboard.press("Space")
    expect(page.locator("#research_consent")).to_be_checked()
    assert_focus_visible(page, "(consent radio)")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=re.compile("^No, keep"))).to_be_checked()

    page.goto("/login")
    page.locator("#remember").focus()
    page.keyboard.press("Space")
    expect(page.locator("#remember")).to_be_checked()
    assert_focus_visible(page, "(remember checkbox)")
