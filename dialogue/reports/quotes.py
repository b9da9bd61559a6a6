"""Quotes for the PDF: a bounded, deterministic sample, redacted and attributed by role,
phase and locality only."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from dialogue.extensions import db
from dialogue.profiles import EducationRole
from dialogue.reports.contributions import locality_names, scoped_to
from dialogue.reports.filters import Filters
from dialogue.reports.models import Coding
from dialogue.reports.redaction import Redactor

ROLE_TEXT = {r.value: r.value.replace("_", " ") for r in EducationRole}
ROLE_TEXT["trust_or_la_officer"] = "trust or local authority officer"


def attribution(role: str | None, phase: str | None, locality: str | None) -> str:
    """'secondary headteacher, Locality B': role, phase and locality only, never a name."""
    words = " ".join(w for w in ((phase or "").replace("_", "-") if phase not in (None, "other")
                                 else "", ROLE_TEXT.get(role or "", "participant")) if w)
    return f"{words}, {locality}" if locality else words


def sample_quotes(filters: Filters, *, by: str, keys: list[int], k: int = 3, pool: int = 60,
                  redactor: Redactor | None = None, min_length: int = 40
                  ) -> dict[int, list[dict]]:
    """A bounded, deterministic sample of written contributions per finding, per code, or
    (``by="workshop"``) of the questions asked in each workshop's Q&A.

    One query for every group at once: a window function numbers each group's
    candidates by time, at most ``pool`` per group come back, and ``k`` evenly spaced
    ones are kept, so the sample spans the period rather than its first days.
    """
    if not keys:
        return {}
    c, scoped = scoped_to(filters, with_text=True)
    length = func.length(c.c.text)
    if by == "finding":
        query = select(c.c).where(c.c.finding_id.in_(keys))
    elif by == "workshop":
        query = select(c.c).where(c.c.kind == "qa", c.c.workshop_id.in_(keys))
    elif by == "code":
        query = (select(c.c, Coding.code_id)
                 .join(Coding, and_(Coding.contribution_kind == c.c.kind,
                                    Coding.contribution_id == c.c.id))
                 .where(Coding.code_id.in_(keys)))
    else:
        raise ValueError(by)
    # One row per (group, contribution), however many researchers applied the code.
    candidates = scoped(query.where(c.c.text != "", length >= min_length,
                                    length <= 700)).distinct()
    cand = candidates.subquery()
    group_col = cand.c[f"{by}_id"]  # finding_id, workshop_id or code_id
    numbered = select(
        group_col.label("group_key"), cand.c.kind, cand.c.id, cand.c.text,
        cand.c.education_role, cand.c.phase, cand.c.locality_id,
        func.row_number().over(partition_by=group_col,
                               order_by=(cand.c.created_at, cand.c.kind, cand.c.id)).label("rn"),
    ).subquery()
    rows = db.session.execute(select(numbered).where(numbered.c.rn <= pool)
                              .order_by(numbered.c.group_key, numbered.c.rn)).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.group_key, []).append(row)
    names = locality_names()
    redactor = redactor or Redactor()
    result: dict[int, list[dict]] = {}
    for key, items in grouped.items():
        step = max(1, len(items) // k)
        result[key] = [{"kind": r.kind, "id": r.id, "text": redactor(r.text),
                        "attribution": attribution(r.education_role, r.phase,
                                                   names.get(r.locality_id))}
                       for r in items[::step][:k]]
    return result
