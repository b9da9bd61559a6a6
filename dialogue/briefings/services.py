"""Briefing services: importing content, reactions, finding lookups, PDFs.

Every function flushes and never commits; the caller (a view or the CLI) commits once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select

from dialogue import page_sections
from dialogue.briefings import pages
from dialogue.briefings.content import ContentError, ParsedBriefing, load_content
from dialogue.briefings.models import (
    Briefing,
    Finding,
    GlossaryTerm,
    KeyFigure,
    Reaction,
    ReactionAnswer,
)
from dialogue.briefings.rendering import html_to_text
from dialogue.db import upsert_statement, utcnow
from dialogue.extensions import db
from dialogue.pdf import render_pdf, render_pdf_limited
from dialogue.refusals import InvalidTransition
from dialogue.search import index as search

PDF_VERSION = "1"


class ContentInvalid(Exception):
    """The content has errors; nothing was imported."""

    def __init__(self, errors: list[ContentError]):
        super().__init__(f"{len(errors)} error(s) in the briefing content")
        self.errors = errors


class FindingRetired(InvalidTransition):
    """The finding was retired; it takes no new reactions."""


RETIRED = "This finding has been retired, so it no longer takes reactions."


class MethodsStatement(InvalidTransition):
    """The finding says how the study was done; there is no experience to match."""


METHODS = ("This describes how the study was done, not what it found, so it does not "
           "take reactions.")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.changed or self.retired)


def _figures_of(finding: Finding) -> list[tuple]:
    return [(f.value, f.measures, f.base, f.source_key, f.source_label) for f in finding.figures]


def _apply_briefing(briefing: Briefing, parsed: ParsedBriefing) -> None:
    briefing.slug = parsed.slug
    briefing.title = parsed.title
    briefing.summary = parsed.summary
    briefing.position = parsed.order
    briefing.themes = parsed.themes
    briefing.sources = parsed.sources
    briefing.updated = parsed.updated
    briefing.is_glossary = parsed.is_glossary
    briefing.kind = parsed.kind
    briefing.body_html = parsed.body_html
    briefing.segments = parsed.segments
    briefing.toc = parsed.toc
    briefing.source_file = parsed.path.name
    briefing.content_hash = parsed.content_hash
    briefing.imported_at = utcnow()
    briefing.retired_at = None


def import_content(directory: str | Path | None = None) -> ImportReport:
    """Check every briefing file, then bring the database in line with them.

    Nothing is written unless the whole set is valid. Findings missing from the files
    are retired, never deleted, so their reactions and comments stay with them.
    """
    parsed_set, errors = load_content(directory or current_app.config["CONTENT_DIR"])
    if errors:
        raise ContentInvalid(errors)
    report = ImportReport()
    briefings = {b.slug: b for b in db.session.scalars(select(Briefing))}
    findings = {f.key: f for f in db.session.scalars(select(Finding))}
    seen_briefings: set[str] = set()
    seen_findings: set[str] = set()

    for parsed in parsed_set:
        seen_briefings.add(parsed.slug)
        briefing = briefings.get(parsed.slug)
        if briefing is None:
            briefing = Briefing(slug=parsed.slug)
            db.session.add(briefing)
            report.added.append(f"briefing {parsed.slug}")
        elif briefing.content_hash != parsed.content_hash or briefing.retired_at:
            report.changed.append(f"briefing {parsed.slug}")
        else:
            seen_findings.update(f.key for f in parsed.findings)
            continue  # same file, same rendering: nothing to do
        _apply_briefing(briefing, parsed)
        db.session.flush()
        for pf in parsed.findings:
            seen_findings.add(pf.key)
            finding = findings.get(pf.key)
            new_figures = [(f["value"], f["measures"], f["base"], f["source_key"],
                            f["source_label"]) for f in pf.figures]
            if finding is None:
                finding = Finding(key=pf.key)
                db.session.add(finding)
                findings[pf.key] = finding
                report.added.append(f"finding {pf.key}")
            elif (finding.title, finding.body_html, finding.briefing_id, finding.terms,
                  _figures_of(finding), finding.retired_at) != (
                      pf.title, pf.body_html, briefing.id, pf.terms, new_figures, None):
                # A finding that only moved up or down its briefing is not "changed".
                report.changed.append(f"finding {pf.key}")
            finding.briefing_id = briefing.id
            finding.title = pf.title
            finding.body_html = pf.body_html
            finding.body_text = pf.body_text
            finding.terms = pf.terms
            finding.position = pf.position
            finding.retired_at = None
            if _figures_of(finding) != new_figures:
                finding.figures.clear()
                db.session.flush()
                finding.figures.extend(
                    KeyFigure(position=i, value=f["value"], measures=f["measures"],
                              base=f["base"], source_key=f["source_key"],
                              source_label=f["source_label"])
                    for i, f in enumerate(pf.figures)
                )
        db.session.flush()
        _index_briefing(briefing, parsed)
        if parsed.is_glossary:
            _sync_glossary(parsed)

    for key, finding in findings.items():
        if key not in seen_findings and finding.retire():
            report.retired.append(f"finding {key}")
            search.remove_document("finding", finding.id)
    for slug, briefing in briefings.items():
        if slug not in seen_briefings and briefing.retired_at is None:
            briefing.retired_at = utcnow()
            report.retired.append(f"briefing {slug}")
            search.remove_document("briefing", briefing.id)
    db.session.flush()
    if not report.unchanged:
        pages.forget()
    return report


def _index_briefing(briefing: Briefing, parsed: ParsedBriefing) -> None:
    prose = " ".join(html_to_text(s["html"]) for s in parsed.segments if "html" in s)
    terms = " ".join(f"{t['term']}: {t['definition']}" for t in parsed.glossary_terms)
    search.index_document("briefing", briefing.id, briefing.title,
                          f"{briefing.summary} {prose} {terms}".strip(),
                          f"/briefings/{briefing.slug}")
    by_key = {f.key: f for f in briefing.findings}
    for pf in parsed.findings:
        finding = by_key[pf.key]
        figures = " ".join(f"{f['value']} {f['measures']} ({f['base']})" for f in pf.figures)
        search.index_document("finding", finding.id, finding.title,
                              f"{pf.body_text} {figures}".strip(),
                              f"/briefings/{briefing.slug}#{finding.key}")


def _sync_glossary(parsed: ParsedBriefing) -> None:
    existing = {t.key: t for t in db.session.scalars(select(GlossaryTerm))}
    for position, term in enumerate(parsed.glossary_terms):
        row = existing.pop(term["key"], None) or GlossaryTerm(key=term["key"])
        row.term, row.definition, row.position = term["term"], term["definition"], position
        db.session.add(row)
    for row in existing.values():  # terms have no dependants; the file is the truth
        db.session.delete(row)


# --- Reading ---------------------------------------------------------------------


def published_briefings(theme: str | None = None) -> list[Briefing]:
    """Live briefings in reading order, optionally only those with a theme."""
    rows = db.session.scalars(
        select(Briefing).where(Briefing.retired_at.is_(None))
        .order_by(Briefing.position, Briefing.slug)
    ).all()
    return [b for b in rows if theme is None or theme in b.themes]


def theme_slugs() -> list[str]:
    """Every theme used by a live briefing."""
    return sorted({t for b in published_briefings() for t in b.themes})


def headline_figures(briefing_ids: list[int], per_briefing: int = 2) -> dict[int, list]:
    """The first key figures of each briefing, for the index page."""
    rows = db.session.execute(
        select(Finding.briefing_id, KeyFigure)
        .join(KeyFigure, KeyFigure.finding_id == Finding.id)
        .where(Finding.briefing_id.in_(briefing_ids), Finding.retired_at.is_(None))
        .order_by(Finding.briefing_id, Finding.position, KeyFigure.position)
    ).all()
    result: dict[int, list] = {}
    for briefing_id, figure in rows:
        bucket = result.setdefault(briefing_id, [])
        if len(bucket) < per_briefing:
            bucket.append(figure)
    return result


# --- Reactions -------------------------------------------------------------------


def react(finding: Finding, user, answer: ReactionAnswer) -> None:
    """Record or change ``user``'s reaction, with a snapshot of their profile.

    One statement keyed on UNIQUE(finding_id, user_id), so two simultaneous requests
    cannot create two rows.
    """
    if finding.is_retired:
        raise FindingRetired(RETIRED)
    if finding.is_methods:
        raise MethodsStatement(METHODS)
    now = utcnow()
    values = {"finding_id": finding.id, "user_id": user.id, "answer": answer,
              "created_at": now, "updated_at": now, "education_role": user.education_role,
              "phase": user.phase, "school_type": user.school_type,
              "locality_id": user.locality_id}
    db.session.execute(upsert_statement(
        db.engine.dialect.name, Reaction, values, key=("finding_id", "user_id"),
        update=("answer", "updated_at", "education_role", "phase", "school_type",
                "locality_id")))
    db.session.flush()


def my_reactions(user, finding_ids: list[int]) -> dict[int, ReactionAnswer]:
    """This user's answers to these findings."""
    if not getattr(user, "is_authenticated", False) or not finding_ids:
        return {}
    return dict(db.session.execute(
        select(Reaction.finding_id, Reaction.answer)
        .where(Reaction.user_id == user.id, Reaction.finding_id.in_(finding_ids))
    ).all())


def reaction_totals(finding_ids: list[int]) -> dict[int, dict[ReactionAnswer, int]]:
    """COUNT(*) per answer for each finding (zeros included)."""
    totals = {fid: dict.fromkeys(ReactionAnswer, 0) for fid in finding_ids}
    if finding_ids:
        rows = db.session.execute(
            select(Reaction.finding_id, Reaction.answer, func.count())
            .where(Reaction.finding_id.in_(finding_ids))
            .group_by(Reaction.finding_id, Reaction.answer)
        ).all()
        for finding_id, answer, count in rows:
            totals[finding_id][answer] = count
    return totals


# --- PDF ---------------------------------------------------------------------------


def pdf_cache_path(briefing: Briefing) -> Path:
    folder = Path(current_app.instance_path) / "pdf-cache"
    # Sections other features add (published responses) change the file too.
    stamp, _ = page_sections.pdf_sections(briefing)
    extra = hashlib.sha256(stamp.encode()).hexdigest()[:12] if stamp else "0"
    return folder / (f"briefing-{briefing.slug}-{briefing.content_hash[:20]}-{extra}"
                     f"-v{PDF_VERSION}.pdf")


def build_briefing_pdf(briefing: Briefing, *, fetcher=None, limited: bool = False) -> bytes:
    """Render the briefing's stored HTML to PDF (no markdown is rendered here).

    ``limited``: in a niced child process with time and memory limits
    (``dialogue.jobs.run_limited``), so a render never competes with live requests.
    """
    # Site-relative links would point at the renderer's made-up origin in the PDF;
    # the glossary and cross-references read fine as plain text on paper.
    body = Markup(re.sub(r'\shref="/[^"]*"', "", briefing.body_html))  # noqa: S704
    _, sections = page_sections.pdf_sections(briefing)
    html = render_template("briefings/print.html", briefing=briefing, body=body,
                           sections=sections)
    if limited:
        return render_pdf_limited(html)
    return render_pdf(html, stylesheets=("css/print.css",), fetcher=fetcher)


def briefing_pdf(briefing: Briefing) -> Path:
    """The cached PDF for the briefing's current content, building it if missing.

    The file name carries the content hash, so a changed briefing gets a new file and
    an unchanged one is never rebuilt; the write is atomic so concurrent workers
    never serve half a file.
    """
    path = pdf_cache_path(briefing)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = build_briefing_pdf(briefing, limited=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    for stale in path.parent.glob(f"briefing-{briefing.slug}-*.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return path
