"""Telling people what happened: an in-app notification, and email when mail is set up."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, update

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.notifications.models import Notification

# Only real mail backends send: tests keep the in-app notification alone unless a test
# asks for mail by choosing a backend.
EMAIL_BACKENDS = {"smtp", "log"}


def notify(user, text: str, url: str = "") -> Notification:
    """Add a notification for ``user`` (and email it, once committed, when mail is
    configured)."""
    notification = Notification(user_id=user.id, text=text[:500], url=url[:500])
    db.session.add(notification)
    if current_app.config["MAIL_BACKEND"] in EMAIL_BACKENDS and user.email:
        from dialogue.mail import send_mail_after_commit

        link = url
        if url.startswith("/"):
            scheme = current_app.config.get("PREFERRED_URL_SCHEME", "https")
            host = current_app.config.get("SERVER_NAME")
            link = f"{scheme}://{host}{url}" if host else url
        send_mail_after_commit(
            user.email, f"Dialogue: {text[:120]}",
            f"{text}\n\n{link}\n\nYou can see all your notifications on Dialogue.")
    return notification


def unread_count(user) -> int:
    """How many of this user's notifications are unread."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of ``user`` as read."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    result = db.session.execute(statement.values(read_at=utcnow()))
    return result.rowcount or 0


def notifications_for(user, page: int = 1, per_page: int = 30):
    """A page of this user's notifications, newest first."""
    return db.paginate(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )
