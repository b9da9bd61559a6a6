"""Sending mail through an outbox: a message is written in the transaction that decides
it, and the job worker delivers it; SMTP when configured, the log in development,
memory in tests.

Why an outbox table, not a job carrying the message: a job queue can lose a job (Redis
flushed, the worker's SQLite file deleted) and cannot say whether a message went. A row
committed with the work that caused it cannot be lost, and records whether it was sent.

Delivery, one message at a time (``deliver``):
1. *claim* the row: one conditional UPDATE (not sent, not failed, due, not claimed by a
   live attempt) that also counts the attempt, committed at once. Two workers, or the
   after-commit job and the periodic sweep, can never both hold it.
2. hand it to the backend (one SMTP conversation).
3. *mark* it sent, committed at once, in the same step as the send.

A refusing or unreachable server (4xx, connection refused, timeout) leaves the row due
again after a backoff (1, 2, 4 ... minutes, at most 6 hours) until
``MAIL_MAX_ATTEMPTS``; a permanent refusal (5xx: no such mailbox) marks it failed. The
periodic ``retry_mail`` job picks up every due row, so a message whose first job was lost
still goes.

A crash between 2 and 3 (the worker killed in the milliseconds after the server said
250): the row stays claimed until ``MAIL_CLAIM_SECONDS`` pass, then it is sent again.
We chose that (at least once) over marking it sent before sending (at most once),
because a lost password reset is worse than a rare repeated one. The repeat carries the
same ``Message-ID``, so receiving servers and mail programs that deduplicate on it
(as the big mailbox providers do) show it once. The same holds when the connection
drops after the server accepted the message but before we read its answer.

A message to an account carries its ``user_id`` (a key to ``users.id`` with ``ON DELETE
CASCADE``), so erasing the account deletes its messages, sent or waiting, with it: the
outbox keeps no address or text of a person who has gone. A message being sent at that
moment is sent or not, and its row is never brought back.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import current_app, has_request_context, request
from huey import crontab
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, utcnow
from dialogue.extensions import db
from dialogue.jobs import periodic, task
from dialogue.templating import without_bidi_controls
from dialogue.transactions import on_commit

log = logging.getLogger(__name__)

# A line break in a header would end it early (or inject another); other control
# characters make some servers refuse the message.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
RETRY_CAP = timedelta(hours=6)


class OutboxMessage(Base):
    """One message to one recipient, from the moment it is decided until it is sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The account it was written to (None: an address with no account). Erasing the
    # account deletes the row, whatever address the account has by then.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")


class TemporaryFailure(Exception):
    """The server could not take the message now; try again later."""


class PermanentFailure(Exception):
    """The server will never take this message (5xx)."""


def outbox() -> list[EmailMessage]:
    """Messages 'sent' with the memory backend (tests read this)."""
    return current_app.extensions.setdefault("dialogue_outbox", [])


def single_line(text: str) -> str:
    """``text`` fit for a header: control characters and line breaks become spaces, and
    the bidirectional controls go (a subject is drawn by mail programs that may not
    honour the isolates, and a U+202E would turn the rest of it round)."""
    return _CONTROL.sub(" ", without_bidi_controls(text)).strip()


def public_url(path: str) -> str:
    """``path`` (``/posts/31``) as an absolute URL on the configured public address.

    Already absolute URLs are returned unchanged. Without ``PUBLIC_URL`` (development
    only; production refuses to start) a request's own address is the fallback."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    config = current_app.config
    if config.get("SERVER_NAME"):
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{path}"
    if has_request_context():
        return request.host_url.rstrip("/") + path
    raise RuntimeError("PUBLIC_URL is not set: mail sent outside a request cannot carry "
                       "absolute links (see docs/configuration.md).")


def queue_mail(to: str, subject: str, text: str, html: str | None = None,
               headers: dict[str, str] | None = None, *,
               user_id: int | None = None) -> OutboxMessage:
    """Write a message to the outbox; the job worker sends it once this transaction
    commits (nothing is sent for work that is rolled back). The caller commits.

    ``user_id``: the account it is for, so that erasing the account deletes it; when the
    caller does not say, the account that has the address (if any)."""
    config = current_app.config
    if user_id is None:
        user_id = _account_with_address(to)
    domain = (config.get("SERVER_NAME") or "dialogue.invalid").split(":")[0]
    message = OutboxMessage(
        message_id=make_msgid(domain=domain), user_id=user_id, recipient=single_line(to),
        subject=single_line(subject)[:300], text_body=text, html_body=html,
        headers={name: single_line(value) for name, value in (headers or {}).items()},
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()  # the id the job needs, without touching the row after commit
    message_id = message.id
    on_commit(lambda: _queue_delivery(message_id))
    return message


def _account_with_address(address: str) -> int | None:
    # Through the schema, not the accounts' model: mail sits below the accounts.
    users = db.metadata.tables["users"]
    return db.session.scalar(
        select(func.min(users.c.id)).where(func.lower(users.c.email) == address.lower()))


def send_mail(to: str, subject: str, body: str, *,
              user_id: int | None = None) -> OutboxMessage:
    """A plain-text message through the outbox (see ``queue_mail``)."""
    return queue_mail(to, subject, body, user_id=user_id)


def _queue_delivery(outbox_id: int) -> None:
    # If queueing fails (the queue's storage is down), the periodic sweep still sends it.
    deliver_mail(outbox_id)


def build_message(row: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row: the same bytes, Message-ID included, on
    every attempt."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    for name, value in row.headers.items():
        message[name] = value
    message.set_content(row.text_body)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
    return message


def _transmit(message: EmailMessage) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
        return
    if backend != "smtp":
        body = message.get_body(("plain",))
        log.info("Mail to %s: %s\n%s", message["To"], message["Subject"],
                 body.get_content() if body is not None else "")
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(f"{code} {text.decode(errors='replace')}"
                           for code, text in error.recipients.values())
        if all(code >= 500 for code in codes):
            raise PermanentFailure(detail) from error
        raise TemporaryFailure(detail) from error
    except smtplib.SMTPResponseException as error:
        detail = f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        if error.smtp_code >= 500 and error.smtp_code != 535:
            # 535 (our credentials refused) is ours to fix: retried like a 4xx, so the
            # messages go once the setting is right.
            raise PermanentFailure(detail) from error
        raise TemporaryFailure(detail) from error
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), RETRY_CAP)


def deliver(outbox_id: int, now: datetime | None = None) -> bool:
    """Send one outbox message if it is due and nobody else is sending it; True if sent.

    Runs in the job worker (see the module's docstring for claim, send, mark)."""
    now = now or utcnow()
    config = current_app.config
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(attempts=OutboxMessage.attempts + 1,
                claimed_until=now + timedelta(seconds=config["MAIL_CLAIM_SECONDS"]))
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:  # the account was erased between the claim and now
        db.session.commit()
        return False
    message = build_message(row)
    attempts, message_id, recipient = row.attempts, row.message_id, row.recipient
    db.session.commit()  # nothing held open while the server talks
    try:
        _transmit(message)
    except (TemporaryFailure, PermanentFailure) as error:
        values: dict[str, Any] = {"last_error": str(error)[:500], "claimed_until": None}
        if isinstance(error, PermanentFailure) or attempts >= config["MAIL_MAX_ATTEMPTS"]:
            values["failed_at"] = now
            log.warning("mail %s to %s failed for good after %s attempt(s): %s",
                        message_id, recipient, attempts, error)
        else:
            values["next_attempt_at"] = now + backoff(attempts)
            log.info("mail %s: attempt %s failed (%s); next at %s", message_id,
                     attempts, error, values["next_attempt_at"].isoformat())
        _settle(outbox_id, values)
        return False
    _settle(outbox_id, {"sent_at": utcnow(), "claimed_until": None, "last_error": ""})
    return True


def _settle(outbox_id: int, values: dict[str, Any]) -> None:
    # A statement, not the ORM object: if the account (and so the row) was erased while
    # the server talked, this updates nothing instead of failing on a missing row.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                       .values(values))
    db.session.commit()


def deliver_due(now: datetime | None = None, limit: int = 200) -> int:
    """Send every message that is due (first attempts whose job was lost, and retries);
    return how many were sent."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()
    return sum(deliver(outbox_id, now) for outbox_id in ids)


def purge_outbox(now: datetime | None = None) -> int:
    """Forget sent and failed messages older than ``MAIL_OUTBOX_RETENTION``: they hold
    addresses and text nobody needs once delivery is settled."""
    cutoff = (now or utcnow()) - current_app.config["MAIL_OUTBOX_RETENTION"]
    result = db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.sent_at < cutoff, OutboxMessage.failed_at < cutoff)))
    return result.rowcount or 0


# The job: deliver_mail(outbox_id) queues one delivery for the worker.
deliver_mail = task(deliver)


@periodic(crontab())
def retry_mail() -> None:
    """Every minute: send what is due (retries, and first attempts whose job was lost)."""
    deliver_due()


@periodic(crontab(minute="41", hour="3"))
def purge_sent_mail() -> None:
    """Every night: drop settled messages past their retention."""
    purge_outbox()
    db.session.commit()
