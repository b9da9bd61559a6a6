"""Responses to what people said ("We did"), their revisions, and the "You said" cache."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue.auth.models import User
from dialogue.briefings.models import Briefing, Finding
from dialogue.db import Base, enum_column, utcnow
from dialogue.localities import Locality
from dialogue.refusals import InvalidTransition


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class LoopResponse(Base):
    """The research team's answer to what people said about a finding or a whole briefing.

    Written as a draft; another researcher or an admin publishes it with a date (never
    its author). Editing a published response takes it back to a draft, so every text
    the public reads has been reviewed; each earlier text is kept as a revision.
    """

    __tablename__ = "loop_responses"
    __table_args__ = (Index("ix_loop_responses_status_published", "status", "published_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefings.id", ondelete="CASCADE"),
                                             index=True)
    # None: the response is about the whole briefing.
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # markdown exactly as typed
    body_html: Mapped[str] = mapped_column(Text, default="")  # the untrusted renderer's
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, "loop_response_status"), default=ResponseStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    published_on: Mapped[date | None]  # the date the reviewer gave
    published_at: Mapped[datetime | None]  # when it was published
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    briefing: Mapped[Briefing] = relationship()
    finding: Mapped[Finding | None] = relationship()
    locality: Mapped[Locality | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    revisions: Mapped[list[LoopRevision]] = relationship(
        back_populates="response", order_by="LoopRevision.id.desc()",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_published(self) -> bool:
        return self.status == ResponseStatus.PUBLISHED

    def publish(self, by: User, on: date) -> None:
        """Publish the draft (the caller has checked that ``by`` may)."""
        if self.is_published:
            raise InvalidTransition("This response is already published.")
        self.status = ResponseStatus.PUBLISHED
        self.published_by_id = by.id
        self.published_on = on
        self.published_at = utcnow()

    def back_to_draft(self) -> None:
        self.status = ResponseStatus.DRAFT
        self.published_by_id = None
        self.published_on = None
        self.published_at = None


class LoopRevision(Base):
    """An earlier text of a response, kept when it was replaced."""

    __tablename__ = "loop_response_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("loop_responses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    was_published_on: Mapped[date | None]  # set when the replaced text had been published
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this text was replaced

    response: Mapped[LoopResponse] = relationship(back_populates="revisions")
    edited_by: Mapped[User | None] = relationship()


class YouSaidCache(Base):
    """A finding's "You said" figures as shown (withheld figures are never stored), with
    the version of the data they were worked out from. Kept in the database so every
    worker shares it; a request recomputes only when the version has moved."""

    __tablename__ = "you_said_cache"

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"),
                                            primary_key=True)
    version: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
