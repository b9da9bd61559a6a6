"""Every permission decision in one place: small named functions of the acting user.

Views, services and templates all call these (templates through ``can``). Anonymous
users are Flask-Login's AnonymousUserMixin, whose ``is_authenticated`` is False.
"""

from __future__ import annotations

from typing import Any

from dialogue.auth.models import Role
from dialogue.db import utcnow


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_administer(user: Any) -> bool:
    """Manage users, roles and localities."""
    return is_admin(user)


def can_research(user: Any) -> bool:
    """See the research dashboard, code contributions and download exports."""
    return _signed_in(user) and (user.has_role(Role.RESEARCHER) or is_admin(user))


def can_facilitate(user: Any) -> bool:
    """Create and run workshops."""
    return _signed_in(user) and (user.has_role(Role.FACILITATOR) or is_admin(user))


def can_run_workshop(user: Any, workshop: Any) -> bool:
    """Present and edit this workshop: its owner, or an admin."""
    return can_facilitate(user) and (workshop.owner_id == user.id or is_admin(user))


def can_moderate_somewhere(user: Any) -> bool:
    """See the moderation queue at all."""
    return _signed_in(user) and (user.has_role(Role.MODERATOR) or is_admin(user))


def moderated_locality_ids(user: Any) -> set[int] | None:
    """The localities a moderator is limited to; None means every locality."""
    if is_admin(user) or not user.moderated_localities:
        return None
    return {locality.id for locality in user.moderated_localities}


def can_moderate(user: Any, locality_id: int | None) -> bool:
    """Moderate content in this locality (None: content not tied to a locality,
    such as comments on findings, which only unrestricted moderators handle)."""
    if not can_moderate_somewhere(user):
        return False
    limited_to = moderated_locality_ids(user)
    return limited_to is None or (locality_id is not None and locality_id in limited_to)


def can_contribute(user: Any) -> bool:
    """Post, comment and react: signed in, active and not suspended."""
    return _signed_in(user) and user.is_active and not user.is_suspended(utcnow())


def can_edit_own(user: Any, author_id: int | None) -> bool:
    """Edit or delete something this user wrote."""
    return _signed_in(user) and author_id is not None and author_id == user.id


def can_flag(user: Any) -> bool:
    """Flag a post or comment for moderators (the same people who may post)."""
    return can_contribute(user)


def can_post_in_locality(user: Any, locality: Any) -> bool:
    """Start a thread in a locality's space: every locality is open to contributors."""
    return can_contribute(user) and locality is not None


def can_reply_to_thread(user: Any, thread: Any) -> bool:
    """Reply in a thread: it must be open (not locked, not deleted) to contributors."""
    return (can_contribute(user) and thread.deleted_at is None and not thread.locked
            and can_post_in_locality(user, thread.locality))


def can_moderate_post(user: Any, post: Any) -> bool:
    """Act on this post or comment (finding comments need an unrestricted moderator)."""
    return can_moderate(user, post.locality_id)


PERMISSIONS = {
    "administer": can_administer,
    "research": can_research,
    "facilitate": can_facilitate,
    "moderate_somewhere": can_moderate_somewhere,
    "contribute": can_contribute,
}


def can_see_post(user: Any, post: Any) -> bool:
    """See a post at all: a held post only by its author and its moderators (hidden and
    deleted posts show as placeholders to everyone else)."""
    if post.is_held:
        return can_edit_own(user, post.author_id) or can_moderate_post(user, post)
    return True


def can_see_post_history(user: Any, post: Any) -> bool:
    """Read a post's earlier texts: only its author and its moderators (an edit may have
    taken something personal out of public view), and nobody once it is deleted."""
    if post.is_deleted:
        return False
    return can_edit_own(user, post.author_id) or can_moderate_post(user, post)


def can_see_synthesis(user: Any, job: Any) -> bool:
    """See, download or retry a PDF synthesis: only the researcher who asked for it."""
    return can_research(user) and job.requested_by_id == user.id


def can_revoke_api_token(user: Any, token: Any) -> bool:
    """Revoke a research API token: only the researcher it belongs to."""
    return can_research(user) and token.user_id == user.id


def can_start_conversation(user: Any) -> bool:
    """Open a consensus map: facilitators and researchers (and admins)."""
    return can_facilitate(user) or can_research(user)


def can_run_conversation(user: Any, conversation: Any) -> bool:
    """Seed, close and reopen a consensus map: its owner, or an admin."""
    return _signed_in(user) and (conversation.owner_id == user.id or is_admin(user))


def can_moderate_conversation(user: Any, conversation: Any) -> bool:
    """Approve or hide a consensus map's statements: its owner, or a moderator of its space
    (a national map needs an unrestricted moderator)."""
    return (can_run_conversation(user, conversation)
            or can_moderate(user, conversation.locality_id))


def can_vote_in_conversation(user: Any, conversation: Any) -> bool:
    """Vote and add statements in a consensus map: the people who may post."""
    return can_contribute(user)


def can_export_conversation(user: Any, conversation: Any) -> bool:
    """Download a consensus map's votes in Polis' format: researchers."""
    return can_research(user)


def can_write_loop_response(user: Any) -> bool:
    """Write or edit a "We did" response to a finding or briefing: researchers (and admins)."""
    return can_research(user)


def can_publish_loop_response(user: Any, response: Any) -> bool:
    """Review and publish a "We did" response: another researcher or an admin, never the
    person who wrote its current text."""
    return can_research(user) and response.author_id != user.id
