"""Data exports for the current filters: CSV files, their README, and the zip bundle.

Every CSV goes through ``dialogue.csvexport.to_csv`` (BOM, RFC 4180 quoting, formula
neutralising). Rows come from the same contributions layer as the dashboard, the PDF
and the API, so all four agree.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from dialogue.auth.models import User
from dialogue.briefings.models import Briefing, Finding
from dialogue.consensus import research as consensus_research
from dialogue.csvexport import to_csv
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.reports.contributions import filtered, locality_names, pseudonym
from dialogue.reports.filters import Filters
from dialogue.reports.models import Code, Coding
from dialogue.reports.polls import chosen_labels, workshop_results
from dialogue.reports.services import codebook
from dialogue.workshops.models import Question, Workshop

CONTRIBUTION_COLUMNS = [
    ("kind", "reaction, comment (on a finding), post (in a locality forum), response "
             "(to a workshop question) or qa (a question asked in a workshop's Q&A)"),
    ("id", "The contribution's id within its kind; (kind, id) is unique"),
    ("person", "Stable pseudonym of the person (the same in every export and the API)"),
    ("education_role", "The person's role in education when they contributed"),
    ("phase", "Their school phase when they contributed"),
    ("school_type", "Their school type when they contributed"),
    ("locality", "Their locality when they contributed (workshops: the workshop's locality)"),
    ("briefing", "The briefing of the finding, for reactions and comments"),
    ("finding_key", "The finding's stable key, for reactions and comments"),
    ("finding", "The finding's title"),
    ("thread_id", "The forum thread, for posts"),
    ("workshop", "The workshop, for responses and Q&A questions"),
    ("question", "The workshop question, for responses"),
    ("answer", "Reactions: matches, partly or does_not_match; responses: the option or "
               "scale point chosen, the options chosen (separated by semicolons) or the "
               "ranking in order (\"1. X; 2. Y\")"),
    ("text", "What the person wrote, verbatim (comments, posts, open-text answers, "
             "Q&A questions)"),
    ("codes", "Codes any researcher applied, separated by semicolons"),
    ("moderation_status", "Always visible: held, hidden and deleted material is excluded"),
    ("created_at", "When it was written (reactions: when last answered), UTC ISO 8601"),
]
PARTICIPANT_COLUMNS = [
    ("person", "Stable pseudonym, as in contributions.csv"),
    ("education_role", "Role in education now (profile)"),
    ("phase", "School phase now"),
    ("school_type", "School type now"),
    ("locality", "Locality now"),
    ("contributions", "Contributions in scope"),
    ("reactions", "Reactions in scope"),
    ("comments", "Comments on findings in scope"),
    ("posts", "Forum posts in scope"),
    ("responses", "Workshop responses in scope"),
    ("qa_questions", "Questions asked in workshops' Q&A in scope"),
    ("first_at", "First contribution in scope, UTC"),
    ("last_at", "Latest contribution in scope, UTC"),
]
CODEBOOK_COLUMNS = [
    ("code", "The code"), ("parent", "The code it is filed under"),
    ("definition", "What it means"), ("when_to_use", "When to apply it"),
    ("example", "An example"),
]
CODING_COLUMNS = [
    ("kind", "Kind of the coded contribution"), ("id", "Its id"),
    ("code", "The code applied"), ("coder", "Pseudonym of the researcher who applied it"),
    ("coded_at", "When, UTC"),
]
POLL_COLUMNS = [
    ("workshop", "Workshop title"), ("question", "Question prompt"),
    ("people", "Consenting participants who answered the question (empty: withheld)"),
    ("answer", "Option or scale point; for a ranking, the place and the option (\"1. X\")"),
    ("count", "Consenting participants who chose it, or ranked it in that place "
              "(empty: withheld)"),
]
FILES = {
    "contributions": CONTRIBUTION_COLUMNS,
    "participants": PARTICIPANT_COLUMNS,
    "codebook": CODEBOOK_COLUMNS,
    "coding": CODING_COLUMNS,
    "polls": POLL_COLUMNS,
    "consensus": consensus_research.COLUMNS,
}


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _coder(user_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return "R-" + hmac.new(key, f"coder:{user_id}".encode(), hashlib.sha256).hexdigest()[:8]


def coder_label(user_id: int) -> str:
    """A researcher's pseudonym as coding.csv gives it."""
    return _coder(user_id)


def data_version(filters: Filters) -> str:
    """A short fingerprint of the data in scope: it changes when any of it changes."""
    _c, query = filtered(filters, with_text=False)
    sub = query.subquery()
    rows = db.session.execute(
        select(sub.c.kind, func.count(), func.max(sub.c.id), func.max(sub.c.created_at),
               func.sum(sub.c.id)).group_by(sub.c.kind).order_by(sub.c.kind)).all()
    codings = db.session.execute(select(func.count(), func.max(Coding.id))).one()
    codes = db.session.execute(select(func.count(), func.max(Code.id))).one()
    basis = repr([tuple(str(v) for v in r) for r in rows] + [tuple(codings), tuple(codes)])
    return hashlib.sha256(basis.encode()).hexdigest()[:12]


def _codes_by_unit(c, query) -> dict[tuple[str, int], list[str]]:
    sub = query.subquery()
    rows = db.session.execute(
        select(Coding.contribution_kind, Coding.contribution_id, Code.code)
        .join(Code, Code.id == Coding.code_id)
        .join(sub, (sub.c.kind == Coding.contribution_kind) & (sub.c.id == Coding.contribution_id))
        .distinct().order_by(Coding.contribution_kind, Coding.contribution_id, Code.code))
    result: dict[tuple[str, int], list[str]] = {}
    for kind, ident, code in rows:
        result.setdefault((kind, ident), []).append(code)
    return result


def _lookups():
    findings = {fid: (key, title, briefing) for fid, key, title, briefing in db.session.execute(
        select(Finding.id, Finding.key, Finding.title, Briefing.title)
        .join(Briefing, Briefing.id == Finding.briefing_id))}
    workshops = dict(db.session.execute(select(Workshop.id, Workshop.title)).all())
    questions = dict(db.session.execute(select(Question.id, Question.prompt)).all())
    return locality_names(), findings, workshops, questions


def contribution_rows(filters: Filters, *, offset: int = 0, limit: int | None = None):
    """The contributions in scope as dicts, in a stable order (time, kind, id)."""
    c, query = filtered(filters)
    ordered = query.order_by(c.c.created_at, c.c.kind, c.c.id)
    if limit is not None:
        ordered = ordered.offset(offset).limit(limit)
    rows = db.session.execute(ordered).all()
    codes = _codes_by_unit(c, query) if limit is None else _codes_for_rows(rows)
    localities, findings, workshops, questions = _lookups()
    lists = chosen_labels([r.id for r in rows if r.kind == "response" and not r.answer])
    for r in rows:
        key, title, briefing = findings.get(r.finding_id, ("", "", ""))
        yield {
            "kind": r.kind, "id": r.id, "person": pseudonym(r.user_id),
            "education_role": r.education_role or "", "phase": r.phase or "",
            "school_type": r.school_type or "", "locality": localities.get(r.locality_id, ""),
            "briefing": briefing, "finding_key": key, "finding": title,
            "thread_id": r.thread_id, "workshop": workshops.get(r.workshop_id, ""),
            "question": questions.get(r.question_id, ""),
            "answer": r.answer or (lists.get(r.id, "") if r.kind == "response" else ""),
            "text": r.text or "", "codes": ";".join(codes.get((r.kind, r.id), [])),
            "moderation_status": r.status, "created_at": _iso(r.created_at),
        }


def _codes_for_rows(rows) -> dict[tuple[str, int], list[str]]:
    result: dict[tuple[str, int], list[str]] = {}
    by_kind: dict[str, list[int]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append(r.id)
    for kind, ids in by_kind.items():
        for ident, code in db.session.execute(
                select(Coding.contribution_id, Code.code).join(Code, Code.id == Coding.code_id)
                .where(Coding.contribution_kind == kind, Coding.contribution_id.in_(ids))
                .distinct().order_by(Coding.contribution_id, Code.code)):
            result.setdefault((kind, ident), []).append(code)
    return result


def count_contributions(filters: Filters) -> int:
    _c, query = filtered(filters, with_text=False)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def participant_rows(filters: Filters):
    """One row per person with contributions in scope."""
    _c, query = filtered(filters, with_text=False)
    sub = query.subquery()
    kinds = [func.sum(db.case((sub.c.kind == k, 1), else_=0))
             for k in ("reaction", "comment", "post", "response", "qa")]
    rows = db.session.execute(
        select(sub.c.user_id, func.count(), *kinds, func.min(sub.c.created_at),
               func.max(sub.c.created_at)).group_by(sub.c.user_id)).all()
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([r[0] for r in rows])))} if rows else {}
    localities = locality_names()
    result = []
    for user_id, total, reactions, comments, posts, responses, qa, first, last in rows:
        user = users.get(user_id)
        result.append({
            "person": pseudonym(user_id),
            "education_role": (user.education_role or "") if user else "",
            "phase": (user.phase or "") if user else "",
            "school_type": (user.school_type or "") if user else "",
            "locality": localities.get(user.locality_id, "") if user else "",
            "contributions": total, "reactions": reactions or 0, "comments": comments or 0,
            "posts": posts or 0, "responses": responses or 0, "qa_questions": qa or 0,
            "first_at": _iso(first), "last_at": _iso(last),
        })
    result.sort(key=lambda row: row["person"])
    return result


def codebook_rows():
    return [{"code": c.code, "parent": c.parent.code if c.parent else "",
             "definition": c.definition, "when_to_use": c.when_to_use, "example": c.example}
            for c in codebook()]


def coding_rows(filters: Filters):
    _c, query = filtered(filters, with_text=False)
    sub = query.subquery()
    rows = db.session.execute(
        select(Coding.contribution_kind, Coding.contribution_id, Code.code,
               Coding.researcher_id, Coding.created_at)
        .join(Code, Code.id == Coding.code_id)
        .join(sub, (sub.c.kind == Coding.contribution_kind) & (sub.c.id == Coding.contribution_id))
        .order_by(Coding.contribution_kind, Coding.contribution_id, Code.code,
                  Coding.researcher_id))
    return [{"kind": k, "id": i, "code": code, "coder": _coder(r), "coded_at": _iso(at)}
            for k, i, code, r, at in rows]


def poll_rows(filters: Filters):
    """Answer counts per workshop question; a withheld question is one row without numbers."""
    rows = []
    for q in workshop_results(filters):
        if q["suppressed"]:
            rows.append({"workshop": q["workshop"], "question": q["prompt"], "people": None,
                         "answer": "", "count": None})
            continue
        for answer in q["answers"]:
            rows.append({"workshop": q["workshop"], "question": q["prompt"],
                         "people": q["people"], "answer": answer["label"],
                         "count": answer["count"]})
    return rows


def consensus_rows(filters: Filters):
    """Consensus-map statements and their consenting votes, within the profile, locality
    and date filters (a filter on findings, workshops, codes or kinds leaves none)."""
    if any(value is not None for value in (filters.briefing, filters.finding, filters.workshop,
                                           filters.code, filters.kind)):
        return []
    return consensus_research.statement_rows(
        pseudonym=pseudonym, locality=filters.locality, education_role=filters.education_role,
        phase=filters.phase, school_type=filters.school_type, date_from=filters.date_from,
        date_to=filters.date_to)


def build_csv(name: str, filters: Filters) -> str:
    """One of the CSV files for these filters."""
    columns = [column for column, _ in FILES[name]]
    source = {
        "contributions": lambda: contribution_rows(filters),
        "participants": lambda: participant_rows(filters),
        "codebook": codebook_rows,
        "coding": lambda: coding_rows(filters),
        "polls": lambda: poll_rows(filters),
        "consensus": lambda: consensus_rows(filters),
    }[name]
    return to_csv(columns, ([row[col] for col in columns] for row in source()))


def readme(filters: Filters, exported_at: datetime | None = None) -> str:
    """What each file and column means, the filters used and when the export was made."""
    exported_at = exported_at or utcnow()
    lines = [
        "Dialogue research export",
        "========================",
        "",
        f"Exported: {_iso(exported_at)} (UTC)",
        f"Data version: {data_version(filters)}",
        "Filters: " + ("; ".join(f"{k}={v}" for k, v in filters.items()) or "none (all data)"),
        "",
        "Only contributions from people who consented to research use are included, and",
        "never held, hidden or author-deleted posts, nor open-text answers a facilitator hid.",
        "People appear as stable pseudonyms (P-...), researchers as R-....",
        "Files are UTF-8 with a byte-order mark, comma-separated, RFC 4180 quoting. Cells",
        "that a spreadsheet would run as a formula (starting = + - @, tab or return) begin",
        "with an apostrophe.",
        "",
    ]
    for name, columns in FILES.items():
        lines += [f"{name}.csv", "-" * (len(name) + 4)]
        lines += [f"  {column}: {meaning}" for column, meaning in columns]
        lines.append("")
    return "\n".join(lines)


def build_zip(filters: Filters) -> bytes:
    """Every CSV and the README in one zip."""
    buffer = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)  # fixed member times: same data, same bytes
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("README.txt", stamp), readme(filters))
        for name in FILES:
            info = zipfile.ZipInfo(f"{name}.csv", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, build_csv(name, filters).encode("utf-8"))
    return buffer.getvalue()
