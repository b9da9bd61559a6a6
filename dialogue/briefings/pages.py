"""Briefing pages, rendered once per content version and kept per process.

A briefing page is mostly static: its stored HTML, figures, contents and links to
the neighbouring briefings change only when content is imported. That part is
rendered once into ``RenderedPage.parts``, with slots left for what differs per
request (the reaction widget, which depends on who is asking, and the discussion
link with its comment count). Requests then fill the slots instead of rendering the
whole briefing again. The cache key is a digest of every live briefing's id, content
hash and import time, so any import, retirement or reordering invalidates it; it is a
pure function of the database, so workers holding different copies cannot disagree.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import select

from dialogue.briefings.models import Briefing, GlossaryTerm
from dialogue.extensions import db

_SLOT = "\ue002"
_SLOT_RE = re.compile(f"{_SLOT}(reaction|discussion):(\\d+){_SLOT}")
_lock = threading.Lock()


@dataclass(frozen=True)
class FindingStub:
    """What the per-request slots need to know about a finding."""

    id: int
    key: str
    title: str
    is_retired: bool = False


@dataclass(frozen=True)
class RenderedPage:
    briefing_id: int
    slug: str
    title: str
    parts: tuple[Any, ...]  # str, or ("reaction" | "discussion", finding id)
    findings: dict[int, FindingStub]


def _slot(kind: str, finding_id: int) -> Markup:
    return Markup(f"{_SLOT}{kind}:{int(finding_id)}{_SLOT}")  # noqa: S704 - no user text


def _live_rows() -> list:
    """Id, slug, title and version columns of the live briefings, in reading order."""
    return db.session.execute(
        select(Briefing.id, Briefing.slug, Briefing.title, Briefing.content_hash,
               Briefing.imported_at)
        .where(Briefing.retired_at.is_(None)).order_by(Briefing.position, Briefing.slug)
    ).all()


def _version(rows) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.id}|{row.slug}|{row.content_hash}|{row.imported_at}\n".encode())
    return digest.hexdigest()


def _render(slug: str, rows) -> RenderedPage:
    briefing = db.session.scalar(select(Briefing).where(Briefing.slug == slug))
    findings = [f for f in briefing.findings if not f.is_retired]
    index_of = next(i for i, row in enumerate(rows) if row.id == briefing.id)
    previous = rows[index_of - 1] if index_of > 0 else None
    following = rows[index_of + 1] if index_of + 1 < len(rows) else None
    terms = []
    if briefing.is_glossary:
        terms = db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.position)).all()
    html = render_template("briefings/_body.html", briefing=briefing,
                           by_key={f.key: f for f in findings}, previous=previous,
                           following=following, glossary_terms=terms, slot=_slot)
    parts: list[Any] = []
    position = 0
    for match in _SLOT_RE.finditer(html):
        parts.append(html[position:match.start()])
        parts.append((match.group(1), int(match.group(2))))
        position = match.end()
    parts.append(html[position:])
    return RenderedPage(
        briefing_id=briefing.id, slug=briefing.slug, title=briefing.title,
        parts=tuple(p for p in parts if p != ""),
        findings={f.id: FindingStub(f.id, f.key, f.title) for f in findings},
    )


def briefing_page(slug: str) -> RenderedPage | None:
    """The rendered static part of a live briefing's page, or None if there is none."""
    rows = _live_rows()
    if not any(row.slug == slug for row in rows):
        return None
    version = _version(rows)
    cache: dict = current_app.extensions.setdefault("briefing_pages", {})
    hit = cache.get(slug)
    if hit is not None and hit[0] == version:
        return hit[1]
    page = _render(slug, rows)
    with _lock:
        if len(cache) > 256:  # only live slugs ever get here; this is a safety net
            cache.clear()
        cache[slug] = (version, page)
    return page
