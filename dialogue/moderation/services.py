"""Posting, editing, flagging and moderating posts: shared by forums and finding comments.

Services flush, never commit; the view commits once. Moderation decisions are
conditional UPDATEs (``WHERE status IN (...) AND moderation_version = seen``), so when
two moderators act on the same item at once exactly one succeeds and the other is told
it was already handled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, lazyload, load_only

from dialogue import audit
from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.markdown import render_user_markdown
from dialogue.moderation.models import (
    FLAG_REASON_LABELS,
    Flag,
    FlagReason,
    InvalidTransition,
    Post,
    PostRevision,
    PostStatus,
)
from dialogue.notifications.services import notify

MAX_BODY = 10_000


class PostingRefused(Exception):
    """Posting, editing or flagging that is not allowed, with a message for the person."""


class AlreadyHandled(Exception):
    """Another moderator (or the author) changed the post first."""


# Called with a post when it becomes visible to everyone (on posting, or on approval),
# and when a visible post's text is edited (``first_time`` False): forums use it to
# notify subscribers, move the thread's latest activity and keep the thread's search
# entry (its title and opening post) current.
_publish_hooks: list[Callable[[Post, bool], None]] = []


def on_publish(hook: Callable[[Post, bool], None]) -> Callable[[Post, bool], None]:
    """Register ``hook(post, first_time)`` to run whenever a post is published."""
    if hook not in _publish_hooks:
        _publish_hooks.append(hook)
    return hook


# --- search ---------------------------------------------------------------------------

def _search():
    # The search service lives with briefings' content; until it exists posts simply
    # are not indexed.
    try:
        from dialogue import search
    except ImportError:
        return None
    return search


def index_post(post: Post, title: str) -> None:
    """Add a visible post to search, or take any other post out of it."""
    search = _search()
    if search is None:
        return
    if post.is_visible:
        search.index_document("post", post.id, title, post.body, post_url(post),
                              locality_id=post.locality_id)
    else:
        search.remove_document("post", post.id)


def _context_title(post: Post) -> str:
    if post.thread_id is not None:
        from dialogue.forums.models import Thread

        return db.session.scalar(select(Thread.title).where(Thread.id == post.thread_id)) or ""
    from dialogue.briefings.models import Finding

    title = db.session.scalar(select(Finding.title).where(Finding.id == post.finding_id))
    return f"Comment on: {title}" if title else "Comment"


def _publish(post: Post) -> None:
    """Side effects of a post becoming visible: search, and the forums' hooks (told
    whether this is its first appearance, so a restored post does not notify again)."""
    first_time = post.approved_at is None
    post.approved_at = post.approved_at or utcnow()
    index_post(post, _context_title(post))
    for hook in _publish_hooks:
        hook(post, first_time)


def publish_unreviewed(post: Post) -> Post:
    """Make a held post visible without a moderator (demo data only)."""
    if post.is_held:
        post.status = PostStatus.VISIBLE
        db.session.flush()
        _publish(post)
    return post


def with_author():
    """Load a post's author with the post: only the name shown, none of the account's
    roles or localities (which would cost a query per page for nothing)."""
    from dialogue.auth.models import User

    return joinedload(Post.author).options(
        load_only(User.id, User.display_name), lazyload(User.role_grants),
        lazyload(User.moderated_localities), lazyload(User.locality))


# --- reading --------------------------------------------------------------------------

def post_url(post: Post) -> str:
    """Where a post is shown (a redirect that finds its page)."""
    return url_for("moderation.show_post", post_id=post.id)


def visible_to(viewer) -> object:
    """Which posts a viewer sees in a listing: visible, hidden and deleted ones (as
    placeholders), plus their own held posts."""
    shown = Post.status.in_([PostStatus.VISIBLE, PostStatus.HIDDEN, PostStatus.DELETED])
    if getattr(viewer, "is_authenticated", False):
        return or_(shown, (Post.status == PostStatus.HELD) & (Post.author_id == viewer.id))
    return shown


def comment_counts(finding_ids: Iterable[int]) -> dict[int, int]:
    """Visible comments per finding, in one query (findings with none are left out)."""
    ids = list(finding_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Post.finding_id, func.count(Post.id))
        .where(Post.finding_id.in_(ids), Post.status == PostStatus.VISIBLE)
        .group_by(Post.finding_id)
    )
    return {finding_id: count for finding_id, count in rows}


def comments_for_finding(finding_id: int, viewer) -> list[tuple[Post, list[Post]]]:
    """The comment thread of a finding: top-level comments, each with its replies."""
    posts = db.session.scalars(
        select(Post).options(with_author())
        .where(Post.finding_id == finding_id, visible_to(viewer))
        .order_by(Post.created_at, Post.id)
    ).all()
    replies: dict[int, list[Post]] = {}
    top: list[Post] = []
    for post in posts:
        if post.parent_id is None:
            top.append(post)
        else:
            replies.setdefault(post.parent_id, []).append(post)
    top_ids = {post.id for post in top}
    # A reply whose parent this viewer cannot see still appears, at the top level.
    orphans = [p for pid, ps in replies.items() if pid not in top_ids for p in ps]
    return [(post, replies.get(post.id, [])) for post in sorted(
        top + orphans, key=lambda p: (p.created_at, p.id))]


def open_flags_by_user(user, post_ids: Iterable[int]) -> set[int]:
    """Which of these posts this user has already flagged."""
    ids = list(post_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        select(Flag.post_id).where(Flag.flagger_id == user.id, Flag.post_id.in_(ids))
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


def create_post(author, body: str, *, thread=None, finding=None, parent: Post | None = None,
                system: bool = False) -> Post:
    """Write a post in a thread or a comment on a finding; held if the author is new."""
    if not system and not permissions.can_contribute(author):
        raise PostingRefused("Your account cannot post at the moment")
    _check_body(body)
    if (thread is None) == (finding is None):
        raise ValueError("a post belongs to exactly one thread or finding")
    if parent is not None:
        same_place = (parent.thread_id == getattr(thread, "id", None)
                      and parent.finding_id == getattr(finding, "id", None))
        if not same_place:
            raise PostingRefused("You can only reply to a post in the same discussion")
        if finding is not None and parent.parent_id is not None:
            parent = db.session.get(Post, parent.parent_id)  # one level of replies
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
        post.education_role = author.education_role
        post.phase = author.phase
        post.school_type = author.school_type
        post.author_locality_id = author.locality_id
    db.session.add(post)
    db.session.flush()
    if post.is_visible:
        _publish(post)
    return post


def edit_post(post: Post, user, body: str) -> Post:
    """The author changes their text within the edit window; the old text is kept."""
    if not post.editable_by(user):
        raise PostingRefused("You can no longer edit this post")
    _check_body(body)
    if body == post.body:
        return post
    db.session.add(PostRevision(post_id=post.id, body=post.body, body_html=post.body_html,
                                edited_at=utcnow()))
    post.body = body
    post.body_html = render_user_markdown(body)
    post.edited_at = utcnow()
    db.session.flush()
    if post.is_visible:
        index_post(post, _context_title(post))
        for hook in _publish_hooks:
            hook(post, False)
    return post


def revisions(post: Post) -> list[PostRevision]:
    """Earlier texts of a post, newest first."""
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .order_by(PostRevision.edited_at.desc(), PostRevision.id.desc())
    ))


def delete_post(post: Post, user) -> Post:
    """The author deletes their post: a placeholder stays, the text and its history go."""
    if not permissions.can_edit_own(user, post.author_id):
        raise PostingRefused("You can only delete your own posts")
    try:
        allowed = post.check("delete")
    except InvalidTransition as error:
        raise PostingRefused("This post has already been deleted") from error
    now = utcnow()
    result = db.session.execute(
        update(Post).where(Post.id == post.id, Post.status.in_(allowed))
        .values(status=PostStatus.DELETED, deleted_at=now, body="", body_html="",
                moderation_version=Post.moderation_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise PostingRefused("This post has already been deleted")
    db.session.execute(PostRevision.__table__.delete().where(PostRevision.post_id == post.id))
    db.session.execute(Flag.__table__.update().where(
        Flag.post_id == post.id, Flag.resolved_at.is_(None)).values(resolved_at=now))
    db.session.refresh(post)
    index_post(post, "")
    return post


def flag_post(post: Post, user, reason: FlagReason | str, detail: str = "") -> bool:
    """Flag a post for moderators; returns True if this flag hid it (the threshold)."""
    if not permissions.can_flag(user):
        raise PostingRefused("Your account cannot flag posts at the moment")
    if not post.is_visible:
        raise PostingRefused("This post is no longer shown, so it cannot be flagged")
    if post.author_id == user.id:
        raise PostingRefused("You cannot flag your own post")
    reason = FlagReason(reason)
    if reason == FlagReason.OTHER and not detail.strip():
        raise PostingRefused("Say what is wrong with this post")
    already = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.flagger_id == user.id))
    if already is not None:
        raise PostingRefused("You have already flagged this post")
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
    index_post(post, "")
    if post.author_id is not None:
        notify(_author(post), "Your post has been hidden after several people flagged it. "
               "A moderator will review it.", post_url(post))
    return True


# --- moderation decisions ---------------------------------------------------------------

def _author(post: Post):
    from dialogue.auth.models import User

    return db.session.get(User, post.author_id)


def _decide(post: Post, moderator, action: str, seen_version: int | None, **values) -> None:
    if not permissions.can_moderate(moderator, post.locality_id):
        raise PermissionError("not a moderator here")
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
    now = utcnow()
    db.session.execute(Flag.__table__.update().where(
        Flag.post_id == post.id, Flag.resolved_at.is_(None)).values(resolved_at=now))
    db.session.refresh(post)


def approve_post(post: Post, moderator, seen_version: int | None = None) -> Post:
    """Publish a held post, or keep a flagged visible post and dismiss its flags."""
    was_held = post.is_held
    _decide(post, moderator, "approve", seen_version, status=PostStatus.VISIBLE)
    audit.record("moderation", "approve" if was_held else "dismiss_flags", moderator, "post",
                 post.id, locality_id=post.locality_id)
    if was_held:
        _publish(post)
        if post.author_id is not None:
            notify(_author(post), "A moderator approved your post; everyone can see it now.",
                   post_url(post))
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
    index_post(post, "")
    if post.author_id is not None:
        notify(_author(post), f"A moderator hid your post. Reason: {reason}", post_url(post))
    return post


def restore_post(post: Post, moderator, seen_version: int | None = None) -> Post:
    """Show a hidden post again."""
    _decide(post, moderator, "restore", seen_version, status=PostStatus.VISIBLE,
            hidden_at=None, hidden_by_id=None, hidden_reason="")
    audit.record("moderation", "restore", moderator, "post", post.id,
                 locality_id=post.locality_id)
    _publish(post)
    if post.author_id is not None:
        notify(_author(post), "A moderator restored your post; everyone can see it again.",
               post_url(post))
    return post


def suspend_user(user, moderator, days: int, reason: str, *, locality_id: int | None) -> None:
    """Stop someone posting for a number of days (from a post the moderator may act on)."""
    if not permissions.can_moderate(moderator, locality_id):
        raise PermissionError("not a moderator here")
    if user.id == moderator.id:
        raise PostingRefused("You cannot suspend yourself")
    if permissions.can_moderate_somewhere(user):
        raise PostingRefused("Moderators and administrators cannot be suspended here")
    reason = (reason or "").strip()
    if not reason:
        raise PostingRefused("Give a reason: the person will see it")
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


# --- the queue --------------------------------------------------------------------------

def _open_flag_counts():
    return (select(Flag.post_id, func.count(Flag.id).label("open_flags"))
            .where(Flag.resolved_at.is_(None)).group_by(Flag.post_id).subquery())


def queue_query(moderator, locality_id: int | None = None, *, comments_only: bool = False):
    """Held posts and posts with open flags that this moderator may act on, oldest first."""
    flags = _open_flag_counts()
    statement = (
        select(Post)
        .outerjoin(flags, flags.c.post_id == Post.id)
        .options(with_author())
        .where(or_(Post.status == PostStatus.HELD,
                   (flags.c.open_flags > 0) & (Post.status != PostStatus.DELETED)))
        .order_by(Post.created_at, Post.id)
    )
    limited_to = permissions.moderated_locality_ids(moderator)
    if limited_to is not None:
        statement = statement.where(Post.locality_id.in_(limited_to))
    if comments_only:
        statement = statement.where(Post.finding_id.is_not(None))
    elif locality_id is not None:
        statement = statement.where(Post.locality_id == locality_id)
    return statement


def flags_for(post_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """Open flags of these posts, with who flagged, grouped by post."""
    ids = list(post_ids)
    grouped: dict[int, list[Flag]] = {pid: [] for pid in ids}
    if ids:
        for flag in db.session.scalars(
            select(Flag).options(joinedload(Flag.flagger))
            .where(Flag.post_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.created_at)
        ):
            grouped[flag.post_id].append(flag)
    return grouped


def flag_label(reason: str) -> str:
    return FLAG_REASON_LABELS.get(FlagReason(reason), reason)
