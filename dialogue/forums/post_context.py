"""How forum threads describe their posts to the discussion layer."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from dialogue.discussion.contexts import PostContext
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.forums.services import page_of_post


def _describe(posts: list[Post]) -> dict[int, str]:
    ids = {post.thread_id for post in posts}
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(ids)))}
    return {post.id: f"{threads[post.thread_id].locality.name}: {threads[post.thread_id].title}"
            for post in posts}


def _title(post: Post) -> str:
    return db.session.scalar(select(Thread.title).where(Thread.id == post.thread_id)) or ""


def _locate(post: Post, viewer) -> str:
    page = page_of_post(post, viewer)
    return url_for("forums.thread", thread_id=post.thread_id,
                   page=page if page > 1 else None, _anchor=f"post-{post.id}")


def _listed(post: Post) -> bool:
    return db.session.scalar(select(Thread.deleted_at).where(Thread.id == post.thread_id)) is None


THREAD_POSTS = PostContext(kind="thread", noun="post", describe=_describe, title=_title,
                           locate=_locate, listed=_listed)
