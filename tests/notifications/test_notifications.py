"""Notifications: the page, unread badge, marking as read, and email when configured."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from dialogue.extensions import db
from dialogue.mail import outbox
from dialogue.notifications.models import Notification
from dialogue.notifications.services import notify, unread_count


def test_page_lists_notifications_and_marks_them_read(client, login, factory):
    user, other = factory.user(), factory.user()
    notify(user, "A moderator approved your post", "/posts/1")
    notify(user, "New reply in “Clusters”", "/posts/2")
    notify(other, "Not yours", "/posts/3")
    db.session.commit()
    login(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "A moderator approved your post" in page and "Not yours" not in page
    assert 'class="dialogue-badge">2' in page
    first = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    client.post("/notifications/read", data={"id": str(first.id)})
    assert unread_count(user) == 1
    response = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"Marked 1 as read." in response.data
    assert unread_count(user) == 0 and unread_count(other) == 1


def test_cannot_mark_someone_elses_notification(client, login, factory):
    owner, intruder = factory.user(), factory.user()
    note = notify(owner, "Private", "/")
    db.session.commit()
    login(intruder)
    client.post("/notifications/read", data={"id": str(note.id)})
    db.session.refresh(note)
    assert note.read_at is None


def test_anonymous_is_sent_to_sign_in(client):
    assert "/login" in client.get("/notifications").headers["Location"]


def test_no_email_with_the_memory_backend(app, factory):
    notify(factory.user(), "Hello", "/")
    assert outbox() == []


@pytest.fixture
def log_mail(app_config):
    app_config["MAIL_BACKEND"] = "log"
    return app_config


def test_email_is_sent_when_mail_is_configured(log_mail, app, factory, caplog):
    user = factory.user(email="reader@dialogue.example.org")
    with caplog.at_level(logging.INFO, logger="dialogue.mail"):
        notify(user, "New reply in “Clusters”", "/posts/5")
        assert "reader@dialogue.example.org" not in caplog.text  # not before the commit
        db.session.commit()
    assert "reader@dialogue.example.org" in caplog.text
    assert "http://localhost/posts/5" in caplog.text


def test_no_email_for_work_that_is_rolled_back(log_mail, app, factory, caplog):
    user = factory.user(email="reader@dialogue.example.org")
    with caplog.at_level(logging.INFO, logger="dialogue.mail"):
        notify(user, "New reply in “Clusters”", "/posts/5")
        db.session.rollback()
        db.session.commit()
    assert "reader@dialogue.example.org" not in caplog.text
