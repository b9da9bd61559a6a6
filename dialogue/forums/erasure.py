"""What forums erase when someone removes their data (privacy's "remove" mode).

Their posts in threads go, and so do the threads they started that hold nobody else's
posts; a thread with other people's replies stays, its title unlinked from the account
(the ``SET NULL`` on ``threads.author_id``). Search entries go with what is deleted.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, or_, select

from dialogue.auth import erasure as registry
from dialogue.discussion.models import Post, in_context
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.search import index as search


def erase(user_id: int) -> None:
    """Delete the person's forum posts, and their threads nobody else wrote in."""
    others_wrote = exists().where(
        Post.thread_id == Thread.id, or_(Post.author_id.is_(None), Post.author_id != user_id)
    )
    thread_ids = list(db.session.scalars(
        select(Thread.id).where(Thread.author_id == user_id, ~others_wrote)))
    post_ids = list(db.session.scalars(
        select(Post.id).where(Post.author_id == user_id, in_context("thread"))))
    db.session.execute(delete(Post).where(Post.id.in_(post_ids)))
    db.session.execute(delete(Thread).where(Thread.id.in_(thread_ids)))
    for post_id in post_ids:
        search.remove_document("post", post_id)
    for thread_id in thread_ids:
        search.remove_document("thread", thread_id)


def register() -> None:
    """Tell privacy what forums erase, and that a post's revisions are its author's."""
    registry.register_eraser("forums", erase)
    registry.register_owned_rows("post_revisions", "post_id", "posts")
