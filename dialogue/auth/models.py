"""Accounts, roles, profile attributes and research-use consent."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, Enum, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dialogue.db import Base, TimestampMixin, utcnow
from dialogue.localities import Locality


class Role(enum.StrEnum):
    """Roles granted on top of being a practitioner (which every account is)."""

    FACILITATOR = "facilitator"
    MODERATOR = "moderator"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class EducationRole(enum.StrEnum):
    HEADTEACHER = "headteacher"
    SENIOR_LEADER = "senior_leader"
    TEACHER = "teacher"
    GOVERNOR = "governor"
    TRUST_OR_LA_OFFICER = "trust_or_la_officer"
    RESEARCHER = "researcher"
    OTHER = "other"


class Phase(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"
    ALL_THROUGH = "all_through"
    OTHER = "other"


class SchoolType(enum.StrEnum):
    MAINTAINED = "maintained"
    STANDALONE_ACADEMY = "standalone_academy"
    MAT_ACADEMY = "mat_academy"
    FREE_SCHOOL = "free_school"
    INDEPENDENT = "independent"
    OTHER = "other"


EDUCATION_ROLE_LABELS = {
    EducationRole.HEADTEACHER: "Headteacher",
    EducationRole.SENIOR_LEADER: "Senior leader",
    EducationRole.TEACHER: "Teacher",
    EducationRole.GOVERNOR: "Governor or trustee",
    EducationRole.TRUST_OR_LA_OFFICER: "Trust or local authority officer",
    EducationRole.RESEARCHER: "Researcher",
    EducationRole.OTHER: "Other",
}
PHASE_LABELS = {
    Phase.PRIMARY: "Primary",
    Phase.SECONDARY: "Secondary",
    Phase.SPECIAL: "Special",
    Phase.ALL_THROUGH: "All-through",
    Phase.OTHER: "Other",
}
SCHOOL_TYPE_LABELS = {
    SchoolType.MAINTAINED: "Maintained school",
    SchoolType.STANDALONE_ACADEMY: "Standalone academy",
    SchoolType.MAT_ACADEMY: "Academy in a multi-academy trust",
    SchoolType.FREE_SCHOOL: "Free school",
    SchoolType.INDEPENDENT: "Independent school",
    SchoolType.OTHER: "Other",
}
ROLE_LABELS = {
    Role.FACILITATOR: "Facilitator",
    Role.MODERATOR: "Moderator",
    Role.RESEARCHER: "Researcher",
    Role.ADMIN: "Administrator",
}


def _enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    # Stored as VARCHAR with a CHECK constraint: portable, and Alembic can alter it.
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [m.value for m in members],
    )


moderator_localities = Table(
    "moderator_localities",
    Base.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("locality_id", Integer, ForeignKey("localities.id", ondelete="CASCADE"),
           primary_key=True),
)


class RoleGrant(Base):
    """A role held by a user."""

    __tablename__ = "role_grants"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(_enum_column(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class User(UserMixin, TimestampMixin, Base):
    """A registered person. Workshop participants need no account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    # Bumped on logout and password change; part of the session's user id, so every
    # older copy of a session or remember-me cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    suspended_until: Mapped[datetime | None]

    education_role: Mapped[EducationRole | None] = mapped_column(
        _enum_column(EducationRole, "education_role")
    )
    phase: Mapped[Phase | None] = mapped_column(_enum_column(Phase, "phase"))
    school_type: Mapped[SchoolType | None] = mapped_column(
        _enum_column(SchoolType, "school_type")
    )
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL")
    )

    # The current research-use decision; ConsentEvent keeps the history.
    research_consent: Mapped[bool] = mapped_column(default=False)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_recorded_at: Mapped[datetime | None]

    locality: Mapped[Locality | None] = relationship(lazy="joined")
    role_grants: Mapped[list[RoleGrant]] = relationship(
        foreign_keys=[RoleGrant.user_id], cascade="all, delete-orphan", lazy="selectin"
    )
    moderated_localities: Mapped[list[Locality]] = relationship(
        secondary=moderator_localities, lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    # --- Flask-Login --------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    # --- passwords ------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # --- roles ----------------------------------------------------------------------
    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def is_suspended(self, now: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())


class ConsentEvent(Base):
    """One research-use decision, with the statement version it answered."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    accepted: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
