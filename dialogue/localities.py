"""Localities: the four anonymised case-study areas and a national space.

The research kept its localities anonymous, so Dialogue names them neutrally and
never guesses the real places.
"""

from __future__ import annotations

import re

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.db import Base, TimestampMixin
from dialogue.extensions import db

DEFAULT_LOCALITIES = [
    ("locality-a", "Locality A", "One of the four case-study localities."),
    ("locality-b", "Locality B", "One of the four case-study localities."),
    ("locality-c", "Locality C", "One of the four case-study localities."),
    ("locality-d", "Locality D", "One of the four case-study localities."),
    ("national", "National", "A space for conversations that cross localities."),
]


class Locality(TimestampMixin, Base):
    """A space for discussion: a case-study locality or the national space."""

    __tablename__ = "localities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Locality {self.slug}>"


def slugify(text: str) -> str:
    """A URL-safe slug made of lowercase ASCII letters, digits and hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "locality"


def all_localities() -> list[Locality]:
    """Every locality in display order."""
    return list(db.session.scalars(select(Locality).order_by(Locality.position, Locality.id)))


def ensure_default_localities() -> list[Locality]:
    """Create the default localities that are missing (idempotent)."""
    existing = {loc.slug for loc in db.session.scalars(select(Locality))}
    created = []
    for position, (slug, name, description) in enumerate(DEFAULT_LOCALITIES):
        if slug not in existing:
            locality = Locality(slug=slug, name=name, description=description, position=position)
            db.session.add(locality)
            created.append(locality)
    db.session.flush()
    return created


def name_taken(name: str, *, other_than: Locality | None = None) -> bool:
    """Whether a locality (other than ``other_than``) already has this name."""
    statement = select(Locality.id).where(Locality.name == name)
    if other_than is not None:
        statement = statement.where(Locality.id != other_than.id)
    return db.session.scalar(statement) is not None


def add_locality(name: str, description: str = "") -> Locality:
    """Add a locality with a unique slug derived from its name."""
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(select(Locality.id).where(Locality.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    position = (db.session.scalar(select(db.func.max(Locality.position))) or 0) + 1
    locality = Locality(slug=slug, name=name.strip(), description=description.strip(),
                        position=position)
    db.session.add(locality)
    db.session.flush()
    return locality


def update_locality(locality: Locality, name: str, description: str = "") -> None:
    """Rename a locality or change its description; its slug (and so its URL) stays."""
    locality.name = name.strip()
    locality.description = description.strip()
