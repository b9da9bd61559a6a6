"""Forum operations: standing threads, new threads, replies, subscriptions, thread moderation.

Posts themselves (writing, editing, flagging, hiding) are the moderation package's; a
forum post is a ``Post`` with a ``thread_id``.
"""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import exists, false, func, or_, select, true

from dialogue import audit
from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.forums.models import STANDING_QUESTIONS, Subscription, Thread
from dialogue.localities import Locality, all_localities
from dialogue.moderation import services as posts
from dialogue.moderation.models import Post, PostStatus
from dialogue.notifications.services import notify

MAX_TITLE = 150


# --- standing threads -------------------------------------------------------------------

def ensure_standing_threads(localities: list[Locality] | None = None) -> list[Thread]:
    """Give every locality its three standing research-question threads (idempotent)."""
    created = []
    for locality in localities if localities is not None else all_localities():
        have = set(db.session.scalars(
            select(Thread.standing_key).where(Thread.locality_id == locality.id,
                                              Thread.standing_key.is_not(None))))
        for key, title, opening in STANDING_QUESTIONS:
            if key in have:
                continue
            thread = Thread(locality_id=locality.id, title=title, is_standing=True,
                            standing_key=key, pinned=True)
            db.session.add(thread)
            db.session.flush()
            posts.create_post(None, opening, thread=thread, system=True)
            created.append(thread)
    return created


# --- reading ----------------------------------------------------------------------------

def locality_summaries() -> list[tuple[Locality, int, object]]:
    """Each locality with its number of threads and its latest activity, in one query."""
    stats = (select(Thread.locality_id, func.count(Thread.id).label("threads"),
                    func.max(Thread.last_activity_at).label("latest"))
             .where(Thread.deleted_at.is_(None), is_published())
             .group_by(Thread.locality_id).subquery())
    rows = db.session.execute(
        select(Locality, func.coalesce(stats.c.threads, 0), stats.c.latest)
        .outerjoin(stats, stats.c.locality_id == Locality.id)
        .order_by(Locality.position, Locality.id)
    )
    return [(locality, count, latest) for locality, count, latest in rows]


def is_published():
    """A thread is public once one of its posts is visible (a new account's thread waits
    with its held opening post, so a spammer's title never reaches the listing)."""
    return exists().where(Post.thread_id == Thread.id, Post.status == PostStatus.VISIBLE)


def threads_page(locality: Locality, page: int, per_page: int = 20, *, viewer=None,
                 include_removed: bool = False):
    """A page of a locality's threads: pinned first, then newest activity first."""
    statement = (select(Thread).where(Thread.locality_id == locality.id)
                 .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(),
                           Thread.id.desc()))
    if not include_removed:
        statement = statement.where(Thread.deleted_at.is_(None))
        own = Thread.author_id == viewer.id if getattr(viewer, "is_authenticated", False) \
            else false()
        statement = statement.where(or_(is_published(), own))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def reply_counts(thread_ids: list[int]) -> dict[int, int]:
    """Visible replies (posts after the opening one) per thread, in one query."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        select(Post.thread_id, func.count(Post.id))
        .where(Post.thread_id.in_(thread_ids), Post.status == PostStatus.VISIBLE)
        .group_by(Post.thread_id))
    return {thread_id: max(count - 1, 0) for thread_id, count in rows}


def posts_page(thread: Thread, viewer, page: int, per_page: int = 50):
    """A page of a thread's posts (opening post first), with authors, in two queries.
    Moderators of the locality also see posts held for approval, in place."""
    shown = (true() if permissions.can_moderate(viewer, thread.locality_id)
             else posts.visible_to(viewer))
    statement = (select(Post).options(posts.with_author())
                 .where(Post.thread_id == thread.id, shown)
                 .order_by(Post.created_at, Post.id))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def page_of_post(post: Post, viewer, per_page: int = 50) -> int:
    """Which page of its thread a post is on, for this viewer."""
    before = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.thread_id == post.thread_id, posts.visible_to(viewer),
            (Post.created_at < post.created_at)
            | ((Post.created_at == post.created_at) & (Post.id < post.id))))
    return (before or 0) // per_page + 1


FINDING_LINK = re.compile(
    r"(?:/findings/|/briefings/[a-z0-9][a-z0-9-]*#)([a-z0-9][a-z0-9-]{0,119})", re.IGNORECASE)


def linked_finding_keys(text: str) -> list[str]:
    """Finding keys a post links to (``/findings/<key>`` or ``/briefings/<slug>#<key>``)."""
    seen: dict[str, None] = {}
    for match in FINDING_LINK.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def finding_cards(post_list: list[Post]) -> dict[str, object]:
    """The findings linked from these posts, by key, in one query (none if briefings
    have not been imported)."""
    keys = {key for post in post_list if post.is_visible or post.is_held
            for key in linked_finding_keys(post.body)}
    if not keys:
        return {}
    try:
        from dialogue.briefings.models import Finding
    except ImportError:
        return {}
    return {finding.key: finding for finding in db.session.scalars(
        select(Finding).where(Finding.key.in_(keys)))}


def thread_is_public(thread: Thread) -> bool:
    """Whether anyone may see this thread (one of its posts is visible)."""
    return bool(db.session.scalar(select(is_published()).where(Thread.id == thread.id)))


def is_subscribed(user, *, thread: Thread | None = None,
                  locality: Locality | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    statement = select(Subscription.id).where(Subscription.user_id == user.id)
    if thread is not None:
        statement = statement.where(Subscription.thread_id == thread.id)
    else:
        statement = statement.where(Subscription.locality_id == locality.id)
    return db.session.scalar(statement) is not None


# --- writing ----------------------------------------------------------------------------

def create_thread(author, locality: Locality, title: str, body: str) -> tuple[Thread, Post]:
    """Start a thread with its opening post; the author follows it."""
    if not permissions.can_post_in_locality(author, locality):
        raise posts.PostingRefused("You cannot start a thread here")
    title = (title or "").strip()
    if not title:
        raise posts.PostingRefused("Enter a title")
    if len(title) > MAX_TITLE:
        raise posts.PostingRefused(f"Title must be {MAX_TITLE} characters or fewer")
    thread = Thread(locality_id=locality.id, title=title, author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    post = posts.create_post(author, body, thread=thread)
    subscribe(author, thread=thread)
    return thread, post


def reply(author, thread: Thread, body: str, quoted: Post | None = None) -> Post:
    """Reply in a thread (optionally quoting one of its posts)."""
    if not permissions.can_contribute(author):
        raise posts.PostingRefused("Your account cannot post at the moment")
    if thread.is_deleted:
        raise posts.PostingRefused("This thread has been removed, so it takes no replies")
    if thread.locked:
        raise posts.PostingRefused("This thread is locked, so it takes no new replies")
    if not permissions.can_reply_to_thread(author, thread):
        raise posts.PostingRefused("You cannot reply in this thread")
    if quoted is not None and (quoted.thread_id != thread.id or not quoted.is_visible):
        quoted = None
    return posts.create_post(author, body, thread=thread, parent=quoted)


def subscribe(user, *, thread: Thread | None = None, locality: Locality | None = None) -> bool:
    """Follow a thread or a locality; False if already following."""
    if is_subscribed(user, thread=thread, locality=locality):
        return False
    db.session.add(Subscription(user_id=user.id, thread_id=getattr(thread, "id", None),
                                locality_id=getattr(locality, "id", None)))
    db.session.flush()
    return True


def unsubscribe(user, *, thread: Thread | None = None,
                locality: Locality | None = None) -> bool:
    """Stop following; False if not following."""
    statement = Subscription.__table__.delete().where(Subscription.user_id == user.id)
    if thread is not None:
        statement = statement.where(Subscription.thread_id == thread.id)
    else:
        statement = statement.where(Subscription.locality_id == locality.id)
    return (db.session.execute(statement).rowcount or 0) > 0


@posts.on_publish
def _post_published(post: Post, first_time: bool) -> None:
    """A forum post became visible: move the thread's activity, index it, tell followers."""
    if post.thread_id is None:
        return
    thread = db.session.get(Thread, post.thread_id)
    if first_time:
        thread.last_activity_at = utcnow()
    first_id = db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == thread.id))
    search = posts._search()
    if post.id == first_id:
        if search is not None:
            search.index_document("thread", thread.id, thread.title, post.body,
                                  url_for("forums.thread", thread_id=thread.id),
                                  locality_id=thread.locality_id)
        return
    if not first_time:
        return
    followers = set(db.session.scalars(
        select(Subscription.user_id).where(
            (Subscription.thread_id == thread.id)
            | (Subscription.locality_id == thread.locality_id))))
    followers.discard(post.author_id)
    if not followers:
        return
    from dialogue.auth.models import User

    for user in db.session.scalars(select(User).where(User.id.in_(followers),
                                                      User.active.is_(True))):
        notify(user, f"New reply in “{thread.title}”", posts.post_url(post))


# --- moderating threads -----------------------------------------------------------------

THREAD_ACTIONS = {
    "lock": ("locked", True), "unlock": ("locked", False),
    "pin": ("pinned", True), "unpin": ("pinned", False),
}


def moderate_thread(thread: Thread, moderator, action: str, reason: str = "") -> bool:
    """Lock, unlock, pin, unpin, remove or restore a thread; False if already so."""
    if not permissions.can_moderate(moderator, thread.locality_id):
        raise PermissionError("not a moderator here")
    if action in THREAD_ACTIONS:
        attribute, value = THREAD_ACTIONS[action]
        result = db.session.execute(
            Thread.__table__.update()
            .where(Thread.id == thread.id, getattr(Thread, attribute).is_not(value))
            .values({attribute: value}))
    elif action in ("remove", "restore"):
        removing = action == "remove"
        condition = Thread.deleted_at.is_(None) if removing else Thread.deleted_at.is_not(None)
        result = db.session.execute(
            Thread.__table__.update().where(Thread.id == thread.id, condition)
            .values(deleted_at=utcnow() if removing else None))
    else:
        raise ValueError(action)
    changed = (result.rowcount or 0) == 1
    db.session.refresh(thread)
    if changed:
        audit.record("moderation", f"{action}_thread", moderator, "thread", thread.id,
                     reason=reason, locality_id=thread.locality_id)
        if action in ("remove", "restore"):
            _reindex_thread(thread, removed=action == "remove")
    return changed


def _reindex_thread(thread: Thread, *, removed: bool) -> None:
    """A removed thread and its posts leave search; a restored one comes back."""
    search = posts._search()
    if search is None:
        return
    thread_posts = db.session.scalars(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
    if removed:
        search.remove_document("thread", thread.id)
        for post in thread_posts:
            search.remove_document("post", post.id)
        return
    for post in thread_posts:
        posts.index_post(post, thread.title)
    if thread_posts and thread_posts[0].is_visible:
        search.index_document("thread", thread.id, thread.title, thread_posts[0].body,
                              url_for("forums.thread", thread_id=thread.id),
                              locality_id=thread.locality_id)
