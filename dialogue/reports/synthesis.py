"""The synthesised PDF: a bounded summary of the data in scope, built as a background job.

The document's length does not grow with the data: every section is an aggregate
from SQL or a bounded sample, and full texts are left to the CSV export. The same
filters on the same data give the same document: no timestamps, every list ordered.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from dialogue.extensions import db
from dialogue.pdf import render_pdf_limited
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS
from dialogue.reports import analysis, consensus_maps
from dialogue.reports.contributions import scoped_to
from dialogue.reports.exports import data_version
from dialogue.reports.filters import Filters
from dialogue.reports.models import KIND_LABELS
from dialogue.reports.quotes import sample_quotes
from dialogue.reports.redaction import Redactor
from dialogue.workshops.models import Workshop

DETAILED_FINDINGS = 10  # findings with a chart, breakdowns and quotes (most reacted first)
QUOTES_PER_CODE = 3
QUOTES_PER_FINDING = 2
MAX_WORKSHOP_QUESTIONS = 12
QA_WORKSHOPS = 6  # workshops whose Q&A questions are sampled
QUOTES_PER_QA = 3
# Audience questions are short (at most 280 characters); the 40-character floor of
# quotes would leave most of them out.
QA_MIN_LENGTH = 15


def describe_filters(filters: Filters) -> list[tuple[str, str]]:
    """The filters as (label, value) words for people."""
    choices = analysis.filter_choices()
    lookups = {
        "locality": ("Locality", dict(choices["localities"])),
        "phase": ("Phase", {k.value: v for k, v in PHASE_LABELS.items()}),
        "school_type": ("School type", {k.value: v for k, v in SCHOOL_TYPE_LABELS.items()}),
        "education_role": ("Role in education",
                           {k.value: v for k, v in EDUCATION_ROLE_LABELS.items()}),
        "date_from": ("From", {}), "date_to": ("To", {}),
        "briefing": ("Briefing", dict(choices["briefings"])),
        "finding": ("Finding", dict(choices["findings"])),
        "workshop": ("Workshop", dict(choices["workshops"])),
        "code": ("Theme code", dict(choices["codes"])),
        "kind": ("Kind of contribution", KIND_LABELS),
    }
    described = []
    for name, value in filters.items():
        label, names = lookups[name]
        key = int(value) if value.isdigit() and name not in ("date_from", "date_to") else value
        described.append((label, str(names.get(key, value))))
    return described


def qa_workshops(filters: Filters, limit: int) -> list[dict]:
    """The first ``limit`` workshops (by id) with Q&A questions in scope: id and title.

    Titles only, no counts: how many asked is the kind's figure in the participation
    table, protected there with the other kinds.
    """
    c, scoped = scoped_to(filters)
    ids = select(c.c.workshop_id).where(c.c.kind == "qa").distinct()
    return [{"id": wid, "title": title} for wid, title in db.session.execute(
        select(Workshop.id, Workshop.title).where(Workshop.id.in_(scoped(ids)))
        .order_by(Workshop.id).limit(limit))]


def build_html(filters: Filters, progress=lambda percent: None) -> str:
    """The synthesis document as HTML, ready for ``render_pdf``.

    Its length is bounded whatever the data: one summary row per finding, full detail
    for the most reacted-to few, capped workshop questions, and a few quotes per code.
    """
    participation = analysis.participation(filters)
    progress(15)
    findings = analysis.reaction_shares(filters)
    detailed_ids = {f["id"] for f in sorted(
        (f for f in findings if not f["overall"].suppressed),
        key=lambda f: (-f["overall"].people, f["order"]))[:DETAILED_FINDINGS]}
    detailed = [f for f in findings if f["id"] in detailed_ids]
    progress(30)
    redactor = Redactor()
    finding_quotes = sample_quotes(filters, by="finding", keys=sorted(detailed_ids),
                                            k=QUOTES_PER_FINDING, redactor=redactor)
    for finding in detailed:
        finding["chart"] = analysis.shares_chart(finding["overall"], finding["title"])
        finding["quotes"] = finding_quotes.get(finding["id"], [])
    progress(45)
    workshops = analysis.workshop_results(filters)[:MAX_WORKSHOP_QUESTIONS]
    qa = qa_workshops(filters, QA_WORKSHOPS)
    qa_quotes = sample_quotes(filters, by="workshop", keys=[w["id"] for w in qa],
                              k=QUOTES_PER_QA, redactor=redactor, min_length=QA_MIN_LENGTH)
    for entry in qa:
        entry["quotes"] = qa_quotes.get(entry["id"], [])
    localities = analysis.locality_view(filters)
    consensus = consensus_maps.summaries(filters)
    progress(55)
    codes = analysis.code_counts(filters)
    code_quotes = sample_quotes(
        filters, by="code", keys=[e["code"].id for e in codes if e["count"]],
        k=QUOTES_PER_CODE, redactor=redactor)
    for entry in codes:
        entry["quotes"] = code_quotes.get(entry["code"].id, [])
    progress(65)
    return render_template(
        "reports/synthesis.html",
        filters=describe_filters(filters), filters_query=filters.query_string(),
        version=data_version(filters), participation=participation, findings=findings,
        detailed=detailed, workshops=workshops, qa=[e for e in qa if e["quotes"]],
        localities=localities, codes=codes,
        consensus_maps=consensus,
        kind_labels=KIND_LABELS, small_cell=analysis.SMALL_CELL, figure_for=analysis.figure_for,
        answers=analysis.ANSWERS, answer_labels=analysis.ANSWER_LABELS,
    )


def render(html: str) -> bytes:
    """Render the HTML to PDF in a niced, time- and memory-limited child process."""
    return render_pdf_limited(html)
