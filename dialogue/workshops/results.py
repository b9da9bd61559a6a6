"""Tallies of stored responses, one function per question type.

Every count is a COUNT of ``Response`` rows (or of the answers they hold), never a
counter kept alongside, so the numbers cannot drift from what was stored. One number
format throughout: a share is a whole percentage ("62%"), an average position has one
decimal ("1.5"), and a breakdown follows the small-group rule of ``dialogue.disclosure``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import func, select

from dialogue.briefings.models import Finding
from dialogue.disclosure import SUPPRESSED, is_small
from dialogue.extensions import db
from dialogue.suppression import protect
from dialogue.workshops.models import (
    AGREE_VALUES,
    SCALE_LABELS,
    Participant,
    Question,
    QuestionKind,
    Response,
)
from dialogue.workshops.wordcloud import NARROW, WIDE, cloud_svg, edits_for, word_counts

NOTHING = "\N{EN DASH}"  # a figure there is none of yet


def percent(part: int, whole: int) -> int | None:
    """A share as a whole percentage, or None when there is nothing to share."""
    return round(100 * part / whole) if whole else None


def percent_text(value: float | None) -> str:
    """A percentage as every results page prints it: "62%", or a dash when there is none."""
    return NOTHING if value is None else f"{round(value)}%"


def average_text(value: float | None) -> str:
    """An average position with one decimal: "1.5", or a dash when nobody ranked it."""
    return NOTHING if value is None else f"{value:.1f}"


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
    agree_percent: int | None = None
    national: NationalFigure | None = None

    def percent(self, count: int) -> int:
        return percent(count, self.total) or 0

    @property
    def answers_text(self) -> str:
        return f"{self.total} {'answer' if self.total == 1 else 'answers'}"

    @property
    def agree_text(self) -> str:
        return percent_text(self.agree_percent)

    def cloud(self, narrow: bool = False) -> Markup:
        """The word cloud of the visible answers (open text), as an SVG image: the wide
        picture, or the narrow one that phones show."""
        return cloud_svg(self.words, title=f"Word cloud: {self.question.prompt}",
                         frame=NARROW if narrow else WIDE)


def national_figure(finding_key: str | None) -> NationalFigure | None:
    """The finding's first key figure, or None if the briefing (or figure) is missing."""
    if not finding_key:
        return None
    finding = db.session.scalar(select(Finding).where(Finding.key == finding_key))
    if finding is None or not finding.figures:
        return None
    figure = finding.figures[0]
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*%", figure.value or "")
    return NationalFigure(value=figure.value, percent=float(match.group(1)) if match else None,
                          measures=figure.measures, base=figure.base,
                          source=figure.source_label, finding_title=finding.title)


def ranking_table(option_labels: dict[int, str], orders: list[list[int]]) -> list[dict]:
    """Per item: its average position (1 is first place), how many put it first, and
    Borda points (n-1 for first ... 0 for last, the order's tie-break); best first."""
    n = len(option_labels)
    totals = {option_id: {"label": label, "rank_sum": 0, "borda": 0, "count": 0, "first": 0}
              for option_id, label in option_labels.items()}
    for order in orders:
        for position, option_id in enumerate(order):
            if option_id in totals:
                entry = totals[option_id]
                entry["rank_sum"] += position + 1
                entry["borda"] += n - 1 - position
                entry["count"] += 1
                entry["first"] += position == 0
    table = []
    for entry in totals.values():
        average = round(entry["rank_sum"] / entry["count"], 2) if entry["count"] else None
        table.append({"label": entry["label"], "average_rank": average,
                      "borda": entry["borda"], "first": entry["first"]})
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
            results.rows = [(row["label"], row["first"]) for row in results.ranking]
    elif question.uses_scale:
        counts = dict(db.session.execute(
            select(Response.value, func.count()).where(Response.question_id == question.id)
            .group_by(Response.value)).all())
        results.rows = [(label, counts.get(value, 0)) for value, label in SCALE_LABELS.items()]
        agree = sum(counts.get(v, 0) for v in AGREE_VALUES)
        results.agree_percent = percent(agree, total)
        if kind == QuestionKind.FINDING_CHECK:
            results.national = national_figure(question.finding_key)
    else:
        query = select(Response).where(Response.question_id == question.id)
        if not include_hidden:
            query = query.where(Response.hidden.is_(False))
        results.answers = list(db.session.scalars(query.order_by(Response.created_at,
                                                                 Response.id)))
        results.words = word_counts([r.text or "" for r in results.answers if not r.hidden],
                                    edits_for(question))
    return results


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: a group's answers and share agreeing, or not shown."""

    key: str
    answers: int
    agreeing: int
    shown: bool = True

    @property
    def answers_text(self) -> str:
        if self.shown:
            return str(self.answers)
        return SUPPRESSED if is_small(self.answers) else "Not shown"

    @property
    def agree_text(self) -> str:
        return percent_text(percent(self.agreeing, self.answers)) if self.shown else "Not shown"


def agreement_by(question: Question, attribute: str) -> list[Group]:
    """For scale questions: the answers and share agreeing by participant role or phase,
    under the research's rule: a group of fewer than 5 people is not shown, nor one that
    would let it be worked out from the total (``dialogue.suppression``)."""
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
    decision = protect({key: n for key, (n, _) in groups.items()})
    return [Group(key, n, agree, decision.shows(key))
            for key, (n, agree) in sorted(groups.items())]
