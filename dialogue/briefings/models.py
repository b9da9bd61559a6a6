"""Briefings, their findings and key figures, glossary terms, and reactions to findings.

Briefing and finding HTML is rendered once at import (``dialogue.briefings.content``)
and stored; requests only read it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue.db import Base, ProfileSnapshot, enum_column, utcnow


class Briefing(Base):
    """One evidence briefing, from one markdown file."""

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    # [{"key": ..., "label": ...}] as in the front matter.
    sources: Mapped[list] = mapped_column(JSON, default=list)
    updated: Mapped[date]
    is_glossary: Mapped[bool] = mapped_column(default=False)
    # The front matter's ``kind``: "methods" for statements about how the study was done,
    # which take no reactions; "findings" otherwise.
    kind: Mapped[str] = mapped_column(String(20), default="findings",
                                      server_default="findings")
    # The whole briefing as static HTML (PDF, search); ``segments`` is the same content
    # as a list of {"html": ...} prose and {"finding": key} slots, so the page can put
    # each finding's live parts (reactions, comment count) in place.
    # Deferred: lists of briefings never need the bodies, only the page and PDF do.
    body_html: Mapped[str] = mapped_column(Text, default="", deferred=True,
                                           deferred_group="content")
    segments: Mapped[list] = mapped_column(JSON, default=list, deferred=True,
                                           deferred_group="content")
    # [{"id": ..., "title": ..., "level": 2|3}] for the table of contents.
    toc: Mapped[list] = mapped_column(JSON, default=list, deferred=True,
                                      deferred_group="content")
    source_file: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    findings: Mapped[list[Finding]] = relationship(
        back_populates="briefing", order_by="Finding.position"
    )

    def __repr__(self) -> str:
        return f"<Briefing {self.slug}>"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def source_label(self, key: str) -> str:
        return next((s["label"] for s in self.sources if s["key"] == key), key)


class Finding(Base):
    """A finding inside a briefing; its ``key`` is the stable ``{#id}`` from the markdown."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefings.id", ondelete="CASCADE"),
                                             index=True)
    title: Mapped[str] = mapped_column(String(500))
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Plain text of the body, for search and for researchers' exports.
    body_text: Mapped[str] = mapped_column(Text, default="")
    # Glossary terms used in the finding: [{"key", "term", "definition"}].
    terms: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]

    briefing: Mapped[Briefing] = relationship(back_populates="findings")
    figures: Mapped[list[KeyFigure]] = relationship(
        back_populates="finding", order_by="KeyFigure.position", cascade="all, delete-orphan",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Finding {self.key}>"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def is_methods(self) -> bool:
        """A statement of how the study was done (its briefing's ``kind: methods``)."""
        return self.briefing.kind == "methods"

    def retire(self) -> bool:
        """Mark as retired (kept with its reactions and comments); False if it already was."""
        if self.retired_at is not None:
            return False
        self.retired_at = utcnow()
        return True


class KeyFigure(Base):
    """A number the research reports, with what it measures, who was asked, and the source."""

    __tablename__ = "key_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"),
                                            index=True)
    value: Mapped[str] = mapped_column(String(60))
    measures: Mapped[str] = mapped_column(Text)
    base: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(String(80))
    source_label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    finding: Mapped[Finding] = relationship(back_populates="figures")


class GlossaryTerm(Base):
    """A term explained in the glossary briefing."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    term: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)


class ReactionAnswer(enum.StrEnum):
    MATCHES = "matches"
    PARTLY = "partly"
    DOES_NOT_MATCH = "does_not_match"


REACTION_LABELS = {
    ReactionAnswer.MATCHES: "Matches my experience",
    ReactionAnswer.PARTLY: "Partly matches",
    ReactionAnswer.DOES_NOT_MATCH: "Does not match",
}


class Reaction(ProfileSnapshot, Base):
    """One person's answer to "does this match your experience?" for one finding.

    The profile columns are a snapshot taken when the person last answered, so research
    breakdowns do not shift when someone edits their profile later.
    """

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("finding_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[ReactionAnswer] = mapped_column(enum_column(ReactionAnswer,
                                                                "reaction_answer"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL")
    )

    finding: Mapped[Finding] = relationship()
