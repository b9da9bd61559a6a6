"""Consensus-map verbs: open a conversation, add, approve and hide statements, vote.

Each takes the acting user, flushes and never commits. Every change bumps the
conversation's version and asks for a new map after the commit (``tasks.request_map``).
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from dialogue import audit, refusals
from dialogue.auth import permissions
from dialogue.consensus import tasks
from dialogue.consensus.models import (
    Conversation,
    ConversationMap,
    ConversationState,
    Statement,
    StatementFlag,
    StatementStatus,
    Vote,
    VoteValue,
)
from dialogue.db import upsert_statement, utcnow
from dialogue.extensions import db
from dialogue.localities import Locality

MAX_TITLE = 150
MAX_PROMPT = 1000
MAX_STATEMENT = 280
MAX_REASON = 1000


class StatementRefused(refusals.Unprocessable):
    """The statement's text cannot be used as it is."""


class VoteRefused(refusals.InvalidTransition):
    """This statement or conversation does not take votes now."""


class WrongConversation(refusals.Unprocessable):
    """The statement belongs to another conversation."""


# --- conversations --------------------------------------------------------------------


def create_conversation(owner, *, title: str, prompt: str = "",
                        locality: Locality | None = None, requires_approval: bool = False,
                        workshop_id: int | None = None) -> Conversation:
    """Open a conversation in a locality's space (or the national space, ``locality=None``)."""
    if not permissions.can_start_conversation(owner):
        raise refusals.NotPermitted("Only facilitators and researchers can open a consensus map.")
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise refusals.Unprocessable(f"Give a title of up to {MAX_TITLE} characters.")
    if len(prompt) > MAX_PROMPT:
        raise refusals.Unprocessable(f"The question must be {MAX_PROMPT} characters or fewer.")
    conversation = Conversation(
        title=title, prompt=prompt, owner_id=owner.id,
        locality_id=locality.id if locality else None, requires_approval=requires_approval,
        workshop_id=workshop_id)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(ConversationMap(conversation_id=conversation.id))
    audit.record("consensus", "open_conversation", owner, "conversation", conversation.id,
                 locality_id=conversation.locality_id, title=title)
    db.session.flush()
    return conversation


def close_conversation(conversation: Conversation, actor) -> None:
    """Stop taking statements and votes (the map stays)."""
    _require_runner(conversation, actor)
    conversation.close()
    audit.record("consensus", "close_conversation", actor, "conversation", conversation.id,
                 locality_id=conversation.locality_id)
    db.session.flush()


def reopen_conversation(conversation: Conversation, actor) -> None:
    """Take statements and votes again."""
    _require_runner(conversation, actor)
    conversation.reopen()
    audit.record("consensus", "reopen_conversation", actor, "conversation", conversation.id,
                 locality_id=conversation.locality_id)
    db.session.flush()


def _require_runner(conversation: Conversation, actor) -> None:
    if not permissions.can_run_conversation(actor, conversation):
        raise refusals.NotPermitted("Only this conversation's owner can do that.")


def conversations_in(locality: Locality | None) -> list[Conversation]:
    """A space's conversations (``None``: national), open ones first, newest first."""
    where = (Conversation.locality_id.is_(None) if locality is None
             else Conversation.locality_id == locality.id)
    return list(db.session.scalars(
        select(Conversation).where(where, Conversation.workshop_id.is_(None))
        .order_by(Conversation.state != ConversationState.OPEN, Conversation.created_at.desc(),
                  Conversation.id.desc())))


def bump_version(conversation: Conversation) -> None:
    """One more change to draw: the version goes up (in SQL, so concurrent votes all count)."""
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                       .values(version=Conversation.version + 1))
    db.session.expire(conversation, ["version"])
    tasks.request_map(conversation.id)


# --- statements -----------------------------------------------------------------------


def check_statement_text(text: str) -> str:
    """The text as it will be stored (verbatim), or a refusal saying what to change."""
    if not text or not text.strip():
        raise StatementRefused("Write a statement.")
    if len(text) > MAX_STATEMENT:
        raise StatementRefused(f"A statement must be {MAX_STATEMENT} characters or fewer "
                               f"(this one has {len(text)}).")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise StatementRefused("Write the statement on one line, without control characters.")
    return text


def _normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_new_statement(conversation: Conversation, text: str) -> str:
    """``check_statement_text``, and not a duplicate of one already in the conversation."""
    text = check_statement_text(text)
    wanted = _normalised(text)
    existing = db.session.scalars(select(Statement.text).where(
        Statement.conversation_id == conversation.id))
    if any(_normalised(other) == wanted for other in existing):
        raise StatementRefused("That statement is already in this conversation.")
    return text


def add_statement(conversation: Conversation, author, text: str, *, seed: bool = False,
                  finding_key: str | None = None) -> Statement:
    """Add a statement; held for approval when the owner asked for it (never a seed, and
    never the owner's or a moderator's own)."""
    if not conversation.is_open:
        raise VoteRefused("This conversation has closed, so it no longer takes statements.")
    if seed and not permissions.can_run_conversation(author, conversation):
        raise refusals.NotPermitted("Only this conversation's owner can seed statements.")
    if not seed and not permissions.can_contribute(author):
        raise refusals.NotPermitted("Your account cannot add statements at the moment.")
    if not seed and conversation.workshop_id is not None:
        raise VoteRefused("This map takes statements in its workshop, from the phones that "
                          "joined with the code.")
    text = check_new_statement(conversation, text)
    held = (conversation.requires_approval and not seed
            and not permissions.can_moderate_conversation(author, conversation))
    statement = Statement(conversation_id=conversation.id, text=text, is_seed=seed,
                          author_id=None if seed else author.id, finding_key=finding_key,
                          status=StatementStatus.HELD if held else StatementStatus.VISIBLE)
    if not seed:
        statement.copy_profile(author)
    db.session.add(statement)
    db.session.flush()
    bump_version(conversation)
    return statement


def approve_statement(statement: Statement, actor) -> None:
    """Show a held (or hidden) statement: the owner or a moderator of its space."""
    conversation = _moderated(statement, actor)
    if statement.is_visible and _has_open_flags(statement):
        # As with a post: approving a visible, flagged statement keeps it and answers
        # the flags.
        resolve_flags(statement)
        audit.record("moderation", "dismiss_statement_flags", actor, "consensus_statement",
                     statement.id, locality_id=conversation.locality_id,
                     conversation_id=conversation.id)
        db.session.flush()
        return
    statement.approve()
    resolve_flags(statement)
    audit.record("moderation", "approve_statement", actor, "consensus_statement", statement.id,
                 locality_id=conversation.locality_id, conversation_id=conversation.id)
    db.session.flush()
    bump_version(conversation)


def hide_statement(statement: Statement, actor, reason: str) -> None:
    """Take a statement out of the voting and the map, with a reason (the text is kept)."""
    conversation = _moderated(statement, actor)
    reason = reason.strip()
    if not reason:
        raise refusals.Unprocessable("Give a reason for hiding the statement.")
    statement.hide(actor, reason[:MAX_REASON])
    resolve_flags(statement)
    audit.record("moderation", "hide_statement", actor, "consensus_statement", statement.id,
                 reason=reason[:MAX_REASON], locality_id=conversation.locality_id,
                 conversation_id=conversation.id)
    db.session.flush()
    bump_version(conversation)


def _has_open_flags(statement: Statement) -> bool:
    return db.session.scalar(select(StatementFlag.id).where(
        StatementFlag.statement_id == statement.id, StatementFlag.resolved_at.is_(None))
        .limit(1)) is not None


def resolve_flags(statement: Statement) -> None:
    """Close a statement's open flags: a moderator's decision answered them."""
    db.session.execute(update(StatementFlag).where(
        StatementFlag.statement_id == statement.id, StatementFlag.resolved_at.is_(None))
        .values(resolved_at=utcnow()))


def _moderated(statement: Statement, actor) -> Conversation:
    conversation = db.session.get(Conversation, statement.conversation_id)
    if not permissions.can_moderate_conversation(actor, conversation):
        raise refusals.NotPermitted("Only this conversation's owner or a moderator can do that.")
    return conversation


def statements_of(conversation: Conversation, *, statuses=(StatementStatus.VISIBLE,)
                  ) -> list[Statement]:
    """A conversation's statements in these states, oldest first."""
    return list(db.session.scalars(
        select(Statement).where(Statement.conversation_id == conversation.id,
                                Statement.status.in_(statuses))
        .order_by(Statement.created_at, Statement.id)))


# --- votes ----------------------------------------------------------------------------


def cast_vote(conversation: Conversation, statement: Statement, user, value: int) -> None:
    """Record or change ``user``'s vote, with a snapshot of their profile.

    One statement keyed on UNIQUE(statement_id, user_id): two simultaneous requests
    cannot make two votes."""
    if not permissions.can_vote_in_conversation(user, conversation):
        raise refusals.NotPermitted("Your account cannot vote at the moment.")
    if conversation.workshop_id is not None:
        raise VoteRefused("This map is voted on in its workshop, on the phones that joined "
                          "with the code.")
    value = check_vote(conversation, statement, value)
    _upsert_vote(conversation.id, statement.id, user, int(value))
    bump_version(conversation)


def check_vote(conversation: Conversation, statement: Statement, value: int) -> VoteValue:
    """The vote's value, if this statement takes votes now (else a refusal saying why)."""
    if statement.conversation_id != conversation.id:
        raise WrongConversation("That statement belongs to another conversation.")
    if not conversation.is_open:
        raise VoteRefused("This conversation has closed, so it no longer takes votes.")
    if statement.is_hidden:
        raise VoteRefused("This statement has been hidden by a moderator, so it no longer "
                          "takes votes.")
    if statement.is_held:
        raise VoteRefused("This statement is waiting for approval, so it cannot be voted "
                          "on yet.")
    try:
        return VoteValue(value)
    except ValueError:
        raise refusals.Unprocessable("Choose agree, disagree or pass.") from None


def _upsert_vote(conversation_id: int, statement_id: int, user, value: int) -> None:
    now = utcnow()
    values = {"conversation_id": conversation_id, "statement_id": statement_id,
              "user_id": user.id, "value": value, "created_at": now, "updated_at": now,
              "education_role": user.education_role, "phase": user.phase,
              "school_type": user.school_type, "locality_id": user.locality_id}
    db.session.execute(upsert_statement(
        db.engine.dialect.name, Vote, values, key=("statement_id", "user_id"),
        update=("value", "updated_at", "education_role", "phase", "school_type",
                "locality_id")))
    db.session.flush()


def my_votes(conversation: Conversation, user) -> dict[int, int]:
    """This user's votes in the conversation, by statement id."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return dict(db.session.execute(
        select(Vote.statement_id, Vote.value)
        .where(Vote.conversation_id == conversation.id, Vote.user_id == user.id)).all())


def _votes_of(vote, user=None, participant_id: int | None = None):
    """The clause picking one voter's votes: an account, or a workshop participant."""
    if participant_id is not None:
        return vote.participant_id == participant_id
    return vote.user_id == user.id


def next_statement(conversation: Conversation, user, *,
                   participant_id: int | None = None) -> Statement | None:
    """The next visible statement ``user`` (or the room's ``participant_id``) has not voted
    on: fewest votes first (to spread them), and among equals the newest (so new
    statements are seen early)."""
    mine = aliased(Vote)
    votes = (select(Vote.statement_id, func.count(Vote.id).label("n"))
             .where(Vote.conversation_id == conversation.id)
             .group_by(Vote.statement_id).subquery())
    return db.session.scalar(
        select(Statement)
        .outerjoin(votes, votes.c.statement_id == Statement.id)
        .where(Statement.conversation_id == conversation.id,
               Statement.status == StatementStatus.VISIBLE,
               ~select(mine.id).where(mine.statement_id == Statement.id,
                                      _votes_of(mine, user, participant_id)).exists())
        .order_by(func.coalesce(votes.c.n, 0), Statement.created_at.desc(),
                  Statement.id.desc())
        .limit(1))


def progress(conversation: Conversation, user, *,
             participant_id: int | None = None) -> tuple[int, int]:
    """(statements this user, or the room's participant, has voted on, visible statements)."""
    total = db.session.scalar(select(func.count(Statement.id)).where(
        Statement.conversation_id == conversation.id,
        Statement.status == StatementStatus.VISIBLE)) or 0
    if participant_id is None and not getattr(user, "is_authenticated", False):
        return 0, total
    voted = db.session.scalar(
        select(func.count(Vote.id)).join(Statement, Statement.id == Vote.statement_id)
        .where(Vote.conversation_id == conversation.id,
               _votes_of(Vote, user, participant_id),
               Statement.status == StatementStatus.VISIBLE)) or 0
    return voted, total
