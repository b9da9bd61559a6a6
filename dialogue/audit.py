"""The audit trail: who did what to which object, and why. Rows are never edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialogue.db import Base, utcnow
from dialogue.extensions import db


class Actor(Protocol):
    """Whoever acted: an account (``auth.models.User``, which the core does not import)."""

    id: int


class AuditEvent(Base):
    """One recorded action. ``category`` groups them: "moderation", "admin", "account"."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    action: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    locality_id: Mapped[int | None] = mapped_column(
        ForeignKey("localities.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(1000), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # The account, named by its class: the core sits below auth and does not import it.
    actor: Mapped[Any] = relationship("User", foreign_keys=[actor_id])


def record(
    category: str,
    action: str,
    actor: Actor | None,
    target_type: str,
    target_id: int | None,
    *,
    reason: str = "",
    locality_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    event = AuditEvent(
        category=category,
        action=action,
        actor_id=actor.id if actor is not None else None,
        target_type=target_type,
        target_id=target_id,
        locality_id=locality_id,
        reason=reason,
        detail=detail,
    )
    db.session.add(event)
    return event
