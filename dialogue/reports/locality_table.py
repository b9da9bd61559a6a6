"""People per locality, and which localities every output may show by name.

The localities table (people by locality, across every kind of contribution) and each
finding's rows by locality count the same people: a finding's row can never hold more
people than its locality's row, and a workshop's question counts people inside the
workshop's locality. Protected apart, these let a withheld locality be pinned between
them (issue 15: "people locality:2 = 10" from a table withholding it beside a shown
question of 10 answers). So the table is protected once, here, and every breakdown by
locality withholds the localities it withholds (``reactions.protected_reactions``):
the withheld localities then only ever appear together, as the one sum the table's
total leaves, in every output.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import func, select

from dialogue.extensions import db
from dialogue.reports.contributions import scoped_to
from dialogue.reports.filters import Filters
from dialogue.reports.polls import protected_polls
from dialogue.suppression import Decision, protect
from dialogue.workshops.models import Workshop


def placed_by_questions(filters: Filters) -> dict[int, int]:
    """Per locality (0: none), the most people a shown workshop question there counts:
    that many people are in the locality whether the table shows it or not."""
    questions, _ = protected_polls(filters)
    shown = [q for q in questions if not q["suppressed"]]
    if not shown:
        return {}
    where = dict(db.session.execute(
        select(Workshop.id, Workshop.locality_id)
        .where(Workshop.id.in_({q["workshop_id"] for q in shown}))).all())
    placed: dict[int, int] = {}
    for q in shown:
        loc = where.get(q["workshop_id"]) or 0
        placed[loc] = max(placed.get(loc, 0), q["people"])
    return placed


def protected_localities(filters: Filters) -> tuple[dict[int, int], int, Decision]:
    """(people per locality in scope, 0 for none given; people in scope; what the
    localities table, and every breakdown by locality with it, may show)."""
    key = ("protected_localities", filters)
    cache = g.setdefault("_research_cache", {}) if has_request_context() else {}
    if key in cache:
        return cache[key]
    c, scoped = scoped_to(filters)
    people: dict[int, int] = {}
    for loc, n in db.session.execute(scoped(
            select(c.c.locality_id, func.count(c.c.user_id.distinct()))
            .group_by(c.c.locality_id))).all():
        people[loc or 0] = people.get(loc or 0, 0) + n
    total = db.session.scalar(scoped(select(func.count(c.c.user_id.distinct())))) or 0
    decision = protect(people, total=total, placed=placed_by_questions(filters))
    cache[key] = (people, total, decision)
    return cache[key]


def withheld_localities(filters: Filters) -> frozenset[int]:
    """The localities the table withholds (all of them when it withholds its total)."""
    people, _total, decision = protected_localities(filters)
    return frozenset(loc for loc in people if not decision.shows(loc))
