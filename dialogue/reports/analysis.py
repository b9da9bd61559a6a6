"""Aggregates over the contributions layer, computed in SQL (GROUP BY), never per row.

Every figure about people carries the number of people behind it; a group of fewer than
``SMALL_CELL`` people is withheld, and so are the groups withheld beside it so that it
cannot be worked out by subtraction (``dialogue.suppression``). Reactions live in
``reactions``, workshop answers in ``polls``; this module gathers the rest.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select

from dialogue.briefings.models import Briefing, Finding
from dialogue.disclosure import SMALL_CELL, is_small
from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.reports.agreement import (
    CodeAgreement,
    agreement_by_code,
    disagreements,
    pooled_kappa,
)
from dialogue.reports.contributions import all_contributions, locality_names, scoped_to
from dialogue.reports.filters import Filters
from dialogue.reports.locality_table import protected_localities
from dialogue.reports.models import Code, Coding
from dialogue.reports.polls import protected_polls, workshop_results
from dialogue.reports.reactions import (
    ANSWER_LABELS,
    ANSWERS,
    Shares,
    figure_for,
    findings_meta,
    protected_reactions,
    reaction_shares,
    shares_chart,
)
from dialogue.reports.services import codebook
from dialogue.suppression import WITHHELD, protect, shown_count
from dialogue.workshops.models import Workshop

__all__ = ["ANSWERS", "ANSWER_LABELS", "SMALL_CELL", "WITHHELD", "Shares", "figure_for",
           "reaction_shares", "shares_chart", "workshop_results"]

def participation(filters: Filters) -> dict:
    """Contributions and distinct people, overall and by kind, with withheld kinds marked.

    The kinds are a breakdown of the contributions in scope, and the reactions and the
    responses are themselves broken down by finding and by question: a kind withheld
    there (its number would give a withheld finding or question by subtraction) is
    protected here like a small one.
    """
    c, scoped = scoped_to(filters)
    rows = db.session.execute(scoped(
        select(c.c.kind, func.count(), func.count(c.c.user_id.distinct())).group_by(c.c.kind)
    ).order_by(c.c.kind)).all()
    people = db.session.scalar(scoped(select(func.count(c.c.user_id.distinct())))) or 0
    findings, reactions_withheld = protected_reactions(filters)
    questions, responses_withheld = protected_polls(filters)
    forced = [kind for kind, withheld in (("reaction", reactions_withheld),
                                          ("response", responses_withheld)) if withheld]
    # A kind whose finer breakdown is shown whole (every finding's total, every
    # question's) is worked out by adding that breakdown up: withholding it beside a
    # small kind would protect nothing, so it is never the complement.
    counts = {kind: n for kind, n, _p in rows}
    shown_parts = {
        "reaction": sum(f["overall"].people for f in findings if not f["overall"].withheld),
        "response": sum(q["people"] for q in questions if not q["suppressed"]),
    }
    known = [kind for kind, n in shown_parts.items() if counts.get(kind) == n]
    decision = protect({kind: n_people for kind, _n, n_people in rows}, total=people,
                       force=forced, known=known)
    contributions = sum(r[1] for r in rows)

    def _withheld(kind: str) -> bool:
        # A known kind is printed: its figure is the sum of figures shown anyway.
        return not decision.shows(kind) and kind not in known

    # The people in scope are also the localities table's total: when that table withholds
    # its total (shown, it would pin the localities it withholds, e.g. beside a workshop
    # question placing all but one person in one locality), no count of them is printed.
    _places, _total, localities = protected_localities(filters)
    people_withheld = is_small(people) or decision.total_withheld or localities.total_withheld
    return {
        "contributions": contributions,
        "people": people,
        "scope_withheld": is_small(people),
        "people_text": shown_count(people, people_withheld),
        "contributions_text": shown_count(contributions, decision.total_withheld),
        "by_kind": {kind: {"contributions": n, "people": n_people,
                           "withheld": _withheld(kind),
                           "contributions_text": shown_count(n, _withheld(kind)),
                           "people_text": shown_count(n_people, _withheld(kind))}
                    for kind, n, n_people in rows},
    }


def locality_view(filters: Filters) -> list[dict]:
    """Per locality: people (withheld when small or protecting a small one), the most
    discussed findings, and where its reactions differ from the other localities'."""
    c, scoped = scoped_to(filters)
    names = locality_names()
    # Protected with every breakdown by locality (``locality_table``), not on its own.
    people, _total, decision = protected_localities(filters)
    by_finding = db.session.execute(scoped(
        select(c.c.locality_id, c.c.finding_id, func.count())
        .where(c.c.finding_id.is_not(None))
        .group_by(c.c.locality_id, c.c.finding_id))).all()
    findings = reaction_shares(filters)
    meta = {f["id"]: f for f in findings}
    meta.update({fid: info for fid, info in findings_meta(
        sorted({fid for _loc, fid, _n in by_finding} - set(meta))).items()})
    result = []
    for loc in sorted(people, key=lambda k: (k == 0, k)):
        shown = decision.shows(loc)
        top = sorted(((n, fid) for place, fid, n in by_finding
                      if (place or 0) == loc and fid in meta),
                     key=lambda t: (-t[0], meta[t[1]]["order"]))[:3]
        result.append({
            "id": loc or None, "name": names.get(loc, "Not given"), "withheld": not shown,
            "people": shown_count(people[loc], not shown),
            # Titles only: a count of contributions would bound the people behind it.
            "most_discussed": [meta[fid] for _n, fid in top] if shown else [],
            "differences": _differences(findings, loc) if shown else [],
        })
    return result


def _differences(findings: list[dict], loc: int) -> list[dict]:
    """Where one locality's "matches" share differs most from the other localities',
    from shown figures only (the rest of the room is the whole room minus this row)."""
    differences = []
    for finding in findings:
        overall = finding["overall"]
        here = next((s for s in finding["by_locality"] if s.key == f"locality:{loc}"), None)
        if overall.withheld or here is None or here.withheld:
            continue
        others = overall.people - here.people
        if others < SMALL_CELL:
            continue
        here_share = here.counts.get("matches", 0) / here.people
        others_share = (overall.counts.get("matches", 0) - here.counts.get("matches", 0)) / others
        differences.append({"finding": finding, "here": here_share, "others": others_share,
                            "people": here.people, "others_people": others,
                            "gap": here_share - others_share})
    differences.sort(key=lambda d: (-abs(d["gap"]), d["finding"]["order"]))
    return differences[:3]


def code_counts(filters: Filters) -> list[dict]:
    """Each code with the number of contributions (in scope) that carry it."""
    c, scoped = scoped_to(filters)
    coded = scoped(select(Coding.code_id, c.c.kind, c.c.id)
                   .join(Coding, and_(Coding.contribution_kind == c.c.kind,
                                      Coding.contribution_id == c.c.id))).distinct().subquery()
    counts = dict(db.session.execute(
        select(coded.c.code_id, func.count()).group_by(coded.c.code_id)).all())
    return [{"code": code, "count": counts.get(code.id, 0)} for code in codebook()]


def agreement(code_ids: list[int] | None = None) -> list[CodeAgreement]:
    """Inter-coder agreement per code over the coded contributions research may use.

    Codings read through the contributions layer, as every other output does: a
    contribution whose author withdrew consent, or that is no longer visible, drops out.
    """
    if code_ids is None:
        code_ids = list(db.session.scalars(select(Code.id).order_by(Code.position, Code.id)))
    return agreement_by_code(coder_decisions(), code_ids)


def agreement_summary(code_ids: list[int]) -> dict:
    """The pooled kappa across codes and the units coders disagreed on, from the same
    eligible codings as ``agreement``."""
    codings = coder_decisions()
    return {"pooled_kappa": pooled_kappa(codings, code_ids),
            "disagreements": disagreements(codings)}


def coder_decisions() -> dict[int, dict[tuple[str, int], set[int]]]:
    """Researcher id -> eligible unit (kind, id) -> the code ids they applied."""
    c = all_contributions(with_text=False)
    codings: dict[int, dict[tuple[str, int], set[int]]] = {}
    for researcher, kind, ident, code_id in db.session.execute(
            select(Coding.researcher_id, Coding.contribution_kind, Coding.contribution_id,
                   Coding.code_id)
            .join(c, and_(c.c.kind == Coding.contribution_kind,
                          c.c.id == Coding.contribution_id))):
        codings.setdefault(researcher, {}).setdefault((kind, ident), set()).add(code_id)
    return codings


def filter_choices() -> dict:
    """What each filter can be set to, for the dashboard's form."""
    return {
        "localities": [(loc.id, loc.name) for loc in db.session.scalars(
            select(Locality).order_by(Locality.position, Locality.id))],
        "briefings": list(db.session.execute(select(Briefing.id, Briefing.title)
                                             .order_by(Briefing.position, Briefing.id))),
        "findings": list(db.session.execute(select(Finding.id, Finding.title)
                                            .join(Briefing)
                                            .order_by(Briefing.position, Finding.position))),
        "workshops": list(db.session.execute(select(Workshop.id, Workshop.title)
                                             .order_by(Workshop.id))),
        "codes": [(code.id, code.code) for code in codebook()],
    }
