"""Telling people what happened: an in-app notification, and email as each person chose
(at once, in a daily or weekly digest, or never).

Mail goes through the outbox (``dialogue.mail.queue_mail``): written in the same
transaction as the notification, sent by the job worker, never in the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from dialogue.auth.models import User
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.mail import OutboxMessage, public_url, queue_mail, single_line
from dialogue.notifications.models import (
    DEFAULT_FREQUENCY,
    EmailFrequency,
    EmailPreference,
    EmailStatus,
    Notification,
)
from dialogue.transactions import write_transaction

# Only real mail backends send notification mail: tests keep the in-app notification
# alone unless a test asks for mail by choosing a backend.
EMAIL_BACKENDS = {"smtp", "log"}
DIGESTS = (EmailFrequency.DAILY, EmailFrequency.WEEKLY)
_UNSUBSCRIBE_SALT = "dialogue-unsubscribe"


# Set while the demo data loads: the demo's own activity makes notifications (so the
# demo accounts have some to read) but no mail, or the first `make run` would queue a
# message for each of them.
_mail_held: ContextVar[bool] = ContextVar("notification_mail_held", default=False)


@contextmanager
def without_email() -> Iterator[None]:
    """Notifications made inside are in-app only: their email is marked skipped."""
    token = _mail_held.set(True)
    try:
        yield
    finally:
        _mail_held.reset(token)


def notify(user, text: str, url: str = "", *, email: bool = True) -> Notification:
    """Add a notification for ``user``; with ``email`` (and mail set up) mail it as they
    chose: now (once committed), in their next digest, or not at all."""
    notification = Notification(user_id=user.id, text=text[:500], url=url[:500])
    db.session.add(notification)
    if email and current_app.config["MAIL_BACKEND"] in EMAIL_BACKENDS:
        frequency = frequency_for(user)
        if (_mail_held.get() or not user.email or not user.active
                or frequency == EmailFrequency.NEVER):
            notification.email_status = EmailStatus.SKIPPED
        elif frequency in DIGESTS:
            notification.email_status = EmailStatus.DIGEST
        else:
            _mail_one(user, notification)
            notification.email_status = EmailStatus.SENT
    return notification


# --- Choosing how often -------------------------------------------------------------

def frequency_for(user) -> EmailFrequency:
    """How often ``user`` wants email (the default if they never chose)."""
    chosen = db.session.scalar(
        select(EmailPreference.frequency).where(EmailPreference.user_id == user.id))
    return EmailFrequency(chosen) if chosen else DEFAULT_FREQUENCY


def set_frequency(user_id: int, frequency: EmailFrequency) -> None:
    """Record the choice; choosing never drops what was waiting for a digest."""
    preference = db.session.get(EmailPreference, user_id)
    if preference is None:
        preference = EmailPreference(user_id=user_id)
        db.session.add(preference)
    preference.frequency = frequency.value
    if frequency == EmailFrequency.NEVER:
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user_id,
                   Notification.email_status == EmailStatus.DIGEST)
            .values(email_status=EmailStatus.SKIPPED))
    db.session.flush()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user) -> str:
    """A signed token naming ``user``: the unsubscribe link works signed out, for as
    long as the mail is kept (no expiry: an old message's link must still work)."""
    return _serializer().dumps({"u": user.id})


def user_id_for_token(token: str) -> int | None:
    """The user id a token names, or None if it is not one of ours."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) and 0 < user_id < 2**63 else None


def unsubscribe_url(user) -> str:
    """The one-click unsubscribe link, absolute on the public address."""
    return url_for("notifications.unsubscribe", token=unsubscribe_token(user), _external=True)


def _list_headers(user) -> dict[str, str]:
    # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs
    # "List-Unsubscribe=One-Click" to the link, with no cookie and no form of ours.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies, please
    }


def _mail_context(user) -> dict:
    return {
        "user": user,
        "unsubscribe_url": unsubscribe_url(user),
        "settings_url": url_for("notifications.email_settings", _external=True),
        "all_url": url_for("notifications.index", _external=True),
    }


def _subject(text: str, limit: int = 120) -> str:
    # Cut at a word, and say so: a subject cut mid-word reads as a mistake.
    text = single_line(text)
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,:;") + "…"


def _mail_one(user, notification: Notification) -> OutboxMessage:
    context = _mail_context(user) | {"text": notification.text,
                                     "link": public_url(notification.url or "/notifications")}
    return queue_mail(
        user.email, f"Dialogue: {_subject(notification.text)}",
        render_template("notifications/email/notification.txt", **context),
        render_template("notifications/email/notification.html", **context),
        _list_headers(user), user_id=user.id)


# --- Digests --------------------------------------------------------------------------

def digest_cutoff(frequency: EmailFrequency, now: datetime) -> datetime:
    """The end of the period whose notifications the latest digest holds: today's (or
    yesterday's) ``DIGEST_HOUR`` for daily, the latest Monday's for weekly, now for
    someone who switched to immediately with notifications still waiting."""
    if frequency not in DIGESTS:
        return now
    hour = current_app.config["DIGEST_HOUR"]
    cutoff = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if cutoff > now:
        cutoff -= timedelta(days=1)
    if frequency == EmailFrequency.WEEKLY:
        cutoff -= timedelta(days=cutoff.weekday())
    return cutoff


def send_digest(user, now: datetime | None = None) -> OutboxMessage | None:
    """Write ``user``'s digest to the outbox if one is due: the notifications waiting
    from before the period's end, marked sent in the same transaction. None if nothing
    is due. The caller commits (a run that finds another run marked some of them first
    rolls back and sends nothing)."""
    now = now or utcnow()
    frequency = frequency_for(user)
    pending = (Notification.user_id == user.id,
               Notification.email_status == EmailStatus.DIGEST)
    if frequency == EmailFrequency.NEVER or not user.email or not user.active:
        db.session.execute(update(Notification).where(*pending)
                           .values(email_status=EmailStatus.SKIPPED))
        return None
    cutoff = digest_cutoff(frequency, now)
    items = db.session.scalars(
        select(Notification).where(*pending, Notification.created_at <= cutoff)
        .order_by(Notification.created_at, Notification.id)).all()
    if not items:
        return None
    # Conditional on still waiting: a second run of the job at the same moment marks
    # nothing and sends nothing.
    marked = db.session.execute(
        update(Notification)
        .where(Notification.id.in_([item.id for item in items]),
               Notification.email_status == EmailStatus.DIGEST)
        .values(email_status=EmailStatus.SENT)).rowcount
    if marked != len(items):
        db.session.rollback()
        return None
    period = {EmailFrequency.DAILY: "daily", EmailFrequency.WEEKLY: "weekly"}.get(frequency)
    context = _mail_context(user) | {
        "period": period,
        "items": [{"text": item.text, "link": public_url(item.url or "/notifications"),
                   "at": item.created_at} for item in items],
    }
    count = len(items)
    title = f"your {period} digest" if period else "your notifications"
    return queue_mail(
        user.email, f"Dialogue: {title} ({count} update{'s' if count != 1 else ''})",
        render_template("notifications/email/digest.txt", **context),
        render_template("notifications/email/digest.html", **context),
        _list_headers(user), user_id=user.id)


def send_due_digests(now: datetime | None = None) -> int:
    """Send every digest that is due; one transaction per person. Returns how many."""
    now = now or utcnow()
    user_ids = db.session.scalars(
        select(Notification.user_id).distinct()
        .where(Notification.email_status == EmailStatus.DIGEST)).all()
    db.session.commit()
    sent = 0
    for user_id in user_ids:
        with write_transaction():
            user = db.session.get(User, user_id)
            if user is not None and send_digest(user, now) is not None:
                sent += 1
            db.session.commit()
    return sent


# --- The in-app list ------------------------------------------------------------------

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
