"""The synthesised PDF: a bounded summary of the data in scope, built as a background job.

The document's length does not grow with the data: every section is an aggregate
from SQL or a bounded sample, and full texts are left to the CSV export. The same
filters on the same data give the same document: no timestamps, every list ordered.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qsl

from flask import current_app, render_template

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.reports import analysis
from dialogue.reports.contributions import KIND_LABELS, Filters
from dialogue.reports.exports import data_version
from dialogue.reports.models import JobState, SynthesisJob

log = logging.getLogger(__name__)

DETAILED_FINDINGS = 10  # findings with a chart, breakdowns and quotes (most reacted first)
QUOTES_PER_CODE = 3
QUOTES_PER_FINDING = 2
MAX_WORKSHOP_QUESTIONS = 12


def describe_filters(filters: Filters) -> list[tuple[str, str]]:
    """The filters as (label, value) words for people."""
    from dialogue.auth.models import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS

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


def _chart(shares: analysis.Shares, title: str):
    from dialogue.charts import bar_chart

    rows = [(analysis.ANSWER_LABELS[a], round((shares.share(a) or 0) * 100))
            for a in analysis.ANSWERS]
    return bar_chart(rows, title=title, max_value=100, unit="%", value_header="Share",
                     table=False)


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
    redactor = analysis.Redactor()
    finding_quotes = analysis.sample_quotes(filters, by="finding", keys=sorted(detailed_ids),
                                            k=QUOTES_PER_FINDING, redactor=redactor)
    for finding in detailed:
        finding["chart"] = _chart(finding["overall"], finding["title"])
        finding["quotes"] = finding_quotes.get(finding["id"], [])
    progress(45)
    workshops = analysis.workshop_results(filters)[:MAX_WORKSHOP_QUESTIONS]
    localities = analysis.locality_view(filters)
    progress(55)
    codes = analysis.code_counts(filters)
    code_quotes = analysis.sample_quotes(
        filters, by="code", keys=[e["code"].id for e in codes if e["count"]],
        k=QUOTES_PER_CODE, redactor=redactor)
    for entry in codes:
        entry["quotes"] = code_quotes.get(entry["code"].id, [])
    progress(65)
    return render_template(
        "reports/synthesis.html",
        filters=describe_filters(filters), filters_query=filters.query_string(),
        version=data_version(filters), participation=participation, findings=findings,
        detailed=detailed, workshops=workshops, localities=localities, codes=codes,
        kind_labels=KIND_LABELS, small_cell=analysis.SMALL_CELL, cell=analysis.cell,
        answers=analysis.ANSWERS, answer_labels=analysis.ANSWER_LABELS,
    )


def render(html: str) -> bytes:
    """Render the HTML to PDF in a niced, time- and memory-limited child process."""
    from dialogue.pdf import render_pdf_limited

    return render_pdf_limited(html)


def _set_progress(job_id: int, percent: int) -> None:
    # Its own short transaction, so the page can show it while the job goes on.
    db.session.execute(db.update(SynthesisJob).where(SynthesisJob.id == job_id)
                       .values(progress=percent))
    db.session.commit()


def run_job(job_id: int) -> None:
    """The worker's entry point: build the PDF for one job, recording progress or failure."""
    from dialogue.jobs import JobFailed

    job = db.session.get(SynthesisJob, job_id)
    if job is None or job.state != JobState.QUEUED:
        return
    job.start()
    db.session.commit()
    try:
        filters = Filters.from_args(dict(parse_qsl(job.filters)))
        html = build_html(filters, progress=lambda p: _set_progress(job_id, p))
        _set_progress(job_id, 70)
        pdf = render(html)
    except JobFailed as error:
        db.session.rollback()
        _fail(job_id, f"The PDF could not be made: {error}.")
        return
    except Exception:
        db.session.rollback()
        log.exception("synthesis job %s failed", job_id)
        _fail(job_id, "The PDF could not be made because of an error on our side.")
        return
    job = db.session.get(SynthesisJob, job_id)
    retention = current_app.config.get("EXPORT_RETENTION", timedelta(hours=24))
    job.finish(pdf, utcnow() + retention)
    db.session.commit()


def _fail(job_id: int, message: str) -> None:
    job = db.session.get(SynthesisJob, job_id)
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
        job.fail(message)
        db.session.commit()
