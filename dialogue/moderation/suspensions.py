"""Suspensions: a moderator stops someone posting for some days; an admin lifts it."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from dialogue import audit
from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.notifications.services import notify
from dialogue.refusals import NotPermitted, Unprocessable


class SuspensionRefused(Unprocessable):
    """A suspension that cannot be made as asked, with a message for the moderator."""


def suspend_user(user, moderator, days: int, reason: str, *, locality_id: int | None) -> None:
    """Stop someone posting for a number of days (from a post the moderator may act on)."""
    if not permissions.can_moderate(moderator, locality_id):
        raise NotPermitted("You cannot moderate here")
    if user.id == moderator.id:
        raise SuspensionRefused("You cannot suspend yourself")
    if permissions.can_moderate_somewhere(user):
        raise SuspensionRefused("Moderators and administrators cannot be suspended here")
    reason = (reason or "").strip()
    if not reason:
        raise SuspensionRefused("Give a reason: the person will see it")
    until = utcnow() + timedelta(days=days)
    user.suspended_until = until
    audit.record("moderation", "suspend", moderator, "user", user.id, reason=reason,
                 locality_id=locality_id, days=days, until=until.isoformat())
    notify(user, f"A moderator has suspended your account from posting for {days} "
           f"day{'s' if days != 1 else ''}. Reason: {reason}", url_for("main.home"))


def lift_suspension(user, admin) -> bool:
    """An administrator ends a suspension early; False if there was none to lift."""
    if not user.is_suspended():
        return False
    until = user.suspended_until
    user.suspended_until = None
    audit.record("moderation", "lift_suspension", admin, "user", user.id,
                 was_until=until.isoformat())
    notify(user, "An administrator has lifted your suspension: you can post again.",
           url_for("main.home"))
    return True
