"""Tallies of stored responses, one function per question type.

Every count is a COUNT of ``Response`` rows (or of the answers they hold), never a
counter kept alongside, so the numbers cannot drift from what was stored.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from dialogue.extensions import db
from dialogue.workshops.models import (
    AGREE_VALUES,
    SCALE_LABELS,
    Participant,
    Question,
    QuestionKind,
    Response,
)

# Common English words and the words every answer here shares, left out of word clouds.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with
would you your yours us let lets get got make more much many ones one need needs really
things thing way ways school schools
""".split())  # noqa: SIM905 - easier to read and edit
WORD = re.compile(r"[a-z][a-z'\-]+")


@dataclass
class NationalFigure:
    """The research's figure for a finding check, from the briefing's key figure."""

    value: str
    percent: float | None
    measures: str
    base: str
    source: str
    finding_title: str


@dataclass
class Results:
    """A question's results, ready for charts and tables."""

    question: Question
    total: int
    rows: list[tuple[str, int]] = field(default_factory=list)  # label, count
    ranking: list[dict] = field(default_factory=list)
    answers: list[Response] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)
    agree_percent: float | None = None
    national: NationalFigure | None = None

    def percent(self, count: int) -> float:
        return round(100 * count / self.total, 1) if self.total else 0.0


def national_figure(finding_key: str | None) -> NationalFigure | None:
    """The finding's first key figure, or None if the briefing (or figure) is missing."""
    if not finding_key:
        return None
    try:  # the briefings feature owns these models; import only when needed
        from dialogue.briefings.models import Finding
    except ImportError:
        return None
    finding = db.session.scalar(select(Finding).where(Finding.key == finding_key))
    if finding is None or not finding.figures:
        return None
    figure = finding.figures[0]
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*%", figure.value or "")
    return NationalFigure(value=figure.value, percent=float(match.group(1)) if match else None,
                          measures=figure.measures, base=figure.base,
                          source=figure.source_label, finding_title=finding.title)


def word_counts(texts: list[str], limit: int = 40) -> list[tuple[str, int]]:
    """The most used words (stop words left out), most frequent first."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(w.strip("'-") for w in WORD.findall(text.lower())
                       if w.strip("'-") not in STOP_WORDS and len(w.strip("'-")) > 2)
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def ranking_table(option_labels: dict[int, str], orders: list[list[int]]) -> list[dict]:
    """Average rank (1 is best) and Borda points (n-1 for first ... 0 for last) per item."""
    n = len(option_labels)
    totals = {option_id: {"label": label, "rank_sum": 0, "borda": 0, "count": 0}
              for option_id, label in option_labels.items()}
    for order in orders:
        for position, option_id in enumerate(order):
            if option_id in totals:
                entry = totals[option_id]
                entry["rank_sum"] += position + 1
                entry["borda"] += n - 1 - position
                entry["count"] += 1
    table = []
    for entry in totals.values():
        average = round(entry["rank_sum"] / entry["count"], 2) if entry["count"] else None
        table.append({"label": entry["label"], "average_rank": average,
                      "borda": entry["borda"]})
    table.sort(key=lambda e: (-e["borda"], e["average_rank"] or 0, e["label"]))
    return table


def question_results(question: Question, *, include_hidden: bool = False) -> Results:
    """Tally one question's stored responses."""
    total = db.session.scalar(select(func.count()).select_from(Response)
                              .where(Response.question_id == question.id)) or 0
    results = Results(question=question, total=total)
    kind = question.kind
    if kind == QuestionKind.SINGLE:
        counts = dict(db.session.execute(
            select(Response.option_id, func.count()).where(Response.question_id == question.id)
            .group_by(Response.option_id)).all())
        results.rows = [(o.label, counts.get(o.id, 0)) for o in question.options]
    elif kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING):
        stored = db.session.scalars(select(Response.choices)
                                    .where(Response.question_id == question.id)).all()
        if kind == QuestionKind.MULTIPLE:
            counter = Counter(option_id for choices in stored for option_id in choices or [])
            results.rows = [(o.label, counter.get(o.id, 0)) for o in question.options]
        else:
            results.ranking = ranking_table({o.id: o.label for o in question.options},
                                            [list(c or []) for c in stored])
            results.rows = [(row["label"], row["borda"]) for row in results.ranking]
    elif question.uses_scale:
        counts = dict(db.session.execute(
            select(Response.value, func.count()).where(Response.question_id == question.id)
            .group_by(Response.value)).all())
        results.rows = [(label, counts.get(value, 0)) for value, label in SCALE_LABELS.items()]
        agree = sum(counts.get(v, 0) for v in AGREE_VALUES)
        results.agree_percent = round(100 * agree / total) if total else None
        if kind == QuestionKind.FINDING_CHECK:
            results.national = national_figure(question.finding_key)
    else:
        query = select(Response).where(Response.question_id == question.id)
        if not include_hidden:
            query = query.where(Response.hidden.is_(False))
        results.answers = list(db.session.scalars(query.order_by(Response.created_at,
                                                                 Response.id)))
        results.words = word_counts([r.text or "" for r in results.answers if not r.hidden])
    return results


def agreement_by(question: Question, attribute: str) -> list[tuple[str, int, int]]:
    """For scale questions: (group, answers, % agreeing) by participant role or phase."""
    column = getattr(Participant, attribute)
    rows = db.session.execute(
        select(column, Response.value, func.count())
        .join(Participant, Participant.id == Response.participant_id)
        .where(Response.question_id == question.id)
        .group_by(column, Response.value)).all()
    groups: dict[str, list[int]] = {}
    for group, value, count in rows:
        entry = groups.setdefault(group or "not given", [0, 0])
        entry[0] += count
        if value in AGREE_VALUES:
            entry[1] += count
    return [(group, n, round(100 * agree / n) if n else 0)
            for group, (n, agree) in sorted(groups.items())]
