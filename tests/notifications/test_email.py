"""Notification mail, digests, unsubscribing and the outbox, against a real SMTP server
on loopback (aiosmtpd, see conftest.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from dialogue.extensions import db
from dialogue.jobs import get_huey
from dialogue.mail import OutboxMessage, deliver_due, purge_outbox, queue_mail
from dialogue.notifications.models import EmailFrequency, EmailStatus, Notification
from dialogue.notifications.services import (
    digest_cutoff,
    frequency_for,
    notify,
    send_due_digests,
    set_frequency,
)
from tests.notifications.conftest import PUBLIC_URL, smtp_settings

LINK = re.compile(r"https?://[^\s<>\"']+")
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_settings(smtp_server.port))
    return app_config


def _parts(message):
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def _outbox_rows():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _notify_at(user, text, url, at):
    note = notify(user, text, url)
    note.created_at = at
    return note


# --- One message per notification ------------------------------------------------------

def test_a_notification_is_mailed_as_text_and_html_with_absolute_links(app, factory,
                                                                       smtp_server):
    user = factory.user(email="reader@school.example.org", name="Zoe")
    notify(user, "New reply in “Clusters”", "/posts/5")
    assert smtp_server.received == []  # nothing before the commit
    db.session.commit()
    [message] = smtp_server.received
    assert message["To"] == "reader@school.example.org"
    assert message["From"] == "Dialogue <no-reply@dialogue.example.org>"
    assert message["Subject"] == "Dialogue: New reply in “Clusters”"
    assert re.fullmatch(r"<[^@>]+@dialogue\.example\.org>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = _parts(message)
    assert f"{PUBLIC_URL}/posts/5" in text
    assert f'href="{PUBLIC_URL}/posts/5"' in html
    links = LINK.findall(text) + HREF.findall(html)
    assert len(links) >= 6
    assert all(link.startswith(PUBLIC_URL + "/") for link in links), links
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC_URL}/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    note = db.session.scalar(select(Notification))
    assert note.email_status == EmailStatus.SENT
    assert _outbox_rows()[0].sent_at is not None


def test_the_html_part_escapes_what_people_wrote_and_headers_stay_one_line(app, factory,
                                                                            smtp_server):
    user = factory.user(name="<b>Zoe</b>")
    notify(user, "New reply in “<script>alert(1)</script>\r\nBcc: x@evil.example”",
           "/posts/6")
    db.session.commit()
    [message] = smtp_server.received
    text, html = _parts(message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Zoe&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" in text  # plain text is shown as text, verbatim
    assert "\n" not in message["Subject"] and message["Bcc"] is None


def test_no_mail_for_work_that_is_rolled_back(app, factory, smtp_server):
    notify(factory.user(), "Not to be sent", "/posts/7")
    db.session.rollback()
    db.session.commit()
    assert smtp_server.received == [] and _outbox_rows() == []


def test_the_request_only_writes_the_outbox_and_the_worker_sends(app, factory, smtp_server):
    app.config["JOB_QUEUE_IMMEDIATE"] = False  # as in production: a separate worker
    factory.user(email="reset@school.example.org")
    response = app.test_client().post("/password/forgot",
                                      data={"email": "reset@school.example.org"})
    assert response.status_code == 200
    assert smtp_server.received == []  # the request sent nothing
    # It did not even look the address up (issue 16, point 6): it queued the job that
    # does, which writes the outbox row.
    assert _outbox_rows() == []
    queue = get_huey(app)
    queue.execute(queue.dequeue())
    db.session.rollback()  # end the read above: the job wrote on its own connection
    [row] = _outbox_rows()
    assert row.sent_at is None and row.recipient == "reset@school.example.org"
    assert deliver_due() == 1  # what the worker's job (or its minute sweep) does
    [message] = smtp_server.received
    assert message["Message-ID"] == row.message_id
    [link] = LINK.findall(message.get_content())
    assert link.startswith(f"{PUBLIC_URL}/password/reset/")
    assert message["List-Unsubscribe"] is None  # about the account: not a mailing


def test_password_reset_link_appears_in_the_log_in_development(app, factory, caplog):
    app.config["MAIL_BACKEND"] = "log"  # what `make run` uses
    factory.user(email="reset@school.example.org")
    with caplog.at_level("INFO", logger="dialogue.mail"):
        app.test_client().post("/password/forgot", data={"email": "reset@school.example.org"})
    assert re.search(rf"{PUBLIC_URL}/password/reset/\S+", caplog.text)


# --- Choosing, and unsubscribing ----------------------------------------------------

def test_the_profile_shows_the_choice_and_saves_it(app, client, login, factory):
    user = factory.user()
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'action="/account/email"' in page
    assert re.search(r'value="immediately"\s+checked', page)  # the default
    response = client.post("/account/email", data={"frequency": "weekly"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#email")
    assert frequency_for(user) == EmailFrequency.WEEKLY
    assert re.search(r'value="weekly"\s+checked', client.get("/account").get_data(as_text=True))
    refused = client.post("/account/email", data={"frequency": "hourly"})
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    assert frequency_for(user) == EmailFrequency.WEEKLY


def _unsubscribe_url(message) -> str:
    return message["List-Unsubscribe"][1:-1]


def test_one_click_unsubscribe_works_signed_out_without_a_csrf_token(app, factory,
                                                                     smtp_server):
    app.config["WTF_CSRF_ENABLED"] = True
    user = factory.user()
    notify(user, "First", "/posts/1")
    db.session.commit()
    url = _unsubscribe_url(smtp_server.received[0])
    # What a mail program sends (RFC 8058): a POST with this body, no cookie.
    response = app.test_client().post(urlsplit(url).path, data="List-Unsubscribe=One-Click",
                                      content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Emails stopped" in response.get_data(as_text=True)
    assert frequency_for(user) == EmailFrequency.NEVER
    note = notify(user, "Second", "/posts/2")
    db.session.commit()
    assert len(smtp_server.received) == 1 and note.email_status == EmailStatus.SKIPPED


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(app, factory, smtp_server):
    user = factory.user()
    notify(user, "First", "/posts/1")
    db.session.commit()
    path = urlsplit(_unsubscribe_url(smtp_server.received[0])).path
    page = app.test_client().get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Stop emails" in body and f'action="{path}"' in body
    # A GET (a link scanner, a preview) changes nothing.
    assert frequency_for(user) == EmailFrequency.IMMEDIATELY
    assert app.test_client().post(path).status_code == 200
    assert frequency_for(user) == EmailFrequency.NEVER
    assert "no notification emails" in app.test_client().get(path).get_data(as_text=True)


@pytest.mark.parametrize("token", ["not-a-token", "eyJ1IjoxfQ.forged-signature"])
def test_a_forged_unsubscribe_link_is_refused(app, factory, token):
    user = factory.user()
    assert app.test_client().post(f"/unsubscribe/{token}").status_code == 404
    assert app.test_client().get(f"/unsubscribe/{token}").status_code == 404
    assert frequency_for(user) == EmailFrequency.IMMEDIATELY


# --- Digests ----------------------------------------------------------------------------

# A Wednesday; DIGEST_HOUR is 7 (UTC).
WED = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_digest_periods(app):
    assert digest_cutoff(EmailFrequency.DAILY, WED) == WED.replace(hour=7)
    early = WED.replace(hour=6)
    assert digest_cutoff(EmailFrequency.DAILY, early) == datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert digest_cutoff(EmailFrequency.WEEKLY, WED) == datetime(2026, 11, 30, 7, tzinfo=UTC)
    monday_early = datetime(2026, 11, 30, 6, tzinfo=UTC)
    assert digest_cutoff(EmailFrequency.WEEKLY, monday_early) == datetime(2026, 11, 23, 7,
                                                                          tzinfo=UTC)


def test_a_daily_digest_holds_the_day_before_its_hour_once(app, factory, smtp_server):
    user = factory.user(email="daily@school.example.org")
    other = factory.user(email="other@school.example.org")
    set_frequency(user.id, EmailFrequency.DAILY)
    set_frequency(other.id, EmailFrequency.DAILY)
    _notify_at(user, "Reply one", "/posts/1", WED - timedelta(hours=20))  # Tue 16:00
    _notify_at(user, "Reply two", "/posts/2", WED - timedelta(hours=6))  # Wed 06:00
    _notify_at(user, "Reply three", "/posts/3", WED - timedelta(hours=1))  # Wed 11:00
    _notify_at(other, "For the other person", "/posts/4", WED - timedelta(hours=8))
    db.session.commit()
    assert smtp_server.received == []  # digests wait for the job
    assert send_due_digests(now=WED) == 2
    mine = [m for m in smtp_server.received if m["To"] == "daily@school.example.org"]
    [message] = mine
    assert message["Subject"] == "Dialogue: your daily digest (2 updates)"
    text, html = _parts(message)
    assert "Reply one" in text and "Reply two" in text and "Reply three" not in text
    assert f'href="{PUBLIC_URL}/posts/1"' in html and f"{PUBLIC_URL}/posts/2" in text
    assert "For the other person" not in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert send_due_digests(now=WED + timedelta(hours=1)) == 0  # once
    assert send_due_digests(now=WED + timedelta(days=1)) == 1  # the next day: the third
    assert "Reply three" in smtp_server.received[-1].get_body(("plain",)).get_content()
    assert len(smtp_server.received) == 3


def test_a_weekly_digest_waits_for_monday(app, factory, smtp_server):
    user = factory.user()
    set_frequency(user.id, EmailFrequency.WEEKLY)
    for day in range(3):  # Wed, Thu, Fri
        _notify_at(user, f"Update {day}", f"/posts/{day + 1}", WED + timedelta(days=day))
    db.session.commit()
    sunday = datetime(2026, 12, 6, 20, tzinfo=UTC)
    assert send_due_digests(now=sunday) == 0
    assert send_due_digests(now=datetime(2026, 12, 7, 7, 5, tzinfo=UTC)) == 1
    [message] = smtp_server.received
    assert message["Subject"] == "Dialogue: your weekly digest (3 updates)"
    text = message.get_body(("plain",)).get_content()
    assert all(f"Update {day}" in text for day in range(3))


def test_never_means_no_mail_and_no_digest(app, factory, smtp_server):
    user = factory.user()
    set_frequency(user.id, EmailFrequency.NEVER)
    note = notify(user, "Quiet", "/posts/1")
    db.session.commit()
    assert send_due_digests(now=WED + timedelta(days=8)) == 0
    assert smtp_server.received == [] and _outbox_rows() == []
    assert note.email_status == EmailStatus.SKIPPED
    assert db.session.get(Notification, note.id).read_at is None  # still shown in the app


def test_choosing_never_drops_what_waited_for_a_digest(app, factory, smtp_server):
    user = factory.user()
    set_frequency(user.id, EmailFrequency.DAILY)
    _notify_at(user, "Waiting", "/posts/1", WED - timedelta(days=1))
    db.session.commit()
    set_frequency(user.id, EmailFrequency.NEVER)
    db.session.commit()
    assert send_due_digests(now=WED) == 0 and smtp_server.received == []


# --- The outbox: retried, never lost, never twice ---------------------------------------

def test_a_refusing_server_is_retried_with_backoff_and_delivers_once(app, factory,
                                                                    smtp_server):
    smtp_server.refuse = 2  # "451 Try again later", twice
    user = factory.user()
    notify(user, "Results published", "/posts/9")
    db.session.commit()  # the first attempt, refused
    [row] = _outbox_rows()
    assert row.sent_at is None and row.attempts == 1 and "451" in row.last_error
    first_retry = row.next_attempt_at
    assert timedelta(seconds=50) < first_retry - row.created_at < timedelta(seconds=70)
    assert deliver_due(now=first_retry - timedelta(seconds=1)) == 0  # not due yet
    assert smtp_server.conversations == 1
    assert deliver_due(now=first_retry) == 0  # due: refused again, waits twice as long
    [row] = _outbox_rows()
    assert row.attempts == 2
    assert row.next_attempt_at - first_retry == timedelta(minutes=2)
    assert deliver_due(now=row.next_attempt_at) == 1  # the server recovered
    assert deliver_due(now=row.next_attempt_at + timedelta(hours=1)) == 0
    assert len(smtp_server.received) == 1 and smtp_server.conversations == 3
    assert smtp_server.received[0]["Message-ID"] == row.message_id
    assert _outbox_rows()[0].sent_at is not None


def test_an_unreachable_server_loses_nothing(app, factory, smtp_server):
    app.config["MAIL_PORT"] = 9  # nothing listens there (discard, closed on loopback)
    notify(factory.user(), "While the server was down", "/posts/1")
    db.session.commit()
    [row] = _outbox_rows()
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    app.config["MAIL_PORT"] = smtp_server.port
    assert deliver_due(now=row.next_attempt_at) == 1
    assert len(smtp_server.received) == 1


def test_a_permanent_refusal_is_not_retried(app, factory, smtp_server):
    smtp_server.refuse_recipient = "gone@school.example.org"
    notify(factory.user(email="gone@school.example.org"), "Hello", "/posts/1")
    db.session.commit()
    [row] = _outbox_rows()
    assert row.failed_at is not None and "550" in row.last_error
    assert deliver_due(now=row.created_at + timedelta(days=3)) == 0
    assert smtp_server.conversations == 0


def test_a_message_being_sent_is_not_sent_again_and_gives_up_after_its_attempts(app,
                                                                                smtp_server):
    queue_mail("someone@school.example.org", "Claimed", "Body")
    db.session.commit()
    row = _outbox_rows()[0]  # delivered at once (jobs run inline here)
    assert row.sent_at is not None
    # A message claimed by an attempt still running (another worker) is left alone.
    row = queue_mail("someone@school.example.org", "Second", "Body")
    row.claimed_until = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()  # its after-commit delivery finds it claimed
    assert deliver_due() == 0
    assert len(smtp_server.received) == 1
    # An attempt that died (claim expired) is taken up again, with the same Message-ID.
    assert deliver_due(now=datetime.now(UTC) + timedelta(minutes=6)) == 1
    assert [m["Subject"] for m in smtp_server.received] == ["Claimed", "Second"]
    # A server that never recovers: given up after MAIL_MAX_ATTEMPTS, not retried for ever.
    smtp_server.refuse = 100
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue_mail("someone@school.example.org", "Never", "Body")
    db.session.commit()
    now = datetime.now(UTC)
    for _ in range(5):
        now += timedelta(hours=7)
        deliver_due(now=now)
    row = _outbox_rows()[2]
    assert row.attempts == 3 and row.failed_at is not None and row.sent_at is None
    # Settled messages are forgotten after the retention time.
    assert purge_outbox(now=now + timedelta(days=8)) == 3
    db.session.commit()
    assert _outbox_rows() == []
