"""Sending mail: SMTP when configured, the log in development, memory in tests."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from functools import partial

from flask import current_app

log = logging.getLogger(__name__)


def outbox() -> list[EmailMessage]:
    """Messages 'sent' with the memory backend (tests read this)."""
    return current_app.extensions.setdefault("dialogue_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message with the configured backend."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    else:
        log.info("Mail to %s: %s\n%s", to, subject, body)


def send_mail_after_commit(to: str, subject: str, body: str) -> None:
    """Send once the current transaction commits, through the job queue.

    A reply with many followers must not make its author wait on one SMTP conversation
    per follower, and work that is rolled back must not have sent anything."""
    from dialogue.db import on_commit
    from dialogue.jobs import enqueue

    on_commit(partial(enqueue, "dialogue.mail:send_mail", to, subject, body))
