"""Forum operations: standing threads, new threads, replies, subscriptions, thread moderation.

Posts themselves (writing, editing, flagging, hiding) are the discussion layer's; a
forum post is a ``Post`` with a ``thread_id``. What forums do when a post changes is in
``dialogue.forums.subscribers``.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import exists, false, func, or_, select, true

from dialogue import audit
from dialogue.auth import permissions
from dialogue.db import utcnow
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post, PostStatus
from dialogue.discussion.services import PostingRefused
from dialogue.extensions import db
from dialogue.forums.models import STANDING_QUESTIONS, Subscription, Thread
from dialogue.localities import Locality, all_localities
from dialogue.moderation.subscribers import index_post
from dialogue.refusals import NotPermitted
from dialogue.search import index as search

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


def thread_is_public(thread: Thread) -> bool:
    """Whether anyone may see this thread (one of its posts is visible)."""
    return bool(db.session.scalar(select(is_published()).where(Thread.id == thread.id)))


def thread_posters(locality_id: int):
    """Who posted in a thread of this locality's space, as a select of account ids: the
    authors of its live threads' visible posts (held and hidden words, removed threads
    and erased authors do not count). Told when a results card or a response is
    published there (issue 17, point 4)."""
    return (select(Post.author_id).join(Thread, Thread.id == Post.thread_id)
            .where(Thread.locality_id == locality_id, Thread.deleted_at.is_(None),
                   Post.status == PostStatus.VISIBLE, Post.author_id.is_not(None)))


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
        raise PostingRefused("You cannot start a thread here")
    title = (title or "").strip()
    if not title:
        raise PostingRefused("Enter a title")
    if len(title) > MAX_TITLE:
        raise PostingRefused(f"Title must be {MAX_TITLE} characters or fewer")
    thread = Thread(locality_id=locality.id, title=title, author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    post = posts.create_post(author, body, thread=thread)
    subscribe(author, thread=thread)
    return thread, post


def reply(author, thread: Thread, body: str, quoted: Post | None = None) -> Post:
    """Reply in a thread (optionally quoting one of its posts)."""
    if not permissions.can_contribute(author):
        raise PostingRefused("Your account cannot post at the moment")
    if thread.is_deleted:
        raise PostingRefused("This thread has been removed, so it takes no replies",
                             status=409)
    if thread.locked:
        raise PostingRefused("This thread is locked, so it takes no new replies",
                             status=409)
    if not permissions.can_reply_to_thread(author, thread):
        raise PostingRefused("You cannot reply in this thread")
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


# --- moderating threads -----------------------------------------------------------------

THREAD_ACTIONS = {
    "lock": ("locked", True), "unlock": ("locked", False),
    "pin": ("pinned", True), "unpin": ("pinned", False),
}


def moderate_thread(thread: Thread, moderator, action: str, reason: str = "") -> bool:
    """Lock, unlock, pin, unpin, remove or restore a thread; False if already so."""
    if not permissions.can_moderate(moderator, thread.locality_id):
        raise NotPermitted("You cannot moderate this thread")
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


def opening_post_id(thread_id: int) -> int | None:
    """The id of a thread's opening post (its first)."""
    return db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == thread_id))


def refresh_thread_entry(thread: Thread) -> None:
    """The thread's search entry follows what everyone can see: its title and its opening
    post's text; the title alone once that post is hidden or deleted while replies are
    still shown; nothing while the thread is removed or not yet public."""
    if thread.is_deleted or not thread_is_public(thread):
        search.remove_document("thread", thread.id)
        return
    opening = db.session.get(Post, opening_post_id(thread.id))
    search.index_document("thread", thread.id, thread.title,
                          opening.body if opening.is_visible else "",
                          url_for("forums.thread", thread_id=thread.id),
                          locality_id=thread.locality_id)


def _reindex_thread(thread: Thread, *, removed: bool) -> None:
    """A removed thread and its posts leave search; a restored one comes back."""
    thread_posts = db.session.scalars(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
    if removed:
        search.remove_document("thread", thread.id)
        for post in thread_posts:
            search.remove_document("post", post.id)
        return
    for post in thread_posts:
        index_post(post)
    refresh_thread_entry(thread)
