"""Moderators' decisions on a post: approve, hide (with a reason), restore.

Each is a conditional UPDATE (``WHERE status IN (...) AND moderation_version = seen``),
so when two moderators act on the same post at once exactly one succeeds and the other
is told it was already handled.
"""

from __future__ import annotations

from sqlalchemy import update

from dialogue import audit
from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.discussion import signals
from dialogue.discussion.models import InvalidTransition, Post, PostStatus
from dialogue.discussion.services import PostingRefused, publish, resolve_flags
from dialogue.extensions import db
from dialogue.refusals import NotPermitted


class AlreadyHandled(InvalidTransition):
    """Another moderator (or the author) changed the post first."""


def _decide(post: Post, moderator, action: str, seen_version: int | None, **values) -> None:
    if not permissions.can_moderate_post(moderator, post):
        raise NotPermitted("You cannot moderate this post")
    try:
        allowed = post.check(action)
    except InvalidTransition as error:
        raise AlreadyHandled(str(error)) from error
    statement = update(Post).where(Post.id == post.id, Post.status.in_(allowed))
    if seen_version is not None:
        statement = statement.where(Post.moderation_version == seen_version)
    result = db.session.execute(
        statement.values(moderation_version=Post.moderation_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(post)
        raise AlreadyHandled(f"post {post.id} changed before {action}")
    resolve_flags(post)
    db.session.refresh(post)


def approve_post(post: Post, moderator, seen_version: int | None = None) -> Post:
    """Publish a held post, or keep a flagged visible post and dismiss its flags."""
    was_held = post.is_held
    _decide(post, moderator, "approve", seen_version, status=PostStatus.VISIBLE)
    audit.record("moderation", "approve" if was_held else "dismiss_flags", moderator, "post",
                 post.id, locality_id=post.locality_id)
    if was_held:
        publish(post)
    signals.send(signals.post_approved, post, moderator=moderator, was_held=was_held)
    return post


def hide_post(post: Post, moderator, reason: str, seen_version: int | None = None) -> Post:
    """Hide a post with a reason shown to its author; the text is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise PostingRefused("Give a reason: the author will see it")
    _decide(post, moderator, "hide", seen_version, status=PostStatus.HIDDEN,
            hidden_at=utcnow(), hidden_by_id=moderator.id, hidden_reason=reason[:1000])
    audit.record("moderation", "hide", moderator, "post", post.id, reason=reason,
                 locality_id=post.locality_id)
    signals.send(signals.post_hidden, post, moderator=moderator, reason=reason)
    return post


def restore_post(post: Post, moderator, seen_version: int | None = None) -> Post:
    """Show a hidden post again."""
    _decide(post, moderator, "restore", seen_version, status=PostStatus.VISIBLE,
            hidden_at=None, hidden_by_id=None, hidden_reason="")
    audit.record("moderation", "restore", moderator, "post", post.id,
                 locality_id=post.locality_id)
    publish(post)
    signals.send(signals.post_restored, post, moderator=moderator)
    return post
