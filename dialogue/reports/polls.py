"""Workshop answers for research: the labels of the options chosen, and counts per question.

Single choices and scale points come from the contributions layer's ``answer``; multiple
choices and rankings are lists of option ids (``Response.choices``) that become labels
here ("A; C", or "1. X; 2. Y" for a ranking, in the order given). Counts are grouped in
SQL by question and answer (for lists, by the list), never per row.
"""

from __future__ import annotations

import json

from flask import g, has_request_context
from sqlalchemy import Text, cast, func, select

from dialogue.extensions import db
from dialogue.reports.contributions import scoped_to
from dialogue.reports.filters import Filters
from dialogue.suppression import protect
from dialogue.workshops.models import Option, Question, QuestionKind, Response, Workshop

LIST_KINDS = (QuestionKind.MULTIPLE, QuestionKind.RANKING)


def _option_labels(option_ids) -> dict[int, tuple[int, str]]:
    if not option_ids:
        return {}
    return {oid: (position, label) for oid, position, label in db.session.execute(
        select(Option.id, Option.position, Option.label).where(Option.id.in_(option_ids)))}


def list_answers(kind: str, choices: list | None, options: dict[int, tuple[int, str]]
                 ) -> list[str]:
    """The chosen options as labels: a ranking numbered in its order, a multiple choice
    in the options' order. Ids of options since deleted are left out."""
    chosen = [oid for oid in (choices or []) if isinstance(oid, int) and oid in options]
    if kind == QuestionKind.RANKING:
        return [f"{rank}. {options[oid][1]}" for rank, oid in enumerate(chosen, start=1)]
    return [options[oid][1] for oid in sorted(set(chosen), key=lambda oid: options[oid])]


def chosen_labels(response_ids) -> dict[int, str]:
    """For responses to multiple-choice and ranking questions, the answer as words."""
    if not response_ids:
        return {}
    rows = db.session.execute(
        select(Response.id, Question.kind, Response.choices)
        .join(Question, Question.id == Response.question_id)
        .where(Response.id.in_(response_ids), Question.kind.in_(LIST_KINDS))).all()
    options = _option_labels({oid for _, _, choices in rows for oid in (choices or [])
                              if isinstance(oid, int)})
    return {rid: "; ".join(list_answers(kind, choices, options))
            for rid, kind, choices in rows}


def _counts(filters: Filters):
    """(answers per question from SQL, people per question)."""
    c, scoped = scoped_to(filters)
    single = db.session.execute(scoped(
        select(c.c.question_id, c.c.answer, func.count())
        .where(c.c.kind == "response", c.c.answer != "")
        .group_by(c.c.question_id, c.c.answer))).all()
    lists = db.session.execute(scoped(
        select(c.c.question_id, cast(Response.choices, Text), func.count())
        .join(Response, Response.id == c.c.id)
        .join(Question, Question.id == c.c.question_id)
        .where(c.c.kind == "response", Question.kind.in_(LIST_KINDS))
        .group_by(c.c.question_id, cast(Response.choices, Text)))).all()
    people = dict(db.session.execute(scoped(
        select(c.c.question_id, func.count()).where(c.c.kind == "response")
        .group_by(c.c.question_id))).all())
    return single, lists, people


def _expand(lists, kinds: dict[int, str]) -> list[tuple[int, str, int]]:
    decoded = [(qid, json.loads(raw) if raw else [], n) for qid, raw, n in lists]
    options = _option_labels({oid for _, choices, _ in decoded for oid in (choices or [])
                              if isinstance(oid, int)})
    counted: dict[tuple[int, str], int] = {}
    for qid, choices, n in decoded:
        for label in list_answers(kinds[qid], choices, options):
            counted[(qid, label)] = counted.get((qid, label), 0) + n
    return [(qid, label, n) for (qid, label), n in counted.items()]


def protected_polls(filters: Filters) -> tuple[list[dict], bool]:
    """(per workshop question: people and answer counts, withheld when the question is
    small or protects one; whether the number of responses in scope must be withheld).

    The questions are a breakdown of every response in scope, whose number the
    participation table shows; open-text questions are never counted here, so they
    count as withheld for the rule.
    """
    key = ("protected_polls", filters)
    cache = g.setdefault("_research_cache", {}) if has_request_context() else {}
    if key in cache:
        return cache[key]
    single, lists, people = _counts(filters)
    questions = {qid: (wid, pos, prompt, kind) for qid, wid, pos, prompt, kind in
                 db.session.execute(select(Question.id, Question.workshop_id,
                                           Question.position, Question.prompt, Question.kind)
                                    .where(Question.id.in_(list(people))))} if people else {}
    kinds = {qid: q[3] for qid, q in questions.items()}
    answers: dict[int, list[dict]] = {}
    for qid, label, n in [*single, *_expand(lists, kinds)]:
        answers.setdefault(qid, []).append({"label": label, "count": n})
    across = protect(people, hidden=[qid for qid in people if qid not in answers])
    titles = dict(db.session.execute(select(Workshop.id, Workshop.title)).all())
    result = []
    for qid, found in answers.items():
        wid, position, prompt, kind = questions[qid]
        found.sort(key=lambda a: (-a["count"], a["label"]))
        result.append({"workshop": titles.get(wid, f"Workshop {wid}"), "workshop_id": wid,
                       "question_id": qid, "position": position, "prompt": prompt,
                       "kind": kind, "answers": found, "people": people[qid],
                       "suppressed": not across.shows(qid)})
    result.sort(key=lambda q: (q["workshop_id"], q["position"], q["question_id"]))
    cache[key] = (result, across.total_withheld)
    return cache[key]


def workshop_results(filters: Filters) -> list[dict]:
    """Per workshop question, how many consenting participants gave each answer."""
    return protected_polls(filters)[0]
