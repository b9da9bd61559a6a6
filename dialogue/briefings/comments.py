"""Comments on findings: a finding's comment thread, its counts, and what the page shows.

A comment is a discussion ``Post`` with a ``finding_id``; replies go one level deep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import func, select

from dialogue.briefings.forms import CommentForm
from dialogue.discussion import services as posts
from dialogue.discussion.models import Post, PostStatus
from dialogue.discussion.viewer import Viewer, viewer_for
from dialogue.extensions import db


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
    found = db.session.scalars(
        select(Post).options(posts.with_author())
        .where(Post.finding_id == finding_id, posts.visible_to(viewer))
        .order_by(Post.created_at, Post.id)
    ).all()
    replies: dict[int, list[Post]] = {}
    top: list[Post] = []
    for post in found:
        if post.parent_id is None:
            top.append(post)
        else:
            replies.setdefault(post.parent_id, []).append(post)
    top_ids = {post.id for post in top}
    # A reply whose parent this viewer cannot see still appears, at the top level.
    orphans = [p for pid, ps in replies.items() if pid not in top_ids for p in ps]
    return [(post, replies.get(post.id, [])) for post in sorted(
        top + orphans, key=lambda p: (p.created_at, p.id))]


@dataclass(frozen=True)
class CommentSection:
    """What ``briefings/_comments.html`` shows under one finding, for the current user."""

    thread: list[tuple[Post, list[Post]]]
    flagged: set[int]
    form: CommentForm
    count: int
    me: Viewer


def comment_section(finding, form: CommentForm | None = None) -> CommentSection:
    """The comment thread of a finding as the current user sees it, with the form."""
    thread = comments_for_finding(finding.id, current_user)
    every = [p for top, replies in thread for p in (top, *replies)]
    form = form or CommentForm(formdata=None)
    form.body.id = f"comment-{finding.id}-body"  # several findings share one page
    return CommentSection(
        thread=thread,
        flagged=posts.open_flags_by_user(current_user, [p.id for p in every]),
        form=form,
        count=sum(1 for p in every if p.is_visible),
        me=viewer_for(current_user._get_current_object(), None),
    )


def reply_parent(finding, parent_id: int | None) -> Post | None:
    """The comment a reply answers, if it is one of this finding's (else a new comment)."""
    if not parent_id:
        return None
    parent = db.session.get(Post, parent_id)
    return parent if parent is not None and parent.finding_id == finding.id else None
