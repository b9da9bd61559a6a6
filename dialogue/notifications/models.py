"""In-app notifications (a line of text and a link, read or unread) and how often each
person wants them by email."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, utcnow


class EmailFrequency(enum.StrEnum):
    """How often a person is emailed about their notifications."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


# Someone who has not chosen hears about each notification as it happens: what they are
# told about (a reply, a response to what they said, a results card) is rare and
# addressed to them, and every message says how to choose a digest or stop.
DEFAULT_FREQUENCY = EmailFrequency.IMMEDIATELY

FREQUENCY_LABELS = {
    EmailFrequency.IMMEDIATELY: "As it happens: one email for each notification",
    EmailFrequency.DAILY: "A daily digest",
    EmailFrequency.WEEKLY: "A weekly digest, on Mondays",
    EmailFrequency.NEVER: "Never: I will look on Dialogue",
}


class EmailStatus(enum.StrEnum):
    """What became of a notification's email (None: mail was not set up)."""

    SENT = "sent"  # written to the outbox, on its own or in a digest
    DIGEST = "digest"  # waiting for the person's next digest
    SKIPPED = "skipped"  # the person chose never, has no address, or it is demo data


class Notification(Base):
    """Something that happened that this user asked, or needs, to hear about."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_email_status", "email_status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    email_status: Mapped[str | None] = mapped_column(String(10))

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(Base):
    """A person's choice of how often to be emailed (no row: ``DEFAULT_FREQUENCY``)."""

    __tablename__ = "notification_email_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(12), default=DEFAULT_FREQUENCY.value)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
