"""Erasing an account deletes its mail in the outbox: sent, waiting for a retry, or a
password reset; in both erasure modes. Other people's mail stays and still goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dialogue import mail
from dialogue.auth.models import User
from dialogue.extensions import db
from dialogue.mail import OutboxMessage, deliver, deliver_due, queue_mail
from dialogue.notifications.services import notify
from dialogue.privacy import services as privacy
from tests.notifications.conftest import smtp_settings


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_settings(smtp_server.port))
    return app_config


def _recipients() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.recipient).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("mode", privacy.MODES)
def test_erasing_an_account_deletes_its_mail_sent_and_waiting(app, factory, client,
                                                               smtp_server, mode):
    leaving = factory.user(email="leaving@school.example.org")
    staying = factory.user(email="staying@school.example.org")
    notify(leaving, "A reply to you", "/posts/1")  # sent at once
    notify(staying, "A reply to you too", "/posts/1")
    db.session.commit()
    smtp_server.refuse = 1
    notify(leaving, "Another reply", "/posts/2")  # refused: waits for its retry
    db.session.commit()
    assert client.post("/password/forgot",
                       data={"email": "leaving@school.example.org"}).status_code == 200
    assert _recipients().count("leaving@school.example.org") == 3

    privacy.erase_account(db.session.get(User, leaving.id), mode, by=None)
    db.session.commit()

    assert _recipients() == ["staying@school.example.org"]
    # The retry that was due finds nothing to send.
    sent_before = len(smtp_server.received)
    assert deliver_due(now=mail.utcnow() + timedelta(hours=7)) == 0
    assert len(smtp_server.received) == sent_before


def test_mail_to_an_address_without_an_account_is_kept(app, factory, smtp_server):
    factory.user(email="someone@school.example.org")
    queue_mail("invited@school.example.org", "Hello", "Body")
    db.session.commit()
    assert _recipients() == ["invited@school.example.org"]


def test_an_account_erased_while_its_mail_is_being_sent_is_not_brought_back(
        app, factory, smtp_server, monkeypatch):
    leaving = factory.user(email="leaving@school.example.org")
    row = queue_mail(leaving.email, "Hello", "Body", user_id=leaving.id)
    row.next_attempt_at = mail.utcnow() + timedelta(hours=1)  # not sent after the commit
    db.session.commit()
    outbox_id, user_id = row.id, leaving.id
    send = mail._transmit

    def erased_meanwhile(message):
        # Another request erases the account while the server is talking to us.
        send(message)
        db.session.execute(User.__table__.delete().where(User.id == user_id))
        db.session.commit()

    monkeypatch.setattr(mail, "_transmit", erased_meanwhile)
    assert deliver(outbox_id, now=mail.utcnow() + timedelta(hours=2)) is True
    assert len(smtp_server.received) == 1
    assert _recipients() == []
