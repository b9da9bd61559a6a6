"""Aggregates over the contributions layer, computed in SQL (GROUP BY), never per row.

Every figure about people carries the number of people behind it, and a breakdown
with fewer than ``SMALL_CELL`` people is suppressed so nobody can be picked out by
their attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from dialogue.auth.models import PHASE_LABELS, Phase, User
from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.reports.agreement import agreement_by_code
from dialogue.reports.contributions import Filters, all_contributions, apply_filters
from dialogue.reports.models import Code, Coding

SMALL_CELL = 5
SUPPRESSED = "fewer than 5"
ANSWERS = ("matches", "partly", "does_not_match")
ANSWER_LABELS = {"matches": "Matches", "partly": "Partly matches",
                 "does_not_match": "Does not match"}


@dataclass
class Shares:
    """Reaction shares for one group of people, or suppressed when the group is small."""

    label: str
    people: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def suppressed(self) -> bool:
        return self.people < SMALL_CELL

    @property
    def people_text(self) -> str:
        return SUPPRESSED if self.suppressed else str(self.people)

    def share(self, answer: str) -> float | None:
        if self.suppressed or not self.people:
            return None
        return self.counts.get(answer, 0) / self.people

    def percent(self, answer: str) -> str:
        value = self.share(answer)
        return "-" if value is None else f"{round(value * 100)}%"


def cell(n: int) -> str:
    """A count of people as it may be shown."""
    return SUPPRESSED if 0 < n < SMALL_CELL else str(n)


def _scoped(filters: Filters, *, with_text: bool = False):
    c = all_contributions(with_text=with_text)
    return c, (lambda query: apply_filters(query, c, filters))


def participation(filters: Filters) -> dict:
    """Contributions and distinct people, overall and by kind."""
    c, scoped = _scoped(filters)
    rows = db.session.execute(scoped(
        select(c.c.kind, func.count(), func.count(c.c.user_id.distinct())).group_by(c.c.kind)
    ).order_by(c.c.kind)).all()
    total_people = db.session.scalar(scoped(select(func.count(c.c.user_id.distinct()))))
    return {
        "contributions": sum(r[1] for r in rows),
        "people": total_people or 0,
        "by_kind": {kind: {"contributions": n, "people": people} for kind, n, people in rows},
    }


def _findings_meta(finding_ids) -> dict[int, dict]:
    from dialogue.briefings.models import Briefing, Finding, KeyFigure

    if not finding_ids:
        return {}
    meta = {}
    rows = db.session.execute(
        select(Finding.id, Finding.key, Finding.title, Briefing.title, Briefing.position,
               Finding.position)
        .join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.id.in_(finding_ids)))
    for fid, key, title, briefing, bpos, fpos in rows:
        meta[fid] = {"id": fid, "key": key, "title": title, "briefing": briefing,
                     "order": (bpos, fpos, key), "figure": None}
    figures = db.session.execute(
        select(KeyFigure.finding_id, KeyFigure.value, KeyFigure.measures, KeyFigure.base,
               KeyFigure.source_label)
        .where(KeyFigure.finding_id.in_(finding_ids))
        .order_by(KeyFigure.finding_id, KeyFigure.position, KeyFigure.id))
    for fid, value, measures, base, source in figures:
        if meta.get(fid) and meta[fid]["figure"] is None:
            meta[fid]["figure"] = {"value": value, "measures": measures, "base": base,
                                   "source": source}
    return meta


def _locality_names() -> dict[int, str]:
    return dict(db.session.execute(select(Locality.id, Locality.name)).all())


def _sort_key(item):
    return tuple((v is None, "" if v is None else str(v)) for v in item[0])


def reaction_cube(filters: Filters) -> list[tuple]:
    """Reactions counted by (finding, phase, locality, answer): one GROUP BY whose size
    is bounded by the number of findings, not people, and from which every reaction
    breakdown is summed. Kept for the request, as several views use it."""
    from flask import g, has_request_context

    key = ("reaction_cube", filters)
    cache = g.setdefault("_research_cache", {}) if has_request_context() else {}
    if key not in cache:
        c, scoped = _scoped(filters)
        cache[key] = db.session.execute(scoped(
            select(c.c.finding_id, c.c.phase, c.c.locality_id, c.c.answer, func.count())
            .where(c.c.kind == "reaction")
            .group_by(c.c.finding_id, c.c.phase, c.c.locality_id, c.c.answer))).all()
    return cache[key]


def reaction_shares(filters: Filters, *, limit: int | None = None) -> list[dict]:
    """Per finding: shares of each answer overall, by phase and by locality."""
    cube = reaction_cube(filters)
    overall, by_phase, by_locality = {}, {}, {}
    for fid, phase, locality_id, answer, n in cube:
        for table, key in ((overall, (fid, answer)), (by_phase, (fid, phase, answer)),
                           (by_locality, (fid, locality_id, answer))):
            table[key] = table.get(key, 0) + n
    overall = [(*key, n) for key, n in sorted(overall.items(), key=_sort_key)]
    by_phase = [(*key, n) for key, n in sorted(by_phase.items(), key=_sort_key)]
    by_locality = [(*key, n) for key, n in sorted(by_locality.items(), key=_sort_key)]

    findings: dict[int, dict] = {}

    def group(fid, bucket, key, label):
        entry = findings.setdefault(fid, {"overall": Shares("All", 0), "phase": {},
                                          "locality": {}})
        if bucket == "overall":
            return entry["overall"]
        return entry[bucket].setdefault(key, Shares(label, 0))

    for fid, answer, n in overall:
        shares = group(fid, "overall", None, "All")
        shares.people += n
        shares.counts[answer] = n
    phase_labels = {p.value: label for p, label in PHASE_LABELS.items()}
    for fid, phase, answer, n in by_phase:
        shares = group(fid, "phase", phase or "", phase_labels.get(phase, "Not given"))
        shares.people += n
        shares.counts[answer] = n
    names = _locality_names()
    for fid, locality_id, answer, n in by_locality:
        shares = group(fid, "locality", locality_id or 0, names.get(locality_id, "Not given"))
        shares.people += n
        shares.counts[answer] = n

    meta = _findings_meta(list(findings))
    phase_order = {p.value: i for i, p in enumerate(Phase)}
    result = []
    for fid, entry in findings.items():
        info = meta.get(fid)
        if info is None:
            continue
        result.append({
            **info,
            "overall": entry["overall"],
            "by_phase": [entry["phase"][k] for k in
                         sorted(entry["phase"], key=lambda k: phase_order.get(k, 99))],
            "by_locality": [entry["locality"][k] for k in sorted(entry["locality"])],
        })
    result.sort(key=lambda f: f["order"])
    return result[:limit] if limit else result


def locality_view(filters: Filters) -> list[dict]:
    """Per locality: participation, most discussed findings, and how its reactions differ."""
    c, scoped = _scoped(filters)
    names = _locality_names()
    people = dict(db.session.execute(scoped(
        select(c.c.locality_id, func.count(c.c.user_id.distinct())).group_by(c.c.locality_id)
    )).all())
    # One pass gives both each locality's total and its count per finding.
    by_finding = db.session.execute(scoped(
        select(c.c.locality_id, c.c.finding_id, func.count())
        .group_by(c.c.locality_id, c.c.finding_id))).all()
    counts: dict[int | None, int] = {}
    for locality_id, _fid, n in by_finding:
        counts[locality_id] = counts.get(locality_id, 0) + n
    discussed = [row for row in by_finding if row[1] is not None]
    summed: dict[tuple, list[int]] = {}
    for fid, _phase, locality_id, answer, n in reaction_cube(filters):
        entry = summed.setdefault((locality_id, fid), [0, 0])
        entry[0] += n
        entry[1] += n if answer == "matches" else 0
    matches = [(loc, fid, n, m) for (loc, fid), (n, m) in sorted(
        summed.items(), key=lambda item: _sort_key(item))]
    meta = _findings_meta(sorted({fid for _, fid, _ in discussed}))

    # Totals per finding across every locality, to compare one locality with the rest.
    finding_total: dict[int, list[int]] = {}
    for _loc, fid, n, m in matches:
        total = finding_total.setdefault(fid, [0, 0])
        total[0] += n
        total[1] += m or 0

    result = []
    for locality_id in sorted(k for k in counts if k is not None):
        top = sorted(((n, fid) for loc, fid, n in discussed if loc == locality_id),
                     key=lambda t: (-t[0], meta.get(t[1], {}).get("order", ())))[:3]
        differences = []
        for loc, fid, n, m in matches:
            if loc != locality_id or fid not in meta:
                continue
            others_n = finding_total[fid][0] - n
            others_m = finding_total[fid][1] - (m or 0)
            if n < SMALL_CELL or others_n < SMALL_CELL:
                continue
            here, there = (m or 0) / n, others_m / others_n
            differences.append({"finding": meta[fid], "here": here, "others": there,
                                "people": n, "others_people": others_n,
                                "gap": here - there})
        differences.sort(key=lambda d: (-abs(d["gap"]), d["finding"]["order"]))
        result.append({
            "id": locality_id, "name": names.get(locality_id, "Unknown"),
            "people": cell(people.get(locality_id, 0)),
            "contributions": counts.get(locality_id, 0),
            "most_discussed": [{"finding": meta[fid], "count": n} for n, fid in top
                               if fid in meta],
            "differences": differences[:3],
        })
    return result


def code_counts(filters: Filters) -> list[dict]:
    """Each code with the number of contributions (in scope) that carry it."""
    c, scoped = _scoped(filters)
    coded = scoped(select(Coding.code_id, c.c.kind, c.c.id)
                   .join(Coding, and_(Coding.contribution_kind == c.c.kind,
                                      Coding.contribution_id == c.c.id))).distinct().subquery()
    counts = dict(db.session.execute(
        select(coded.c.code_id, func.count()).group_by(coded.c.code_id)).all())
    from dialogue.reports.services import codebook

    return [{"code": code, "count": counts.get(code.id, 0)} for code in codebook()]


def agreement(code_ids: list[int] | None = None):
    """Inter-coder agreement per code over everything researchers have coded."""
    codings: dict[int, dict[tuple[str, int], set[int]]] = {}
    for researcher, kind, ident, code_id in db.session.execute(
            select(Coding.researcher_id, Coding.contribution_kind, Coding.contribution_id,
                   Coding.code_id)):
        codings.setdefault(researcher, {}).setdefault((kind, ident), set()).add(code_id)
    if code_ids is None:
        code_ids = list(db.session.scalars(select(Code.id).order_by(Code.position, Code.id)))
    return agreement_by_code(codings, code_ids)


def workshop_results(filters: Filters) -> list[dict]:
    """Per workshop question, how many consenting participants chose each answer."""
    c, scoped = _scoped(filters)
    rows = db.session.execute(scoped(
        select(c.c.workshop_id, c.c.question_id, c.c.answer, func.count())
        .where(c.c.kind == "response", c.c.answer != "")
        .group_by(c.c.workshop_id, c.c.question_id, c.c.answer))).all()
    if not rows:
        return []
    from dialogue.reports.contributions import _workshop_models

    workshops = _workshop_models()
    titles, prompts = {}, {}
    if workshops is not None:
        titles = dict(db.session.execute(select(workshops.Workshop.id,
                                                workshops.Workshop.title)).all())
        prompts = {qid: (pos, prompt) for qid, pos, prompt in db.session.execute(
            select(workshops.Question.id, workshops.Question.position,
                   workshops.Question.prompt)
            .where(workshops.Question.id.in_({r[1] for r in rows})))}
    questions: dict[int, dict] = {}
    for wid, qid, answer, n in rows:
        q = questions.setdefault(qid, {"workshop": titles.get(wid, f"Workshop {wid}"),
                                       "workshop_id": wid,
                                       "position": prompts.get(qid, (0, ""))[0],
                                       "prompt": prompts.get(qid, (0, f"Question {qid}"))[1],
                                       "answers": [], "people": 0})
        q["answers"].append({"label": answer, "count": n})
        q["people"] += n
    result = sorted(questions.values(), key=lambda q: (q["workshop_id"], q["position"]))
    for q in result:
        q["answers"].sort(key=lambda a: (-a["count"], a["label"]))
        q["suppressed"] = q["people"] < SMALL_CELL
    return result


# --- quotes -----------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)(?:\+44\s?\(?0?\)?|\(?0)\d[\d\s()-]{7,}\d")


def _name_pattern() -> re.Pattern | None:
    names = set()
    for (display_name,) in db.session.execute(select(User.display_name)):
        cleaned = re.sub(r"\(.*?\)", "", display_name or "").strip()
        if len(cleaned) >= 2:
            names.add(cleaned)
        for part in cleaned.split():
            if len(part) >= 3 and part[0].isupper() and part.isalpha():
                names.add(part)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"\b(?:{alternatives})\b")


class Redactor:
    """Removes emails, phone numbers and registered users' names from quotes."""

    def __init__(self):
        self.names = _name_pattern()

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email removed]", text)
        text = PHONE.sub("[phone number removed]", text)
        if self.names is not None:
            text = self.names.sub("[name removed]", text)
        return text


def attribution(role: str | None, phase: str | None, locality: str | None) -> str:
    """'secondary headteacher, Locality B': role, phase and locality only, never a name."""
    from dialogue.auth.models import EducationRole

    role_text = {r.value: r.value.replace("_", " ") for r in EducationRole}
    role_text["trust_or_la_officer"] = "trust or local authority officer"
    words = " ".join(w for w in ((phase or "").replace("_", "-") if phase not in (None, "other")
                                 else "", role_text.get(role or "", "participant")) if w)
    return f"{words}, {locality}" if locality else words


def sample_quotes(filters: Filters, *, by: str, keys: list[int], k: int = 3, pool: int = 60,
                  redactor: Redactor | None = None) -> dict[int, list[dict]]:
    """A bounded, deterministic sample of written contributions per finding or per code.

    One query for every group at once: a window function numbers each group's
    candidates by time, at most ``pool`` per group come back, and ``k`` evenly spaced
    ones are kept, so the sample spans the period rather than its first days.
    """
    if not keys:
        return {}
    c, scoped = _scoped(filters, with_text=True)
    length = func.length(c.c.text)
    if by == "finding":
        query = select(c.c).where(c.c.finding_id.in_(keys))
    elif by == "code":
        query = (select(c.c, Coding.code_id)
                 .join(Coding, and_(Coding.contribution_kind == c.c.kind,
                                    Coding.contribution_id == c.c.id))
                 .where(Coding.code_id.in_(keys)))
    else:
        raise ValueError(by)
    # One row per (group, contribution), however many researchers applied the code.
    candidates = scoped(query.where(c.c.text != "", length >= 40, length <= 700)).distinct()
    cand = candidates.subquery()
    group_col = cand.c.finding_id if by == "finding" else cand.c.code_id
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
    names = _locality_names()
    redactor = redactor or Redactor()
    result: dict[int, list[dict]] = {}
    for key, items in grouped.items():
        step = max(1, len(items) // k)
        result[key] = [{"kind": r.kind, "id": r.id, "text": redactor(r.text),
                        "attribution": attribution(r.education_role, r.phase,
                                                   names.get(r.locality_id))}
                       for r in items[::step][:k]]
    return result


def filter_choices() -> dict:
    """What each filter can be set to, for the dashboard's form."""
    from dialogue.briefings.models import Briefing, Finding
    from dialogue.reports.contributions import _workshop_models
    from dialogue.reports.services import codebook

    workshops = _workshop_models()
    return {
        "localities": [(loc.id, loc.name) for loc in db.session.scalars(
            select(Locality).order_by(Locality.position, Locality.id))],
        "briefings": list(db.session.execute(select(Briefing.id, Briefing.title)
                                             .order_by(Briefing.position, Briefing.id))),
        "findings": list(db.session.execute(select(Finding.id, Finding.title)
                                            .join(Briefing)
                                            .order_by(Briefing.position, Finding.position))),
        "workshops": list(db.session.execute(select(workshops.Workshop.id,
                                                    workshops.Workshop.title)
                                             .order_by(workshops.Workshop.id)))
        if workshops is not None else [],
        "codes": [(code.id, code.code) for code in codebook()],
    }
