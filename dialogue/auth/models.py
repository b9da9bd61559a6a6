"""Accounts, roles, profile attributes and research-use consent."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dialogue.db import Base, TimestampMixin, enum_column, utcnow
from dialogue.localities import Locality
from dialogue.profiles import (  # noqa: F401 - the profile's vocabulary, used by User
    EDUCATION_ROLE_LABELS,
    PHASE_LABELS,
    SCHOOL_TYPE_LABELS,
    EducationRole,
    Phase,
    SchoolType,
)


class Role(enum.StrEnum):
    """Roles granted on top of being a practitioner (which every account is)."""

    FACILITATOR = "facilitator"
    MODERATOR = "moderator"
    RESEARCHER = "researcher"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.FACILITATOR: "Facilitator",
    Role.MODERATOR: "Moderator",
    Role.RESEARCHER: "Researcher",
    Role.ADMIN: "Administrator",
}


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
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)
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
        enum_column(EducationRole, "education_role")
    )
    phase: Mapped[Phase | None] = mapped_column(enum_column(Phase, "phase"))
    school_type: Mapped[SchoolType | None] = mapped_column(
        enum_column(SchoolType, "school_type")
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


class PendingRegistration(Base):
    """A registration waiting for its address to be confirmed (issue 16, point 6).

    The account is only made when the link mailed to the address is followed, so the
    registration page can answer the same for a taken address and a free one, and
    nobody can sign in with (or squat on) an address they cannot read. Rows expire with
    ``EMAIL_CONFIRMATION_MAX_AGE`` and are purged nightly: they hold a password hash."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    # education_role, phase, school_type (enum values) and locality_id, as the form gave them
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    research_consent: Mapped[bool]
    # Signed into the link with the row's id: a guessed id alone makes no valid link.
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
