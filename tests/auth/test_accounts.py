"""Registering, signing in and out, passwords, consent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dialogue.auth.consent import CONSENT_VERSION
from dialogue.auth.models import ConsentEvent, Phase, User
from dialogue.extensions import db
from dialogue.mail import outbox
from tests.factories import PASSWORD

REGISTRATION = {
    "display_name": "Head of Maple Primary",
    "email": "Head@Maple.example.org",
    "password": "a long enough password",
    "education_role": "headteacher",
    "phase": "primary",
    "school_type": "maintained",
    "locality_id": "",
    "research_consent": "yes",
}


def _form(**changes):
    data = dict(REGISTRATION)
    data.update(changes)
    return data


def _confirm_registration(client) -> None:
    """Follow the confirmation link the registration mailed (tests/auth/test_registration.py
    covers the link itself)."""
    body = outbox()[-1].get_content()
    link = re.search(r"https?://[^/\s]+(/register/confirm/\S+)", body).group(1)
    assert client.post(link).status_code == 302


def test_register_creates_account_with_profile_and_consent(client, factory):
    factory.locality()
    response = client.post("/register", data=_form())
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    _confirm_registration(client)
    user = db.session.scalar(select(User).where(User.email == "head@maple.example.org"))
    assert user.display_name == "Head of Maple Primary"
    assert user.phase is Phase.PRIMARY
    assert user.research_consent is True
    assert user.consent_version == CONSENT_VERSION
    events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == user.id)).all()
    assert [(e.version, e.accepted) for e in events] == [(CONSENT_VERSION, True)]
    # Signed in once the address is confirmed.
    assert "Head of Maple Primary" in client.get("/").get_data(as_text=True)


def test_declining_consent_still_creates_the_account(client):
    client.post("/register", data=_form(research_consent="no"))
    _confirm_registration(client)
    user = db.session.scalar(select(User))
    assert user is not None and user.research_consent is False


def test_register_errors_keep_what_was_typed(client):
    response = client.post("/register", data=_form(password="short", email="not-an-email"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert "Password must be at least 10 characters" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="Head of Maple Primary"' in page
    assert 'value="not-an-email"' in page
    assert '<option value="primary" selected>' in page
    assert page.count('checked') >= 1
    assert "Error: Create an account" in page  # the title says so too
    assert db.session.scalar(select(User)) is None


def test_register_with_a_taken_address_makes_no_second_account(client, factory):
    factory.user(email="head@maple.example.org")
    response = client.post("/register", data=_form())
    assert "already exists" not in response.get_data(as_text=True)  # issue 16, point 6
    assert len(db.session.scalars(select(User)).all()) == 1


def test_login_and_wrong_password(client, factory):
    user = factory.user(email="t@school.example.org")
    wrong = client.post("/login", data={"email": "t@school.example.org", "password": "nope"})
    assert "The email address or password is not right" in wrong.get_data(as_text=True)
    assert 'value="t@school.example.org"' in wrong.get_data(as_text=True)
    unknown = client.post("/login", data={"email": "who@x.example.org", "password": "nope"})
    assert "The email address or password is not right" in unknown.get_data(as_text=True)
    right = client.post("/login", data={"email": "T@school.example.org", "password": PASSWORD})
    assert right.status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_redirects_only_to_same_site(client, factory):
    factory.user(email="t@school.example.org")
    form = {"email": "t@school.example.org", "password": PASSWORD}
    evil = client.post("/login?next=https://evil.example.com/", data=form)
    assert evil.headers["Location"] == "/"


def test_logout_ends_every_copy_of_the_session(app, client, factory, login):
    user = factory.user()
    login(user)
    assert client.get("/account").status_code == 200
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_signs_out_other_devices(app, client, factory, login):
    user = factory.user()
    other_device = login(user, app.test_client())
    login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new password",
        "confirm_password": "a brand new password"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser stays in
    assert other_device.get("/account").status_code == 302  # the other one is out


def test_password_change_needs_current_password(client, factory, login):
    login(factory.user())
    response = client.post("/account/password", data={
        "current_password": "wrong", "new_password": "a brand new password",
        "confirm_password": "a brand new password"})
    assert "Your current password is not right" in response.get_data(as_text=True)


def _reset_link() -> str:
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_password_reset_works_once(client, factory):
    factory.user(email="reset@school.example.org")
    page = client.post("/password/forgot", data={"email": "reset@school.example.org"})
    assert "Check your email" in page.get_data(as_text=True)
    link = _reset_link()
    new = {"new_password": "my new password!", "confirm_password": "my new password!"}
    assert client.post(link, data=new).status_code == 302
    assert client.post("/login", data={"email": "reset@school.example.org",
                                       "password": "my new password!"}).status_code == 302
    reused = client.get(link)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_password_reset_for_unknown_email_says_the_same(client):
    page = client.post("/password/forgot", data={"email": "nobody@school.example.org"})
    assert "Check your email" in page.get_data(as_text=True)
    assert outbox() == []


def test_expired_reset_token_is_refused(app, client, factory):
    factory.user(email="reset@school.example.org")
    client.post("/password/forgot", data={"email": "reset@school.example.org"})
    link = _reset_link()
    app.config["PASSWORD_RESET_MAX_AGE"] = timedelta(seconds=-1)
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_reset_token_is_refused(client):
    response = client.get("/password/reset/abc.def.ghi")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_consent_can_be_changed_and_history_is_kept(client, factory, login):
    user = factory.user(consent=True)
    login(user)
    client.post("/account/consent", data={"research_consent": "no"})
    db.session.refresh(user)
    assert user.research_consent is False
    history = db.session.scalars(
        select(ConsentEvent.accepted).where(ConsentEvent.user_id == user.id)
        .order_by(ConsentEvent.id)).all()
    assert history == [True, False]


def test_profile_update(client, factory, login):
    user = factory.user()
    login(user)
    response = client.post("/account", data={"display_name": "New name", "phase": "secondary",
                                             "education_role": "", "school_type": "",
                                             "locality_id": ""})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "New name" and user.phase is Phase.SECONDARY


def test_profile_refuses_empty_display_name_and_keeps_choices(client, factory, login):
    login(factory.user())
    response = client.post("/account", data={"display_name": "  ", "phase": "special"})
    page = response.get_data(as_text=True)
    assert "Enter a display name" in page
    assert '<option value="special" selected>' in page


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_missing_csrf_token_is_refused(csrf_on, client, factory):
    factory.user(email="t@school.example.org")
    response = client.post("/login", data={"email": "t@school.example.org",
                                           "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_csrf_token_from_the_page_is_accepted(csrf_on, client, factory):
    factory.user(email="t@school.example.org")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "t@school.example.org",
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_htmx_csrf_header_is_accepted(csrf_on, client, factory, login):
    login(factory.user())
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post("/account/consent", data={"research_consent": "no"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302


@pytest.fixture
def limits_on(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"


def test_login_rate_limit(limits_on, client):
    for _ in range(3):
        assert client.post("/login", data={"email": "a@b.example.org",
                                           "password": "x"}).status_code == 422
    response = client.post("/login", data={"email": "a@b.example.org", "password": "x"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    # Reading the page is not limited.
    assert client.get("/login").status_code == 200
