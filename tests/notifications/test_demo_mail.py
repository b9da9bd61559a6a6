"""The demo loads without mail: its own replies, responses and results card notify the
demo accounts in the app, but the first `make run` queues no message (it queued one per
notification, about twenty, into the log)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dialogue.demo import load_demo
from dialogue.extensions import db
from dialogue.mail import OutboxMessage
from dialogue.notifications.models import EmailStatus, Notification
from dialogue.notifications.services import notify


@pytest.fixture
def app_config(app_config):
    app_config["MAIL_BACKEND"] = "log"  # as `make run`: notification mail is on
    return app_config


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_demo_notifies_in_the_app_and_mails_nobody(app, factory):
    load_demo()
    db.session.commit()
    assert _count(Notification) > 0  # the demo accounts have something to read
    assert _count(Notification, Notification.email_status != EmailStatus.SKIPPED) == 0
    assert _count(OutboxMessage) == 0
    # Loading it again adds nothing and mails nobody either.
    load_demo()
    db.session.commit()
    assert _count(OutboxMessage) == 0
    # After the demo, notifications are mailed as before.
    notify(factory.user(), "A reply to you", "/posts/1")
    db.session.commit()
    assert _count(OutboxMessage) == 1
