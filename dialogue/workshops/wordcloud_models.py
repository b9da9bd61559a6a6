"""A facilitator's edits to one question's word cloud: a word hidden, or merged into another."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, utcnow

MAX_WORD = 40


class WordEdit(Base):
    """``merge_into`` None hides ``word``; otherwise its answers count for ``merge_into``."""

    __tablename__ = "workshop_word_edits"
    __table_args__ = (UniqueConstraint("question_id", "word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_questions.id", ondelete="CASCADE"), index=True)
    word: Mapped[str] = mapped_column(String(MAX_WORD))
    merge_into: Mapped[str | None] = mapped_column(String(MAX_WORD))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
