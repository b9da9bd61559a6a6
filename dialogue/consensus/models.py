"""Consensus maps: a conversation, its short statements, one vote per person per statement,
and the map computed from them.

``Conversation.version`` goes up with every vote and every statement change; the
computed map (``ConversationMap``) records the version it was drawn from, so a page
knows whether what it shows is current and the worker knows whether to draw again.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue import refusals
from dialogue.db import Base, ProfileSnapshot, TimestampMixin, enum_column, utcnow
from dialogue.discussion.models import FlagReason
from dialogue.localities import Locality

if TYPE_CHECKING:
    from dialogue.auth.models import User


class ConversationState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class StatementStatus(enum.StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # waiting for the owner's or a moderator's approval
    HIDDEN = "hidden"  # by the owner or a moderator, with a reason; the text is kept


class VoteValue(enum.IntEnum):
    AGREE = 1
    PASS = 0
    DISAGREE = -1


VOTE_LABELS = {VoteValue.AGREE: "Agree", VoteValue.DISAGREE: "Disagree",
               VoteValue.PASS: "Pass / unsure"}


class InvalidTransition(refusals.InvalidTransition):
    """A conversation or statement action that its current state does not allow."""


class Conversation(TimestampMixin, Base):
    """A consensus map: a question, statements about it and people's votes on them."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    prompt: Mapped[str] = mapped_column(Text, default="")  # the question, verbatim
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The locality space it runs in; None: the national space.
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), index=True
    )
    # Set when it runs as a workshop activity (``room``): the room's phones vote on it.
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    # A workshop's map: shown on the audience screen (the facilitator's choice).
    on_screen: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ConversationState] = mapped_column(
        enum_column(ConversationState, "state"), default=ConversationState.OPEN
    )
    requires_approval: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    closed_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(lazy="raise")
    locality: Mapped[Locality | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Conversation {self.id} {self.title!r}>"

    @property
    def is_open(self) -> bool:
        return self.state == ConversationState.OPEN

    def close(self) -> None:
        """Stop taking statements and votes."""
        if not self.is_open:
            raise InvalidTransition("This conversation is already closed.")
        self.state, self.closed_at = ConversationState.CLOSED, utcnow()

    def reopen(self) -> None:
        """Take statements and votes again."""
        if self.is_open:
            raise InvalidTransition("This conversation is already open.")
        self.state, self.closed_at = ConversationState.OPEN, None


class Statement(TimestampMixin, ProfileSnapshot, Base):
    """One short statement, stored exactly as written, with its author's profile snapshot."""

    __tablename__ = "consensus_statements"
    __table_args__ = (
        Index("ix_consensus_statements_conversation_status", "conversation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(String(500))
    # None for seeds written by the research team.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A workshop participant (no account) who wrote it in the room; author_id is then None.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="SET NULL"), index=True
    )
    is_seed: Mapped[bool] = mapped_column(default=False)
    # The finding this statement is about (its stable key), if any.
    finding_key: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "status"), default=StatementStatus.VISIBLE
    )
    hidden_reason: Mapped[str] = mapped_column(String(1000), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.status}>"

    @property
    def is_visible(self) -> bool:
        return self.status == StatementStatus.VISIBLE

    @property
    def is_held(self) -> bool:
        return self.status == StatementStatus.HELD

    @property
    def is_hidden(self) -> bool:
        return self.status == StatementStatus.HIDDEN

    def approve(self) -> None:
        """Show a held (or hidden) statement to everyone."""
        if self.is_visible:
            raise InvalidTransition("This statement is already visible.")
        self.status = StatementStatus.VISIBLE
        self.hidden_reason, self.hidden_by_id, self.hidden_at = "", None, None

    def hide(self, by: User, reason: str) -> None:
        """Take a statement out of the voting and the map, keeping its text."""
        if self.is_hidden:
            raise InvalidTransition("This statement is already hidden.")
        self.status = StatementStatus.HIDDEN
        self.hidden_reason, self.hidden_by_id, self.hidden_at = reason, by.id, utcnow()


class Vote(ProfileSnapshot, Base):
    """One person's vote on one statement: changeable, never duplicated (the constraints).

    The voter is an account (``user_id``) or, in a workshop's map, the room's participant
    (``participant_id``: phones vote without signing in); exactly one of the two."""

    __tablename__ = "consensus_votes"
    __table_args__ = (
        UniqueConstraint("statement_id", "user_id"),
        UniqueConstraint("statement_id", "participant_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
        CheckConstraint("(user_id IS NULL) <> (participant_id IS NULL)", name="one_voter"),
        Index("ix_consensus_votes_conversation_user", "conversation_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_statements.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)
    # With ProfileSnapshot: the voter's locality when voting, for the breakdowns.
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatementFlag(Base):
    """Someone signed in saying a statement needs a moderator's look: the same reasons,
    form and threshold as a flag on a post (``dialogue.discussion``), kept beside the
    statement because a post's flag belongs to the posts table."""

    __tablename__ = "consensus_flags"
    __table_args__ = (UniqueConstraint("statement_id", "flagger_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_statements.id", ondelete="CASCADE"), index=True
    )
    flagger_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[FlagReason] = mapped_column(enum_column(FlagReason, "reason"))
    detail: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class ConversationMap(Base):
    """The map last computed for a conversation, and whether a new one has been asked for."""

    __tablename__ = "consensus_maps"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(default=0)  # the conversation's version drawn; 0: none
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    computed_at: Mapped[datetime | None]
    # When a computation was queued and not yet done: later votes need not queue another.
    requested_at: Mapped[datetime | None]
    # The map research sees without filters (consenting voters, statements in research
    # scope), drawn by the same job: {"key": its votes' fingerprint, "result": the map}.
    # ``research.map_summaries`` uses it only for exactly those votes (consensus.research).
    research: Mapped[dict[str, Any] | None] = mapped_column(JSON)
