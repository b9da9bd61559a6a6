"""What briefings erase when someone removes their data (privacy's "remove" mode): their
comments on findings, and those comments' search entries. Reactions go with the account
(``ON DELETE CASCADE``)."""

from __future__ import annotations

from sqlalchemy import delete, select

from dialogue.auth import erasure as registry
from dialogue.discussion.models import Post, in_context
from dialogue.extensions import db
from dialogue.search import index as search


def erase(user_id: int) -> None:
    """Delete the person's comments on findings."""
    comment_ids = list(db.session.scalars(
        select(Post.id).where(Post.author_id == user_id, in_context("finding"))))
    db.session.execute(delete(Post).where(Post.id.in_(comment_ids)))
    for comment_id in comment_ids:
        search.remove_document("post", comment_id)


def register() -> None:
    """Tell privacy what briefings erase, and that a comment's revisions are its author's."""
    registry.register_eraser("briefings", erase)
    registry.register_owned_rows("post_revisions", "post_id", "posts")
