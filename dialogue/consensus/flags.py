"""Flags on consensus statements, under the same rules as flags on posts.

The reasons, the form, who may flag and the threshold that hides a statement until a
moderator looks (``FLAGS_TO_HIDE``) are discussion's and moderation's; only the row is
ours. A moderator's approve or hide closes the open flags (``services.resolve_flags``),
and every flag, automatic hiding and decision is in the audit trail (``moderation``).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select, update

from dialogue import audit, refusals
from dialogue.auth import permissions
from dialogue.consensus.models import Conversation, Statement, StatementFlag, StatementStatus
from dialogue.consensus.services import bump_version
from dialogue.db import utcnow
from dialogue.discussion.models import FlagReason
from dialogue.extensions import db


class FlagRefused(refusals.Unprocessable):
    """This flag cannot be taken (already flagged, one's own statement, not shown)."""


def _check(statement: Statement, user, reason: FlagReason, detail: str) -> None:
    if not permissions.can_flag(user):
        raise FlagRefused("Your account cannot flag statements at the moment.")
    if not statement.is_visible:
        raise FlagRefused("This statement is no longer shown, so it cannot be flagged.")
    if statement.author_id == user.id:
        raise FlagRefused("You cannot flag your own statement.")
    if reason == FlagReason.OTHER and not detail.strip():
        raise FlagRefused("Say what is wrong with this statement.")
    already = db.session.scalar(select(StatementFlag.id).where(
        StatementFlag.statement_id == statement.id, StatementFlag.flagger_id == user.id))
    if already is not None:
        raise FlagRefused("You have already flagged this statement.")


def flag_statement(statement: Statement, user, reason: FlagReason | str,
                   detail: str = "") -> bool:
    """Flag a statement for moderators; True when this flag hid it (the threshold)."""
    reason = FlagReason(reason)
    _check(statement, user, reason, detail)
    conversation = db.session.get(Conversation, statement.conversation_id)
    db.session.add(StatementFlag(statement_id=statement.id, flagger_id=user.id, reason=reason,
                                 detail=detail.strip()[:1000]))
    db.session.flush()
    audit.record("moderation", "flag_statement", user, "consensus_statement", statement.id,
                 reason=reason.value, locality_id=conversation.locality_id,
                 conversation_id=conversation.id)
    open_flags = db.session.scalar(select(func.count(StatementFlag.id)).where(
        StatementFlag.statement_id == statement.id, StatementFlag.resolved_at.is_(None)))
    if open_flags < current_app.config["FLAGS_TO_HIDE"]:
        return False
    reason_text = f"Hidden automatically after {open_flags} flags, until a moderator reviews it."
    # Conditional, so two flaggers crossing the threshold together hide it once.
    result = db.session.execute(
        update(Statement).where(Statement.id == statement.id,
                                Statement.status == StatementStatus.VISIBLE)
        .values(status=StatementStatus.HIDDEN, hidden_reason=reason_text, hidden_by_id=None,
                hidden_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(statement)
    audit.record("moderation", "auto_hide_statement", None, "consensus_statement",
                 statement.id, reason=reason_text, locality_id=conversation.locality_id,
                 conversation_id=conversation.id, flags=open_flags)
    bump_version(conversation)
    return True


def open_flags(statement_ids: Iterable[int]) -> dict[int, list[StatementFlag]]:
    """The open flags on these statements, oldest first."""
    ids = list(statement_ids)
    found: dict[int, list[StatementFlag]] = {i: [] for i in ids}
    if ids:
        for flag in db.session.scalars(
                select(StatementFlag).where(StatementFlag.statement_id.in_(ids),
                                            StatementFlag.resolved_at.is_(None))
                .order_by(StatementFlag.created_at, StatementFlag.id)):
            found[flag.statement_id].append(flag)
    return found


def flagged_statements(conversation: Conversation) -> list[tuple[Statement, list]]:
    """The statements with open flags (visible, or hidden by the threshold) and their flags."""
    statements = list(db.session.scalars(
        select(Statement).where(
            Statement.conversation_id == conversation.id,
            Statement.id.in_(select(StatementFlag.statement_id)
                             .where(StatementFlag.resolved_at.is_(None))))
        .order_by(Statement.id)))
    flags = open_flags(s.id for s in statements)
    return [(s, flags[s.id]) for s in statements]


def waiting_for(moderator) -> list[tuple[Conversation, int, int]]:
    """(conversation, statements held, statements flagged) for each conversation this
    moderator may moderate that has something waiting, for the moderation queue."""
    held = dict(db.session.execute(
        select(Statement.conversation_id, func.count(Statement.id))
        .where(Statement.status == StatementStatus.HELD)
        .group_by(Statement.conversation_id)).all())
    flagged = dict(db.session.execute(
        select(Statement.conversation_id, func.count(func.distinct(Statement.id)))
        .join(StatementFlag, StatementFlag.statement_id == Statement.id)
        .where(StatementFlag.resolved_at.is_(None))
        .group_by(Statement.conversation_id)).all())
    ids = set(held) | set(flagged)
    if not ids:
        return []
    conversations = db.session.scalars(
        select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.id))
    return [(c, held.get(c.id, 0), flagged.get(c.id, 0)) for c in conversations
            if permissions.can_moderate_conversation(moderator, c)]
