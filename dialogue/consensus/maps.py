"""Reading a conversation's votes for the computation, and keeping the map it drew."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select, update

from dialogue.consensus.models import (
    Conversation,
    ConversationMap,
    Statement,
    StatementStatus,
    Vote,
)
from dialogue.db import utcnow
from dialogue.extensions import db


@dataclass
class MapInput:
    """What the computation needs, read in one transaction at one version."""

    version: int
    drawn_version: int
    votes: list[tuple[int, int, int]] = field(default_factory=list)
    statement_ids: list[int] = field(default_factory=list)
    profiles: dict[int, dict[str, object]] = field(default_factory=dict)


def load_input(conversation_id: int) -> MapInput | None:
    """The visible statements, every vote on them and each voter's latest profile snapshot."""
    row = versions(conversation_id)
    if row is None:
        return None
    data = MapInput(version=row[0], drawn_version=row[1])
    if data.version == data.drawn_version:
        return data
    data.statement_ids = list(db.session.scalars(
        select(Statement.id).where(Statement.conversation_id == conversation_id,
                                   Statement.status == StatementStatus.VISIBLE)
        .order_by(Statement.id)))
    # Core rows, not ORM ones: 120,000 votes load several times faster this way.
    connection = db.session.connection()
    voter = voter_key()
    data.votes = [tuple(row) for row in connection.execute(
        select(voter, Vote.statement_id, Vote.value)
        .where(Vote.conversation_id == conversation_id))]
    # Each voter's profile as their latest vote recorded it: one row per voter.
    latest = (select(voter.label("voter"), func.max(Vote.updated_at).label("at"))
              .where(Vote.conversation_id == conversation_id)
              .group_by(voter).subquery())
    for key, role, phase, locality_id in connection.execute(
            select(voter, Vote.education_role, Vote.phase, Vote.locality_id)
            .join(latest, and_(latest.c.voter == voter, latest.c.at == Vote.updated_at))
            .where(Vote.conversation_id == conversation_id)):
        data.profiles[key] = {"role": role, "phase": phase, "locality": locality_id}
    return data


def voter_key():
    """Who voted, as one integer: an account's id, or minus a workshop participant's id
    (the map's points and "you are here" use it; the two can never collide)."""
    return func.coalesce(Vote.user_id, -Vote.participant_id)


def participant_key(participant_id: int) -> int:
    """A workshop participant's key on the map (``voter_key``)."""
    return -participant_id


def versions(conversation_id: int) -> tuple[int, int] | None:
    """(the conversation's version, the version its kept map was drawn from)."""
    row = db.session.execute(
        select(Conversation.version, ConversationMap.version)
        .join(ConversationMap, ConversationMap.conversation_id == Conversation.id)
        .where(Conversation.id == conversation_id)).first()
    return (row[0], row[1]) if row is not None else None


def store(conversation_id: int, version: int, result: dict) -> None:
    """Keep ``result`` as the map of ``version``, unless a later one is already kept."""
    db.session.execute(
        update(ConversationMap)
        .where(ConversationMap.conversation_id == conversation_id,
               ConversationMap.version < version)
        .values(version=version, result=result, computed_at=utcnow()))


def clear_request(conversation_id: int) -> None:
    """Nothing left to draw: the next change may ask again."""
    db.session.execute(update(ConversationMap)
                       .where(ConversationMap.conversation_id == conversation_id)
                       .values(requested_at=None))


def map_of(conversation: Conversation) -> ConversationMap:
    """The conversation's kept map (made empty with the conversation)."""
    return db.session.get(ConversationMap, conversation.id)
