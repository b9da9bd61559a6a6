"""Briefing pages, rendered once per content version and kept per process.

A briefing page is mostly static: its stored HTML, figures, contents and links to
the neighbouring briefings change only when content is imported. That part is
rendered once into ``RenderedPage.parts``, with slots left for what differs per
request (the reaction widget, which depends on who is asking, and the discussion
link with its comment count). Requests then fill the slots instead of rendering the
whole briefing again. The cache is checked against one cheap query (the number of
briefings and the latest import and retirement stamps), made at most once a second per
process, so any import, retirement or reordering invalidates it within a second; it is
a function of the database only, so workers holding their own copies cannot disagree
for longer than that.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, url_for
from markupsafe import Markup
from sqlalchemy import select, text

from dialogue.briefings.comments import comment_counts as count_comments
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
    discussion_url: str = ""
    is_retired: bool = False
    is_methods: bool = False


@dataclass(frozen=True)
class RenderedPage:
    briefing_id: int
    slug: str
    title: str
    parts: tuple[Any, ...]  # str, or ("reaction" | "discussion", finding id)
    findings: dict[int, FindingStub]
    # The reaction slot as anonymous visitors see it (a sign-in prompt) is the same
    # for everyone, so it is rendered here too.
    anonymous_widgets: dict[int, str]


def _slot(kind: str, finding_id: int) -> Markup:
    return Markup(f"{_SLOT}{kind}:{int(finding_id)}{_SLOT}")  # noqa: S704 - no user text


def _version() -> str:
    """Changes whenever an import adds, changes, retires or restores a briefing (the
    importer stamps ``imported_at`` or ``retired_at``). One cheap row, every request."""
    row = db.session.execute(text(
        "SELECT count(*), max(imported_at), max(retired_at) FROM briefings"
    )).one()
    return "|".join(str(value) for value in row)


def _live_rows() -> list:
    """Id, slug, title and version columns of the live briefings, in reading order."""
    return db.session.execute(
        select(Briefing.id, Briefing.slug, Briefing.title, Briefing.content_hash,
               Briefing.imported_at)
        .where(Briefing.retired_at.is_(None)).order_by(Briefing.position, Briefing.slug)
    ).all()


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
    stubs = {
        f.id: FindingStub(f.id, f.key, f.title,
                          url_for("briefings.finding", key=f.key, _anchor="discussion"),
                          is_methods=briefing.kind == "methods")
        for f in findings
    }
    anonymous = {
        stub.id: render_template("briefings/_reaction.html", finding=stub, anonymous=True,
                                 my_reactions={}, totals={}, origin="briefing")
        for stub in stubs.values()
    }
    return RenderedPage(
        briefing_id=briefing.id, slug=briefing.slug, title=briefing.title,
        parts=tuple(p for p in parts if p != ""), findings=stubs,
        anonymous_widgets=anonymous,
    )


def discussion_link(stub: FindingStub, counts: dict[int, int]) -> str:
    """The link to a finding's discussion with its comment count (plain Python: it is
    filled in ten or twenty times per page view)."""
    count = counts.get(stub.id, 0)
    if count == 0:
        text = "Start the discussion of this finding"
    else:
        text = f"Read the discussion ({count} comment{'' if count == 1 else 's'})"
    href = html.escape(stub.discussion_url)
    return (f'<p class="govuk-body"><a class="govuk-link" href="{href}">{text}'
            f'<span class="govuk-visually-hidden">: {html.escape(stub.title)}</span></a></p>')


def assemble(page: RenderedPage, counts: dict[int, int],
             reaction: Callable[[FindingStub], str] | None = None) -> Markup:
    """The page body with its slots filled; ``reaction`` renders a signed-in person's
    widget (None: the anonymous prompt rendered with the page)."""
    out = []
    for part in page.parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "discussion":
            out.append(discussion_link(page.findings[part[1]], counts))
        elif reaction is None:
            out.append(page.anonymous_widgets[part[1]])
        else:
            out.append(reaction(page.findings[part[1]]))
    return Markup("".join(out))  # noqa: S704 - parts are our own rendered templates


def _current_version() -> str:
    """The content version, asked of the database at most every
    BRIEFING_PAGE_CHECK_SECONDS (default 1; 0 under test) per process: after an
    import, other workers serve the old page for at most that long."""
    state: dict = current_app.extensions.setdefault("briefing_version", {})
    now = time.monotonic()
    if "version" not in state or now - state["checked"] >= _interval():
        state["version"], state["checked"] = _version(), now
    return state["version"]


def _interval() -> float:
    return float(current_app.config["BRIEFING_PAGE_CHECK_SECONDS"])


def comment_counts(page: RenderedPage) -> dict[int, int]:
    """Comment counts for the page's findings, kept per process for the same interval
    as the version: a new comment shows in the count on the briefing page within a
    second (the finding's own page always reads them fresh)."""
    cache: dict = current_app.extensions.setdefault("briefing_comment_counts", {})
    now = time.monotonic()
    hit = cache.get(page.slug)
    if hit is not None and now - hit[0] < _interval():
        return hit[1]
    counts = count_comments(list(page.findings))
    cache[page.slug] = (now, counts)
    return counts


def forget() -> None:
    """Drop this process's rendered pages (the importer calls this after writing)."""
    current_app.extensions.pop("briefing_version", None)
    current_app.extensions.pop("briefing_pages", None)
    current_app.extensions.pop("briefing_comment_counts", None)
    current_app.extensions.pop("briefing_fragments", None)


def cached(key: str, build: Callable[[], Any]) -> Any:
    """A value that is the same for every visitor, rebuilt when content changes.
    Callers pass only keys from a small known set (never raw user input)."""
    version = _current_version()
    cache: dict = current_app.extensions.setdefault("briefing_fragments", {})
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = build()
    with _lock:
        cache[key] = (version, value)
    return value


def briefing_page(slug: str) -> RenderedPage | None:
    """The rendered static part of a live briefing's page, or None if there is none."""
    version = _current_version()
    cache: dict = current_app.extensions.setdefault("briefing_pages", {})
    hit = cache.get(slug)
    if hit is not None and hit[0] == version:
        return hit[1]
    rows = _live_rows()
    if not any(row.slug == slug for row in rows):
        return None
    page = _render(slug, rows)
    with _lock:
        if len(cache) > 256:  # only live slugs ever get here; this is a safety net
            cache.clear()
        cache[slug] = (version, page)
    return page
