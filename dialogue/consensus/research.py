"""Consensus statements and their votes for the research outputs (``reports`` asks here).

The rules are the research's own: only votes of people who consented to research use;
only visible statements, and of those only seeds and consenting authors' (the Polis
export's rule, ``polis._statements``). The research filters narrow the votes by the
voter's profile and locality when they voted and by when they voted, so "by role and
locality" is the dashboard's filters, as for every other contribution. A statement that
fewer than ``SMALL_CELL`` consenting people voted on under the filters shows no
numbers (``None``: withheld), like a workshop question in ``polls.csv``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import case, func, or_, select, true, update

from dialogue.auth.models import User
from dialogue.consensus import analysis
from dialogue.consensus.mapsvg import opinion_map
from dialogue.consensus.models import (
    Conversation,
    ConversationMap,
    Statement,
    StatementStatus,
    Vote,
)
from dialogue.db import utcnow
from dialogue.disclosure import is_small
from dialogue.extensions import db
from dialogue.localities import Locality
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.workshops.models import Participant

COLUMNS = [
    ("conversation", "The consensus map's title"),
    ("space", "Where it runs: a locality, or the national space"),
    ("statement_id", "The statement's id (the comment-id of the map's Polis export)"),
    ("statement", "The statement, verbatim"),
    ("author", "Pseudonym of the person who wrote it; \"research team\" for seeds"),
    ("finding_key", "The finding a seed statement is about, if any"),
    ("people", "Consenting people who voted on it, within the filters (empty: fewer than "
               "5, withheld)"),
    ("agree", "Of them, how many agree (empty: withheld)"),
    ("disagree", "How many disagree (empty: withheld)"),
    ("pass", "How many passed (empty: withheld)"),
    ("created_at", "When the statement was written, UTC ISO 8601"),
]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _in_scope(query, *, locality: int | None = None, education_role: str | None = None,
              phase: str | None = None, school_type: str | None = None,
              date_from: date | None = None, date_to: date | None = None):
    """``query`` (over ``Vote``) narrowed to consenting voters and the research filters.

    A consenting voter is an account that consented, or a workshop participant linked
    to one (the room's phones vote as participants; as with workshop answers, only those
    signed in with a consenting account count for research)."""
    consenting = select(User.id).where(User.research_consent.is_(true()))
    linked = select(Participant.id).where(Participant.user_id.in_(consenting))
    query = query.where(or_(Vote.user_id.in_(consenting), Vote.participant_id.in_(linked)))
    for column, wanted, kind in ((Vote.locality_id, locality, int),
                                 (Vote.education_role, education_role, EducationRole),
                                 (Vote.phase, phase, Phase),
                                 (Vote.school_type, school_type, SchoolType)):
        if wanted is not None:
            query = query.where(column == kind(wanted))
    if date_from is not None:
        query = query.where(Vote.updated_at >= _day_start(date_from))
    if date_to is not None:
        query = query.where(Vote.updated_at < _day_start(date_to) + timedelta(days=1))
    return query


def _statements_in_scope():
    consenting = select(User.id).where(User.research_consent.is_(true()))
    return (Statement.status == StatementStatus.VISIBLE,
            Statement.is_seed.is_(True) | Statement.author_id.in_(consenting))


def statement_rows(*, pseudonym: Callable[[int | None], str], **filters) -> list[dict]:
    """One row per statement in research scope, its consenting votes counted."""
    votes = _in_scope(select(Vote.statement_id.label("statement_id"),
                             func.count(Vote.id).label("people"),
                             func.sum(case((Vote.value == 1, 1), else_=0)).label("agree"),
                             func.sum(case((Vote.value == -1, 1), else_=0)).label("disagree")),
                      **filters)
    counts = {row.statement_id: row for row in
              db.session.execute(votes.group_by(Vote.statement_id))}
    statements = db.session.execute(
        select(Statement, Conversation.title, Locality.name)
        .join(Conversation, Conversation.id == Statement.conversation_id)
        .outerjoin(Locality, Locality.id == Conversation.locality_id)
        .where(*_statements_in_scope())
        .order_by(Conversation.id, Statement.id)).all()
    rows = []
    for statement, title, space in statements:
        count = counts.get(statement.id)
        people, agree, disagree = ((count.people, int(count.agree), int(count.disagree))
                                   if count else (0, 0, 0))
        withheld = is_small(people)
        rows.append({
            "conversation": title, "space": space or "National space",
            "statement_id": statement.id, "statement": statement.text,
            "author": "research team" if statement.is_seed else pseudonym(statement.author_id),
            "finding_key": statement.finding_key or "",
            "people": None if withheld else people,
            "agree": None if withheld else agree,
            "disagree": None if withheld else disagree,
            "pass": None if withheld else people - agree - disagree,
            "created_at": (statement.created_at or utcnow()).isoformat(),
        })
    return rows


MAX_MAPS = 6  # maps summarised in the dashboard and the PDF (most voters first)
SHOWN = 3  # consensus, divisive and each group's representative statements


def research_person():
    """Whose vote it is for research: the account, or the account a workshop participant
    signed in with (None for a participant who did not: never a consenting person)."""
    return func.coalesce(Vote.user_id, select(Participant.user_id).where(
        Participant.id == Vote.participant_id).scalar_subquery())


def _consenting_votes(*, conversation: int | None = None, workshop: int | None = None,
                      **filters) -> dict[int, list[tuple[int, int, int]]]:
    """Each map's consenting votes within the filters, as sorted (person, statement,
    value) triples: sorted, so that the same votes always give the same fingerprint."""
    voter = research_person()
    narrow = []
    if conversation is not None:
        narrow.append(Vote.conversation_id == conversation)
    if workshop is not None:
        narrow.append(Vote.conversation_id.in_(select(Conversation.id).where(
            Conversation.workshop_id == workshop)))
    rows = db.session.execute(_in_scope(
        select(Vote.conversation_id, voter, Vote.statement_id, Vote.value)
        .join(Statement, Statement.id == Vote.statement_id)
        .where(*_statements_in_scope(), *narrow), **filters)).all()
    by_map: dict[int, list[tuple[int, int, int]]] = {}
    for conversation_id, person, statement_id, value in rows:
        by_map.setdefault(conversation_id, []).append((person, statement_id, value))
    for votes in by_map.values():
        votes.sort()
    return by_map


def fingerprint(votes: list[tuple[int, int, int]]) -> str:
    """What identifies a map's population: a digest of its sorted vote triples.

    ``compute_map`` is seeded and reads nothing else, so the same fingerprint means the
    same map, whichever filters (or none) picked those votes."""
    return hashlib.sha256(np.asarray(votes, dtype=np.int64).tobytes()).hexdigest()


def research_votes(conversation_id: int) -> list[tuple[int, int, int]]:
    """The conversation's consenting votes in research scope, without filters."""
    return _consenting_votes(conversation=conversation_id).get(conversation_id, [])


def research_map(votes: list[tuple[int, int, int]]) -> dict:
    """What the job worker keeps for research: the map of ``votes`` with their fingerprint
    (no map when it would be withheld anyway: fewer than ``SMALL_CELL`` people)."""
    key = fingerprint(votes)
    if is_small(len({v[0] for v in votes})):
        return {"key": key, "result": None}
    return {"key": key, "result": _draw(votes)}


def kept_fingerprint(conversation_id: int) -> str | None:
    """The fingerprint of the votes the kept research map was drawn from (None: none)."""
    kept = db.session.scalar(select(ConversationMap.research)
                             .where(ConversationMap.conversation_id == conversation_id))
    return kept["key"] if kept else None


def store_research_map(conversation_id: int, kept: dict | None) -> None:
    """Keep ``research_map``'s result beside the audience's map (inside the caller's
    transaction)."""
    db.session.execute(update(ConversationMap)
                       .where(ConversationMap.conversation_id == conversation_id)
                       .values(research=kept))


def _draw(votes: list[tuple[int, int, int]]) -> dict:
    return analysis.compute_map(votes, sorted({v[1] for v in votes}), {})


def map_summaries(*, workshop: int | None = None, **filters) -> list[dict]:
    """The maps of consenting votes within the filters, as research sees them.

    The audience's kept maps hold everyone's votes, so research reads its own: the job
    worker keeps each map of consenting votes without filters (``research_map``),
    and a summary uses it only when the votes in scope are exactly the ones it was drawn
    from (same fingerprint); otherwise (other filters, a consent or vote since) it is
    ``analysis.compute_map`` over the votes in scope. A map fewer than ``SMALL_CELL``
    consenting people voted on says only that it is withheld; its opinion groups are
    shown only when every group has at least ``SMALL_CELL`` people, and otherwise what
    unites and divides them is withheld with them. ``workshop``: only that workshop's
    maps.
    """
    by_map = _consenting_votes(workshop=workshop, **filters)
    people = {cid: len({v[0] for v in votes}) for cid, votes in by_map.items()}
    chosen = sorted(by_map, key=lambda cid: (-people[cid], cid))[:MAX_MAPS]
    conversations = {c.id: c for c in db.session.scalars(
        select(Conversation).where(Conversation.id.in_(chosen)))}
    kept = dict(db.session.execute(
        select(ConversationMap.conversation_id, ConversationMap.research)
        .where(ConversationMap.conversation_id.in_(chosen))).all())
    return [_summary(conversations[cid], by_map[cid], people[cid], kept.get(cid))
            for cid in chosen]


def _summary(conversation: Conversation, votes: list[tuple[int, int, int]],
             people: int, kept: dict | None) -> dict:
    summary = {"id": conversation.id, "title": conversation.title,
               "prompt": conversation.prompt,
               "space": conversation.locality.name if conversation.locality else
               "National space", "in_workshop": conversation.workshop_id is not None,
               "people": people, "withheld": is_small(people), "groups": [],
               "groups_withheld": False, "consensus": [], "divisive": [], "svg": None,
               "drawn_here": False}
    if summary["withheld"]:
        return summary
    statement_ids = sorted({v[1] for v in votes})
    texts = dict(db.session.execute(select(Statement.id, Statement.text)
                                    .where(Statement.id.in_(statement_ids))).all())
    usable = (kept is not None and kept["key"] == fingerprint(votes)
              and kept["result"] is not None)
    summary["drawn_here"] = not usable
    result = kept["result"] if usable else _draw(votes)
    groups = result["groups"] if result["placed"] else []
    if any(is_small(g["size"]) for g in groups):
        summary["groups_withheld"] = True
        return summary
    labels = [g["label"] for g in groups]
    summary["groups"] = [
        {"label": g["label"], "size": g["size"],
         "representative": [(texts[r["statement"]], r["direction"], r["percent"])
                            for r in g["representative"][:SHOWN]]} for g in groups]
    summary["consensus"] = [(texts[c["statement"]], c["direction"], c["percent"])
                            for c in result["consensus"][:SHOWN]]
    summary["divisive"] = [(texts[d["statement"]],
                            [(labels[i], round(50 * (1 + net))) for i, net in
                             enumerate(d["net"])]) for d in result["divisive"][:SHOWN]]
    if result["points"] and len(labels) > 1:
        summary["svg"] = opinion_map(result["points"], labels, viewer_id=None,
                                     title=f"Opinion map of {conversation.title}")
    return summary
