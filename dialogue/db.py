"""The declarative base, shared column types and mixins, and the one upsert statement.

Transactions and connection rules live beside the session, in ``dialogue.transactions``."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from dialogue.profiles import EducationRole, Phase, SchoolType

# Named constraints let Alembic alter and drop them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so without this a value would come back naive on
    SQLite and aware on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use dialogue.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base for every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    """When a row was created."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A Python enum stored as VARCHAR with a named CHECK constraint.

    Portable (no native PostgreSQL enum type) and Alembic can alter it in batch mode.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [m.value for m in members],
    )


class ProfileSnapshot:
    """The author's profile at the moment they contributed, for research breakdowns.

    A snapshot, not a join to ``users``: when someone edits their profile later, what
    they said earlier keeps the attributes it was said with. Each column is made per
    table (``declared_attr``) so every table gets its own CHECK constraint.
    """

    @declared_attr
    def education_role(cls) -> Mapped[EducationRole | None]:
        return mapped_column(enum_column(EducationRole, "education_role"))

    @declared_attr
    def phase(cls) -> Mapped[Phase | None]:
        return mapped_column(enum_column(Phase, "phase"))

    @declared_attr
    def school_type(cls) -> Mapped[SchoolType | None]:
        return mapped_column(enum_column(SchoolType, "school_type"))

    def copy_profile(self, person) -> None:
        """Take the snapshot from ``person`` (anything with the three attributes)."""
        self.education_role = person.education_role
        self.phase = person.phase
        self.school_type = person.school_type


_INSERT_BY_DIALECT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert_statement(dialect_name: str, model, values: dict, *, key: tuple[str, ...],
                     update: tuple[str, ...], also: dict | None = None):
    """INSERT ... ON CONFLICT (key) DO UPDATE SET update = the new row's values.

    One statement keyed on a unique constraint, so two simultaneous requests cannot
    create two rows (the database decides, not a check-then-insert). ``values`` may hold
    bind parameters, so a hot path can build the statement once and run it many times.
    ``also`` adds SET clauses of its own (``{"revision": Model.revision + 1}``).
    """
    statement = _INSERT_BY_DIALECT[dialect_name](model).values(**values)
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={**{name: statement.excluded[name] for name in update}, **(also or {})})
