"""Workshops, their questions and options, participants and their responses.

Live state is in the database only (several workers, several machines). ``Workshop.version``
changes in the same transaction as every state change the facilitator makes (answers and
joins move the presenter's version through their own rows instead: ``live.presenter_version``);
``Workshop.state_version`` only when what participants see changes (the current question,
its state, reveal). Pollers compare these numbers and skip all other work when unchanged.
``Workshop.closes_at`` is the current question's timer: pollers read it with the versions,
and the first request after it has passed closes the question (``timers.close_if_time_is_up``).
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue import refusals
from dialogue.db import Base, ProfileSnapshot, TimestampMixin, utcnow

if TYPE_CHECKING:
    from dialogue.auth.models import User
    from dialogue.localities import Locality


class InvalidTransition(refusals.InvalidTransition):
    """A workshop or question state change that is not allowed from the current state (409)."""


class WorkshopState(enum.StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"


class QuestionState(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    RANKING = "ranking"
    OPEN_TEXT = "open_text"
    FINDING_CHECK = "finding_check"


KIND_LABELS = {
    QuestionKind.SINGLE: "Single choice",
    QuestionKind.MULTIPLE: "Multiple choice",
    QuestionKind.SCALE: "Agreement scale (5 points)",
    QuestionKind.RANKING: "Ranking",
    QuestionKind.OPEN_TEXT: "Open text",
    QuestionKind.FINDING_CHECK: "Finding check (compare with the research)",
}
# The five-point agreement scale used by scale and finding-check questions.
SCALE_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
AGREE_VALUES = (4, 5)
KINDS_WITH_OPTIONS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)


class Workshop(TimestampMixin, Base):
    """A facilitated session with a join code, run from a presenter screen."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date]
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    code_expires_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default=WorkshopState.DRAFT)
    current_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_questions.id", ondelete="SET NULL", use_alter=True))
    # Slugs of the briefings the workshop draws on.
    briefing_slugs: Mapped[list] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None]
    # When the current question's answers close (its timer), or None when untimed.
    closes_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    state_version: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    locality: Mapped[Locality | None] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="workshop", order_by="Question.position", cascade="all, delete-orphan",
        foreign_keys="Question.workshop_id")
    current_question: Mapped[Question | None] = relationship(
        foreign_keys=[current_question_id], post_update=True)

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.code}>"

    def code_is_usable(self, now: datetime | None = None) -> bool:
        return self.state != WorkshopState.CLOSED and (now or utcnow()) < self.code_expires_at

    def start(self) -> None:
        if self.state != WorkshopState.DRAFT:
            raise InvalidTransition("Only a draft workshop can be started.")
        self.state = WorkshopState.LIVE

    def close(self) -> None:
        if self.state == WorkshopState.CLOSED:
            raise InvalidTransition("This workshop has already ended.")
        self.state = WorkshopState.CLOSED
        self.closed_at = utcnow()
        self.code_expires_at = min(self.code_expires_at, self.closed_at)


class Question(Base):
    """One question of a workshop; its answers are ``Response`` rows."""

    __tablename__ = "workshop_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    # The part of the workshop the question belongs to (e.g. "What it should mean").
    section: Mapped[str] = mapped_column(String(200), default="")
    max_choices: Mapped[int | None]
    finding_key: Mapped[str | None] = mapped_column(String(120))
    results_hidden: Mapped[bool] = mapped_column(default=False)
    revealed: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default=QuestionState.PENDING)
    # The countdown started when the question opens (seconds), or None for no timer.
    timer_seconds: Mapped[int | None]

    workshop: Mapped[Workshop] = relationship(back_populates="questions",
                                              foreign_keys=[workshop_id])
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan",
        lazy="selectin")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[QuestionKind(self.kind)]

    @property
    def uses_scale(self) -> bool:
        return self.kind in (QuestionKind.SCALE, QuestionKind.FINDING_CHECK)

    @property
    def results_visible(self) -> bool:
        """Whether results may be shown on the shared screen."""
        return not self.results_hidden or self.revealed

    def open(self) -> None:
        if self.state == QuestionState.OPEN:
            raise InvalidTransition("This question is already open.")
        self.state = QuestionState.OPEN

    def close(self) -> None:
        if self.state != QuestionState.OPEN:
            raise InvalidTransition("Only an open question can be closed.")
        self.state = QuestionState.CLOSED

    def reveal(self) -> None:
        if self.revealed:
            raise InvalidTransition("The results are already showing.")
        self.revealed = True

    def hide_results(self) -> None:
        if not self.revealed:
            raise InvalidTransition("The results are already hidden.")
        self.revealed = False


class Option(Base):
    """A choice of a single, multiple-choice or ranking question."""

    __tablename__ = "workshop_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(300))

    question: Mapped[Question] = relationship(back_populates="options")


class Participant(Base):
    """Someone in the room: a random token in a signed cookie, optionally a signed-in user."""

    __tablename__ = "workshop_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"),
                                             index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    education_role: Mapped[str | None] = mapped_column(String(40))
    phase: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(ProfileSnapshot, Base):
    """One participant's answer to one question, the whole answer in this one row.

    ``option_id`` for single choice; ``value`` (1-5) for scale and finding checks;
    ``choices`` (option ids, in order for a ranking) for multiple choice and ranking;
    ``text`` for open text. The profile columns (``ProfileSnapshot``) are the answerer's
    when they last wrote it: the role and phase they gave on joining, else their account's,
    and the account's school type (``participants.store_answer``), so research reads the
    answer as it was given, whatever the person or their account says later.
    """

    __tablename__ = "workshop_responses"
    __table_args__ = (UniqueConstraint("question_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_questions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_options.id", ondelete="CASCADE"))
    value: Mapped[int | None]
    choices: Mapped[list | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How many times this answer was written (1, then +1 per change, by the upsert). The
    # presenter's version sums these with the count (``live.presenter_version``), so an
    # answer moves it on without touching the workshop row every answer would queue on.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    question: Mapped[Question] = relationship()
    participant: Mapped[Participant] = relationship()
