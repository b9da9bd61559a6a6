"""Registration, sign-in and password reset never say whether an address has an account
(issue 16, point 6).

Registering answers "check your email" for every address: a new address gets a link that
creates the account once followed, a taken one gets a note to its owner. Nothing here
times a request: the tests check instead that a request does the same work (the same SQL
statements, the same job queued, the same password hashing) whichever the address is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from dialogue.auth import models as auth_models
from dialogue.auth import views as auth_views
from dialogue.auth.models import PendingRegistration, Phase, User
from dialogue.extensions import db
from dialogue.mail import outbox
from tests.factories import PASSWORD

REGISTRATION = {
    "display_name": "Head of Maple Primary",
    "email": "head@maple.example.org",
    "password": "a long enough password",
    "education_role": "headteacher",
    "phase": "primary",
    "school_type": "maintained",
    "locality_id": "",
    "research_consent": "yes",
}


def _form(**changes) -> dict:
    return {**REGISTRATION, **changes}


def _mail_to(address: str):
    messages = [m for m in outbox() if m["To"] == address]
    assert len(messages) == 1, [m["Subject"] for m in outbox()]
    return messages[0]


def _link(message) -> str:
    found = re.search(r"https?://[^/\s]+(/register/confirm/\S+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def _page_without(response, *values: str) -> str:
    text = response.get_data(as_text=True)
    for value in values:
        text = text.replace(value, "ADDRESS")
    # The CSRF token differs per session and per time, whatever the address.
    return re.sub(r"[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}", "TOKEN", text)


def test_registering_a_taken_address_answers_as_a_new_one_does(client, factory):
    factory.user(email="taken@maple.example.org", name="The owner")
    taken = client.post("/register", data=_form(email="taken@maple.example.org"))
    free = client.post("/register", data=_form(email="free@maple.example.org"))

    assert taken.status_code == free.status_code == 200
    assert _page_without(taken, "taken@maple.example.org") == \
        _page_without(free, "free@maple.example.org")
    assert "Check your email" in taken.get_data(as_text=True)
    assert "already exists" not in taken.get_data(as_text=True)
    # Nobody is signed in by registering, whichever the address.
    assert "Sign out" not in client.get("/").get_data(as_text=True)
    # The owner hears of it (and how to get in); no second account, no pending one kept.
    note = _mail_to("taken@maple.example.org")
    assert "already has a Dialogue account" in note.get_content()
    assert "/register/confirm/" not in note.get_content()
    assert "/password/forgot" in note.get_content()
    assert db.session.scalar(
        select(User.display_name).where(User.email == "taken@maple.example.org")) == "The owner"
    assert db.session.scalars(select(PendingRegistration.email)).all() == [
        "free@maple.example.org"]


def test_an_account_is_made_when_its_address_is_confirmed(client, factory):
    factory.locality()
    client.post("/register", data=_form(email="Head@Maple.example.org"))
    assert db.session.scalar(select(User)) is None
    # Before confirming, signing in fails exactly as for an address with no account.
    early = client.post("/login", data={"email": "head@maple.example.org",
                                        "password": REGISTRATION["password"]})
    nobody = client.post("/login", data={"email": "nobody@maple.example.org",
                                         "password": REGISTRATION["password"]})
    assert early.status_code == nobody.status_code == 422
    assert _page_without(early, "head@maple.example.org") == \
        _page_without(nobody, "nobody@maple.example.org")

    link = _link(_mail_to("head@maple.example.org"))
    # Following the link shows a button: a mail scanner that fetches links makes nothing.
    shown = client.get(link)
    assert shown.status_code == 200 and "Create my account" in shown.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None

    confirmed = client.post(link)
    assert confirmed.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "head@maple.example.org"
    assert user.display_name == "Head of Maple Primary"
    assert user.phase is Phase.PRIMARY and user.research_consent is True
    assert user.check_password(REGISTRATION["password"])
    assert "Head of Maple Primary" in client.get("/").get_data(as_text=True)  # signed in
    assert db.session.scalars(select(PendingRegistration)).all() == []

    client.post("/logout")
    again = client.post(link)
    assert again.status_code == 400
    assert db.session.scalars(select(User)).all() == [user]


def test_a_second_registration_link_cannot_make_a_second_account(client):
    client.post("/register", data=_form())
    client.post("/register", data=_form(display_name="Someone else"))
    first, second = [_link(m) for m in outbox()]
    assert client.post(second).status_code == 302
    client.post("/logout")
    assert client.post(first).status_code == 400
    assert db.session.scalar(select(User.display_name)) == "Someone else"


def test_a_tampered_or_expired_confirmation_link_is_refused(app, client):
    assert client.get("/register/confirm/abc.def.ghi").status_code == 400
    client.post("/register", data=_form())
    link = _link(outbox()[0])
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = app.config["PASSWORD_RESET_MAX_AGE"] * -1
    response = client.post(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


@contextmanager
def _recorded(monkeypatch, job_name: str) -> Iterator[dict]:
    """The SQL statements a request runs and the jobs it queues (the job is not run)."""
    seen: dict = {"sql": [], "jobs": []}

    def record(conn, cursor, statement, *args):
        seen["sql"].append(statement)

    monkeypatch.setattr(auth_views, job_name, lambda *args: seen["jobs"].append(job_name))
    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("path", "job", "data"), [
    ("/register", "registration_mail", _form),
    ("/password/forgot", "password_reset_mail", lambda email: {"email": email}),
])
def test_a_request_does_the_same_work_whether_or_not_the_address_has_an_account(
        monkeypatch, client, factory, path, job, data):
    factory.user(email="taken@maple.example.org")
    runs = []
    for email in ("taken@maple.example.org", "free@maple.example.org"):
        form = data(email=email) if path == "/register" else data(email)
        with _recorded(monkeypatch, job) as seen:
            response = client.post(path, data=form)
        assert response.status_code == 200
        runs.append(seen)
    taken, free = runs
    assert taken["sql"] == free["sql"]
    assert taken["jobs"] == free["jobs"] == [job]


def test_signing_in_hashes_once_whoever_asks(monkeypatch, client, factory):
    """An unknown address, a wrong password and a deactivated account all cost one hash."""
    factory.user(email="known@maple.example.org")
    gone = factory.user(email="gone@maple.example.org")
    gone.active = False
    db.session.commit()
    calls = []
    real_check, real_make = auth_models.check_password_hash, auth_models.generate_password_hash
    monkeypatch.setattr(auth_models, "check_password_hash",
                        lambda *a: calls.append("check") or real_check(*a))
    monkeypatch.setattr(auth_models, "generate_password_hash",
                        lambda *a: calls.append("make") or real_make(*a))
    for email, password in [("nobody@maple.example.org", PASSWORD),
                            ("known@maple.example.org", "not the password"),
                            ("gone@maple.example.org", PASSWORD)]:
        calls.clear()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 422
        assert len(calls) == 1, (email, calls)
