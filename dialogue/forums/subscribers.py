"""What forums do when a post in a thread changes: the thread's latest activity, its
search entry (title and opening post, as everyone can see them) and its followers'
notifications.

Connected to the discussion signals by ``dialogue.forums.init_app``.
"""

from __future__ import annotations

from flask import Flask, url_for
from sqlalchemy import select

from dialogue.auth.models import User
from dialogue.db import utcnow
from dialogue.discussion import signals
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums.models import Subscription, Thread
from dialogue.forums.services import opening_post_id, refresh_thread_entry
from dialogue.notifications.services import notify


def _thread_of(post: Post) -> Thread | None:
    return db.session.get(Thread, post.thread_id) if post.context_kind == "thread" else None


def _tell_followers(thread: Thread, post: Post) -> None:
    followers = set(db.session.scalars(
        select(Subscription.user_id).where(
            (Subscription.thread_id == thread.id)
            | (Subscription.locality_id == thread.locality_id))))
    followers.discard(post.author_id)
    if not followers:
        return
    link = url_for("moderation.show_post", post_id=post.id)
    for user in db.session.scalars(select(User).where(User.id.in_(followers),
                                                      User.active.is_(True))):
        notify(user, f"New reply in “{thread.title}”", link)


def _published(sender, post: Post, first_time: bool, **extra) -> None:
    """A forum post became visible: move the thread's activity, index it, tell followers."""
    thread = _thread_of(post)
    if thread is None:
        return
    if first_time:
        thread.last_activity_at = utcnow()
    if post.id == opening_post_id(thread.id):
        refresh_thread_entry(thread)
    elif first_time:
        _tell_followers(thread, post)


def _opening_changed(sender, post: Post, **extra) -> None:
    """An opening post edited, hidden or deleted: its thread's search entry follows."""
    thread = _thread_of(post)
    if thread is not None and post.id == opening_post_id(thread.id):
        refresh_thread_entry(thread)


def connect(app: Flask) -> None:
    """Subscribe this application's forums to the discussion signals."""
    signals.post_published.connect(_published, app)
    for signal in (signals.post_edited, signals.post_hidden, signals.post_deleted):
        signal.connect(_opening_changed, app)
