"""How findings describe their comments to the discussion layer, and the finding cards
shown under any post that links to a finding."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from dialogue.briefings.models import Finding
from dialogue.discussion.contexts import PostContext
from dialogue.discussion.models import Post
from dialogue.extensions import db

FINDING_LINK = re.compile(
    r"(?:/findings/|/briefings/[a-z0-9][a-z0-9-]*#)([a-z0-9][a-z0-9-]{0,119})", re.IGNORECASE)
CARD_TEMPLATE = "briefings/_finding_card.html"


def _findings(ids: set[int]) -> dict[int, Finding]:
    return {f.id: f for f in db.session.scalars(select(Finding).where(Finding.id.in_(ids)))}


def _describe(posts: list[Post]) -> dict[int, str]:
    findings = _findings({post.finding_id for post in posts})
    return {post.id: (f"Comment on the finding “{findings[post.finding_id].title}”"
                      if post.finding_id in findings else "Comment") for post in posts}


def _title(post: Post) -> str:
    title = db.session.scalar(select(Finding.title).where(Finding.id == post.finding_id))
    return f"Comment on: {title}" if title else "Comment"


def _locate(post: Post, viewer) -> str:
    key = db.session.scalar(select(Finding.key).where(Finding.id == post.finding_id))
    return url_for("briefings.finding", key=key, _anchor=f"post-{post.id}")


FINDING_COMMENTS = PostContext(kind="finding", noun="comment", describe=_describe,
                               title=_title, locate=_locate)


def linked_finding_keys(text: str) -> list[str]:
    """Finding keys a post links to (``/findings/<key>`` or ``/briefings/<slug>#<key>``)."""
    seen: dict[str, None] = {}
    for match in FINDING_LINK.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def finding_cards(posts: list[Post]) -> dict[int, list[tuple[str, Finding]]]:
    """The findings each forum post links to, as cards, in one query."""
    wanted = {post.id: linked_finding_keys(post.body) for post in posts
              if post.context_kind == "thread" and (post.is_visible or post.is_held)}
    keys = {key for found in wanted.values() for key in found}
    if not keys:
        return {}
    by_key = {finding.key: finding for finding in db.session.scalars(
        select(Finding).where(Finding.key.in_(keys)))}
    return {post_id: [(CARD_TEMPLATE, by_key[key]) for key in found if key in by_key]
            for post_id, found in wanted.items() if any(key in by_key for key in found)}
