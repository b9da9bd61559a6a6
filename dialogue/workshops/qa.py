"""Audience Q&A: questions participants ask, the others' upvotes, and each workshop's settings.

``QASettings.version`` goes up in the same transaction as every Q&A change (a question
asked, an upvote, a moderation step), so a phone polling the list compares one number
and answers "unchanged" without reading a question. It is kept apart from
``Workshop.version`` so a busy Q&A does not wake the presenter's and phones' live polls.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue import refusals
from dialogue.db import Base, ProfileSnapshot, TimestampMixin, enum_column, utcnow
from dialogue.workshops.models import Participant


class QAStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the facilitator's approval
    VISIBLE = "visible"
    HIDDEN = "hidden"  # by the facilitator, with a reason; the text is kept
    ANSWERED = "answered"


class InvalidTransition(refusals.InvalidTransition):
    """A moderation step the question's current state does not allow (409)."""


class QASettings(Base):
    """A workshop's Q&A settings and the version its pollers compare (made on first use)."""

    __tablename__ = "workshop_qa_settings"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AudienceQuestion(TimestampMixin, ProfileSnapshot, Base):
    """A question from the audience, stored as written, with its asker's profile snapshot."""

    __tablename__ = "workshop_qa_questions"
    __table_args__ = (
        Index("ix_workshop_qa_questions_workshop_status", "workshop_id", "status"),
        # One pinned question per workshop, whatever two facilitator tabs do at once.
        Index("ix_workshop_qa_questions_one_pinned", "workshop_id", unique=True,
              sqlite_where=text("pinned"), postgresql_where=text("pinned")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[QAStatus] = mapped_column(enum_column(QAStatus, "status"),
                                             default=QAStatus.VISIBLE)
    pinned: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(String(1000), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    participant: Mapped[Participant] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<AudienceQuestion {self.id} {self.status}>"

    @property
    def is_shown(self) -> bool:
        """Whether the room sees it (visible, or answered and kept in the list)."""
        return self.status in (QAStatus.VISIBLE, QAStatus.ANSWERED)

    def approve(self) -> None:
        """Show a question that waits for approval (or was hidden) to the room."""
        if self.status in (QAStatus.VISIBLE, QAStatus.ANSWERED):
            raise InvalidTransition("This question is already showing.")
        self.status = QAStatus.VISIBLE
        self.hidden_reason, self.hidden_by_id, self.hidden_at = "", None, None

    def hide(self, by_id: int, reason: str) -> None:
        """Take a question out of the room's list (and off the screen), keeping its text."""
        if self.status == QAStatus.HIDDEN:
            raise InvalidTransition("This question is already hidden.")
        self.status, self.pinned = QAStatus.HIDDEN, False
        self.hidden_reason, self.hidden_by_id, self.hidden_at = reason, by_id, utcnow()

    def mark_answered(self) -> None:
        """The facilitator has answered it: it stays in the list, marked, and leaves the screen."""
        if self.status == QAStatus.ANSWERED:
            raise InvalidTransition("This question is already marked as answered.")
        if self.status != QAStatus.VISIBLE:
            raise InvalidTransition("Only a question the room can see can be marked as "
                                    "answered: approve it first.")
        self.status, self.pinned, self.answered_at = QAStatus.ANSWERED, False, utcnow()

    def pin(self) -> None:
        """Put it on the audience screen (the caller unpins any other first)."""
        if self.pinned:
            raise InvalidTransition("This question is already on the screen.")
        if self.status != QAStatus.VISIBLE:
            raise InvalidTransition("Only a question the room can see, not yet answered, "
                                    "can go on the screen.")
        self.pinned = True

    def unpin(self) -> None:
        """Take it off the audience screen."""
        if not self.pinned:
            raise InvalidTransition("This question is not on the screen.")
        self.pinned = False


class Upvote(Base):
    """One participant's upvote of one question: withdrawable, never stored twice."""

    __tablename__ = "workshop_qa_upvotes"
    __table_args__ = (UniqueConstraint("question_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_qa_questions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
