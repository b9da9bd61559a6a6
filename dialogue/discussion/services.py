"""Writing posts: posting, editing, deleting and flagging, and what readers may see.

Services flush, never commit; the view commits once. What follows a change (search
entries, notifications, a thread's latest activity) is each subscriber's business:
these verbs send the signals of ``dialogue.discussion.signals``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, lazyload, load_only

from dialogue import audit
from dialogue.auth import permissions
from dialogue.auth.models import User
from dialogue.db import utcnow
from dialogue.discussion import signals
from dialogue.discussion.models import (
    TRANSITIONS,
    Flag,
    FlagReason,
    Post,
    PostRevision,
    PostStatus,
)
from dialogue.extensions import db
from dialogue.markdown import render_user_markdown
from dialogue.refusals import NotPermitted, Unprocessable

MAX_BODY = 10_000


class PostingRefused(Unprocessable):
    """Posting, editing or flagging that is not allowed, with a message for the person.

    422 by default; a refusal because of the post's or place's state says 409."""


# --- reading --------------------------------------------------------------------------

def with_author():
    """Load a post's author with the post: only the name shown, none of the account's
    roles or localities (which would cost a query per page for nothing)."""
    return joinedload(Post.author).options(
        load_only(User.id, User.display_name), lazyload(User.role_grants),
        lazyload(User.moderated_localities), lazyload(User.locality))


def load_post(post_id: int) -> Post | None:
    """A post with its author's name, or None."""
    return db.session.scalar(select(Post).options(with_author()).where(Post.id == post_id))


def visible_to(viewer) -> object:
    """Which posts a viewer sees in a listing: visible, hidden and deleted ones (as
    placeholders), plus their own held posts."""
    shown = Post.status.in_([PostStatus.VISIBLE, PostStatus.HIDDEN, PostStatus.DELETED])
    if getattr(viewer, "is_authenticated", False):
        return or_(shown, (Post.status == PostStatus.HELD) & (Post.author_id == viewer.id))
    return shown


def open_flags_by_user(user, post_ids: Iterable[int]) -> set[int]:
    """Which of these posts this user has already flagged."""
    ids = list(post_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        select(Flag.post_id).where(Flag.flagger_id == user.id, Flag.post_id.in_(ids))
    ))


def revisions(post: Post) -> list[PostRevision]:
    """Earlier texts of a post, newest first."""
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .order_by(PostRevision.edited_at.desc(), PostRevision.id.desc())
    ))


# --- writing --------------------------------------------------------------------------

def _check_body(body: str) -> str:
    if not body or not body.strip():
        raise PostingRefused("Enter some text")
    if len(body) > MAX_BODY:
        raise PostingRefused(f"Text must be {MAX_BODY:,} characters or fewer")
    return body


def needs_premoderation(user) -> bool:
    """New accounts' first posts (PRE_MODERATED_POSTS of them) wait for a moderator."""
    if permissions.can_moderate_somewhere(user):
        return False
    limit = current_app.config["PRE_MODERATED_POSTS"]
    if limit <= 0:
        return False
    approved = db.session.scalar(
        select(func.count(Post.id)).where(Post.author_id == user.id,
                                          Post.approved_at.is_not(None))
    ) or 0
    return approved < limit


def publish(post: Post) -> None:
    """A post has just become visible to everyone: stamp it and tell the subscribers
    whether this is its first appearance (a restored post does not notify again)."""
    first_time = post.approved_at is None
    post.approved_at = post.approved_at or utcnow()
    signals.send(signals.post_published, post, first_time=first_time)


def publish_unreviewed(post: Post) -> Post:
    """Make a held post visible without a moderator (demo data only)."""
    if post.is_held:
        post.status = PostStatus.VISIBLE
        db.session.flush()
        publish(post)
    return post


def _reply_target(parent: Post, thread, finding) -> Post:
    same_place = (parent.thread_id == getattr(thread, "id", None)
                  and parent.finding_id == getattr(finding, "id", None))
    if not same_place:
        raise PostingRefused("You can only reply to a post in the same discussion")
    if finding is not None and parent.parent_id is not None:
        return db.session.get(Post, parent.parent_id)  # comments: one level of replies
    return parent


def create_post(author, body: str, *, thread=None, finding=None, parent: Post | None = None,
                system: bool = False) -> Post:
    """Write a post in a thread or a comment on a finding; held if the author is new.

    ``thread`` and ``finding`` are the place's row (only its ``id``, and a thread's
    ``locality_id``, are read)."""
    if not system and not permissions.can_contribute(author):
        raise PostingRefused("Your account cannot post at the moment")
    _check_body(body)
    if (thread is None) == (finding is None):
        raise ValueError("a post belongs to exactly one thread or finding")
    if parent is not None:
        parent = _reply_target(parent, thread, finding)
    post = Post(
        author_id=None if system else author.id,
        body=body,
        body_html=render_user_markdown(body),
        thread_id=getattr(thread, "id", None),
        finding_id=getattr(finding, "id", None),
        parent_id=parent.id if parent is not None else None,
        locality_id=getattr(thread, "locality_id", None),
        status=(PostStatus.HELD if not system and needs_premoderation(author)
                else PostStatus.VISIBLE),
    )
    if not system:
        post.copy_profile(author)
        post.author_locality_id = author.locality_id
    db.session.add(post)
    db.session.flush()
    if post.is_visible:
        publish(post)
    return post


def edit_post(post: Post, user, body: str) -> Post:
    """The author changes their text within the edit window; the old text is kept."""
    if not post.editable_by(user):
        raise PostingRefused("You can no longer edit this post", status=409)
    _check_body(body)
    if body == post.body:
        return post
    db.session.add(PostRevision(post_id=post.id, body=post.body, body_html=post.body_html,
                                edited_at=utcnow()))
    post.body = body
    post.body_html = render_user_markdown(body)
    post.edited_at = utcnow()
    db.session.flush()
    signals.send(signals.post_edited, post)
    return post


def delete_post(post: Post, user) -> Post:
    """The author deletes their post: a placeholder stays, the text and its history go."""
    if not permissions.can_edit_own(user, post.author_id):
        raise NotPermitted("You can only delete your own posts")
    gone = PostingRefused("This post has already been deleted", status=409)
    allowed = TRANSITIONS["delete"]
    if post.status not in allowed:
        raise gone
    now = utcnow()
    result = db.session.execute(
        update(Post).where(Post.id == post.id, Post.status.in_(allowed))
        .values(status=PostStatus.DELETED, deleted_at=now, body="", body_html="",
                moderation_version=Post.moderation_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise gone
    db.session.execute(PostRevision.__table__.delete().where(PostRevision.post_id == post.id))
    resolve_flags(post, now)
    db.session.refresh(post)
    signals.send(signals.post_deleted, post)
    return post


def resolve_flags(post: Post, when=None) -> None:
    """Close every open flag on a post (a decision or a deletion answered them)."""
    db.session.execute(Flag.__table__.update().where(
        Flag.post_id == post.id, Flag.resolved_at.is_(None)).values(resolved_at=when or utcnow()))


def _check_flag(post: Post, user, reason: FlagReason, detail: str) -> None:
    if not permissions.can_flag(user):
        raise PostingRefused("Your account cannot flag posts at the moment")
    if not post.is_visible:
        raise PostingRefused("This post is no longer shown, so it cannot be flagged")
    if post.author_id == user.id:
        raise PostingRefused("You cannot flag your own post")
    if reason == FlagReason.OTHER and not detail.strip():
        raise PostingRefused("Say what is wrong with this post")
    already = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.flagger_id == user.id))
    if already is not None:
        raise PostingRefused("You have already flagged this post")


def flag_post(post: Post, user, reason: FlagReason | str, detail: str = "") -> bool:
    """Flag a post for moderators; returns True if this flag hid it (the threshold)."""
    reason = FlagReason(reason)
    _check_flag(post, user, reason, detail)
    db.session.add(Flag(post_id=post.id, flagger_id=user.id, reason=reason,
                        detail=detail.strip()[:1000]))
    db.session.flush()
    open_flags = db.session.scalar(
        select(func.count(Flag.id)).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
    )
    if open_flags < current_app.config["FLAGS_TO_HIDE"]:
        return False
    reason_text = f"Hidden automatically after {open_flags} flags, until a moderator reviews it."
    result = db.session.execute(
        update(Post).where(Post.id == post.id, Post.status == PostStatus.VISIBLE)
        .values(status=PostStatus.HIDDEN, hidden_at=utcnow(), hidden_by_id=None,
                hidden_reason=reason_text, moderation_version=Post.moderation_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(post)
    audit.record("moderation", "auto_hide", None, "post", post.id, reason=reason_text,
                 locality_id=post.locality_id, flags=open_flags)
    signals.send(signals.post_hidden, post, moderator=None, reason=reason_text)
    return True
