"""A workshop's published results card: the figures as they were published, and where.

The figures are kept as they stood when the facilitator published them (``figures``, the
card's own JSON), so the thread's post, the findings and the phones all show the same
numbers, and a finding page reads one row instead of tallying the room again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, utcnow
from dialogue.refusals import InvalidTransition

MAX_INTRO = 2000


class ResultsCard(Base):
    """One per workshop: an intro written by the facilitator, then published once."""

    __tablename__ = "workshop_results_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    intro: Mapped[str] = mapped_column(Text, default="")
    # The card's figures at publication (see ``results_card.Card.to_dict``).
    figures: Mapped[dict | None] = mapped_column(JSON)
    # Finding keys the card's finding checks compared with, to find it from a finding.
    finding_keys: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def publish(self, figures: dict, finding_keys: list[str], by_id: int,
                thread_id: int) -> None:
        """Published once: a second publication would start a second thread."""
        if self.is_published:
            raise InvalidTransition("These results have already been published.")
        self.figures = figures
        self.finding_keys = finding_keys
        self.published_by_id = by_id
        self.thread_id = thread_id
        self.published_at = utcnow()
