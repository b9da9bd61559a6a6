"""Research models: the codebook, codings, API tokens and synthesis jobs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue.db import Base, TimestampMixin, utcnow
from dialogue.refusals import InvalidTransition

CONTRIBUTION_KINDS = ("reaction", "comment", "post", "response", "qa")
KIND_LABELS = {
    "reaction": "Reaction to a finding",
    "comment": "Comment on a finding",
    "post": "Forum post",
    "response": "Workshop response",
    "qa": "Workshop Q&A question",
}


class Code(TimestampMixin, Base):
    """One code in the shared codebook; ``parent`` groups themes under the frame."""

    __tablename__ = "research_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("research_codes.id", ondelete="SET NULL")
    )
    definition: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Code | None] = relationship(remote_side=[id], lazy="joined")

    def __repr__(self) -> str:
        return f"<Code {self.code}>"


class Coding(Base):
    """A researcher applied a code to one contribution (kind + id)."""

    __tablename__ = "research_codings"
    __table_args__ = (
        UniqueConstraint("researcher_id", "code_id", "contribution_kind", "contribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("research_codes.id", ondelete="CASCADE"),
                                         index=True)
    contribution_kind: Mapped[str] = mapped_column(String(10))
    contribution_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    code: Mapped[Code] = relationship(lazy="joined")


class ApiToken(TimestampMixin, Base):
    """A researcher's API token; only its SHA-256 is stored."""

    __tablename__ = "research_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class InvalidJobTransition(InvalidTransition):
    """A synthesis job was asked to move to a state it cannot reach from where it is."""


class SynthesisJob(TimestampMixin, Base):
    """A PDF synthesis for one researcher's filters, built in the background."""

    __tablename__ = "research_synthesis_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    filters: Mapped[str] = mapped_column(Text)  # canonical query string of the filters
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    message: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_size: Mapped[int] = mapped_column(default=0)

    def start(self) -> None:
        if self.state not in (JobState.QUEUED,):
            raise InvalidJobTransition(f"This PDF cannot start: it is {self.state}.")
        self.state = JobState.RUNNING
        self.progress = 1
        self.attempts += 1
        self.started_at = utcnow()
        self.message = ""

    def finish(self, pdf: bytes, expires_at: datetime) -> None:
        if self.state != JobState.RUNNING:
            raise InvalidJobTransition(f"This PDF cannot finish: it is {self.state}.")
        self.state = JobState.DONE
        self.progress = 100
        self.pdf = pdf
        self.pdf_size = len(pdf)
        self.finished_at = utcnow()
        self.expires_at = expires_at
        self.message = ""

    def fail(self, message: str) -> None:
        if self.state not in (JobState.QUEUED, JobState.RUNNING):
            raise InvalidJobTransition(f"This PDF cannot fail: it is {self.state}.")
        self.state = JobState.FAILED
        self.message = message[:500]
        self.finished_at = utcnow()

    def retry(self) -> None:
        if self.state != JobState.FAILED:
            raise InvalidJobTransition(f"Only a PDF that failed can be tried again; "
                                       f"this one is {self.state}.")
        self.state = JobState.QUEUED
        self.progress = 0
        self.message = ""
        self.finished_at = None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())
