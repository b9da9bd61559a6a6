"""Threads in each locality's space, and subscriptions to threads and localities."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue.db import Base, TimestampMixin, utcnow
from dialogue.localities import Locality

if TYPE_CHECKING:
    from dialogue.auth.models import User

# The research's own three questions, opening every locality's space.
STANDING_QUESTIONS = [
    ("meaning", "What should a self-improving school-led system mean here?",
     "The research asked what a self-improving school-led system should mean in practice. "
     "What would it mean for the schools, pupils and communities in this locality?"),
    ("practice", "How is the school-led system developing here in practice?",
     "Hierarchy, markets and networks all shape how schools work together. What are you "
     "seeing in this locality: who leads, who is left out, what has changed?"),
    ("enhancing", "How might the system here be enhanced?",
     "What would help schools in this locality improve together, and what stands in the way?"),
]


class Thread(TimestampMixin, Base):
    """A conversation in a locality's space: a title, an opening post and replies."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("locality_id", "standing_key"),
        Index("ix_threads_locality_activity", "locality_id", "pinned", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    is_standing: Mapped[bool] = mapped_column(default=False)
    # Which standing question this is ("meaning", "practice", "enhancing"); None otherwise.
    standing_key: Mapped[str | None] = mapped_column(String(20))

    locality: Mapped[Locality] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.title!r}>"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def accepts_replies(self) -> bool:
        return not self.locked and not self.is_deleted


class Subscription(Base):
    """A user following a thread or a whole locality (exactly one of the two)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (locality_id IS NULL)", name="one_target"),
        UniqueConstraint("user_id", "thread_id"),
        UniqueConstraint("user_id", "locality_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
