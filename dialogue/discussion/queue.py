"""The moderation queue's data: held posts and posts with open flags."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from dialogue.auth import permissions
from dialogue.discussion.models import (
    FLAG_REASON_LABELS,
    Flag,
    FlagReason,
    Post,
    PostStatus,
    in_context,
)
from dialogue.discussion.services import with_author
from dialogue.extensions import db


def _open_flag_counts():
    return (select(Flag.post_id, func.count(Flag.id).label("open_flags"))
            .where(Flag.resolved_at.is_(None)).group_by(Flag.post_id).subquery())


def queue_query(moderator, locality_id: int | None = None, *, kind: str | None = None):
    """Held posts and posts with open flags that this moderator may act on, oldest first.

    ``kind`` keeps only posts in that kind of place (``"finding"``: finding comments);
    otherwise ``locality_id`` keeps one locality's."""
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
    if kind is not None:
        statement = statement.where(in_context(kind))
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
    """The words for a flag's reason."""
    return FLAG_REASON_LABELS.get(FlagReason(reason), reason)
