"""The erasure log: which accounts were deleted, so a restore can delete them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, utcnow


class ErasureRecord(Base):
    """One account deletion. Holds no personal data: the old id and the chosen mode.

    ``user_id`` is deliberately not a foreign key: the user row is gone.
    """

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(String(10))  # "remove" or "anonymise"
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
