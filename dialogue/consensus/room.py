"""A consensus map as a workshop activity: the facilitator starts it from the console,
the room's phones vote and add statements without signing in, and the audience screen
shows the live map.

The room's voters are the workshop's participants (the signed cookie), so their votes
carry ``participant_id`` (``UNIQUE(statement_id, participant_id)``) and their profile is
what they told the workshop (role, phase) with the workshop's locality. Votes move the
conversation's version and ask for a new map exactly as accounts' votes do: a room
voting together costs one computation per few seconds in the job worker, never one per
phone, and the screen's poll reads the kept map.

Workshops know nothing of this package: the console, the screen and the phones show
what ``sections`` answers to the ``page_sections`` signals they send.
"""

from __future__ import annotations

from sqlalchemy import select

from dialogue import refusals
from dialogue.auth import permissions
from dialogue.consensus import services
from dialogue.consensus.models import (
    Conversation,
    ConversationMap,
    ConversationState,
    Statement,
    StatementStatus,
    Vote,
)
from dialogue.consensus.services import VoteRefused
from dialogue.db import upsert_statement, utcnow
from dialogue.extensions import db
from dialogue.workshops import live
from dialogue.workshops.models import Participant, Workshop, WorkshopState


def workshop_map(workshop_id: int) -> Conversation | None:
    """The workshop's consensus map (the newest, if it has run more than one)."""
    return db.session.scalar(
        select(Conversation).where(Conversation.workshop_id == workshop_id)
        .order_by(Conversation.id.desc()).limit(1))


def start_map(workshop: Workshop, actor, *, title: str, prompt: str = "",
              seeds: list[str] = (), requires_approval: bool = False) -> Conversation:
    """Open a consensus map in the workshop (its locality's), seeded, shown on the screen."""
    if not permissions.can_run_workshop(actor, workshop):
        raise refusals.NotPermitted("Only the workshop's facilitator can start its map.")
    if workshop.state == WorkshopState.CLOSED:
        raise VoteRefused("This workshop has ended.")
    conversation = services.create_conversation(
        actor, title=title, prompt=prompt, locality=workshop.locality,
        requires_approval=requires_approval, workshop_id=workshop.id)
    for line in seeds:
        services.add_statement(conversation, actor, line, seed=True)
    conversation.on_screen = True
    # Phones fetch their page again (state_version): it now offers the map.
    live.bump(workshop, state_changed=True)
    return conversation


def set_on_screen(conversation: Conversation, actor, shown: bool) -> None:
    """Show the map on the audience screen, or take it off."""
    if not permissions.can_run_conversation(actor, conversation):
        raise refusals.NotPermitted("Only the map's owner can do that.")
    if conversation.on_screen == shown:
        raise refusals.InvalidTransition("The map is already on the screen." if shown
                                         else "The map is already off the screen.")
    conversation.on_screen = shown
    db.session.flush()
    services.bump_version(conversation)  # the screen's poll sees it


def _require_room(conversation: Conversation, participant: Participant,
                  workshop: Workshop) -> None:
    if conversation.workshop_id != workshop.id or participant.workshop_id != workshop.id:
        raise services.WrongConversation("That map belongs to another workshop.")
    if workshop.state == WorkshopState.CLOSED:
        raise VoteRefused("This workshop has ended, so its map no longer takes votes.")


def cast_room_vote(conversation: Conversation, statement: Statement, workshop: Workshop,
                   participant: Participant, value: int) -> None:
    """Record or change a participant's vote: one row per (statement, participant)."""
    _require_room(conversation, participant, workshop)
    value = services.check_vote(conversation, statement, value)
    now = utcnow()
    values = {"conversation_id": conversation.id, "statement_id": statement.id,
              "participant_id": participant.id, "value": int(value),
              "created_at": now, "updated_at": now,
              "education_role": participant.education_role, "phase": participant.phase,
              "school_type": None, "locality_id": workshop.locality_id}
    db.session.execute(upsert_statement(
        db.engine.dialect.name, Vote, values, key=("statement_id", "participant_id"),
        update=("value", "updated_at", "education_role", "phase", "locality_id")))
    services.bump_version(conversation)


def add_room_statement(conversation: Conversation, workshop: Workshop,
                       participant: Participant, text: str) -> Statement:
    """A participant's own statement: held for the facilitator when the map asks for it."""
    _require_room(conversation, participant, workshop)
    if not conversation.is_open:
        raise VoteRefused("This map has closed, so it no longer takes statements.")
    text = services.check_new_statement(conversation, text)
    statement = Statement(
        conversation_id=conversation.id, text=text, participant_id=participant.id,
        education_role=participant.education_role, phase=participant.phase,
        status=StatementStatus.HELD if conversation.requires_approval
        else StatementStatus.VISIBLE)
    db.session.add(statement)
    db.session.flush()
    services.bump_version(conversation)
    return statement


def phone_link(workshop_id: int) -> tuple[str, bool] | None:
    """(title, open) of the workshop's map, for the phones' live region: three columns on
    an index, no ORM object (the region is rendered on every answer's confirmation)."""
    row = db.session.execute(
        select(Conversation.title, Conversation.state)
        .where(Conversation.workshop_id == workshop_id)
        .order_by(Conversation.id.desc()).limit(1)).first()
    return (row.title, row.state == ConversationState.OPEN) if row is not None else None


def screen_state(workshop_id: int) -> tuple[int, int, int, bool] | None:
    """(conversation id, its version, the kept map's version, on screen) for the screen's
    poll: one indexed read, no map."""
    row = db.session.execute(
        select(Conversation.id, Conversation.version, ConversationMap.version,
               Conversation.on_screen)
        .join(ConversationMap, ConversationMap.conversation_id == Conversation.id)
        .where(Conversation.workshop_id == workshop_id)
        .order_by(Conversation.id.desc()).limit(1)).first()
    return tuple(row) if row is not None else None

