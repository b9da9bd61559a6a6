"""Question timers: a countdown that closes answers when it ends, without a background thread.

Opening a timed question sets ``Workshop.closes_at``. Nothing wakes up at the deadline:
an answer after it is refused as closed (``participants.store_answer``), and the first
request that asks after it (a phone's poll, the screen's, the console's, an answer)
closes the question through ``close_if_time_is_up``. Its guarded UPDATE lets exactly one
of a room's simultaneous requests do it; the others find nothing to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.refusals import Unprocessable
from dialogue.workshops import live
from dialogue.workshops.models import Question, QuestionState, Workshop

MIN_SECONDS = 5
MAX_SECONDS = 3600


class InvalidTimer(Unprocessable):
    """A timer outside the allowed range (422)."""


def check_seconds(seconds: int | None) -> int | None:
    """``seconds`` if it is a usable timer (None for no timer); else an InvalidTimer."""
    if seconds is None:
        return None
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise InvalidTimer(f"A timer must be between {MIN_SECONDS} seconds and "
                           f"{MAX_SECONDS // 60} minutes.")
    return seconds


def start(workshop: Workshop, seconds: int | None) -> None:
    """Start the current question's countdown (or none, when ``seconds`` is None)."""
    seconds = check_seconds(seconds)
    workshop.closes_at = None if seconds is None else utcnow() + timedelta(seconds=seconds)


def stop(workshop: Workshop) -> None:
    """No countdown for the current question."""
    workshop.closes_at = None


def seconds_left(workshop: Workshop, now: datetime | None = None) -> int | None:
    """Whole seconds until the current question closes, or None when untimed."""
    if workshop.closes_at is None:
        return None
    return max(0, round((workshop.closes_at - (now or utcnow())).total_seconds()))


def time_is_up(closes_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a deadline has passed."""
    return closes_at is not None and (now or utcnow()) >= closes_at


def close_if_time_is_up(workshop: Workshop) -> bool:
    """Close the current question if its timer has run out; True if this call did it.

    Flushes (the caller commits). Of several requests at the deadline only one sees its
    UPDATE match, so the question closes and the versions move on exactly once.
    """
    now = utcnow()
    row = db.session.execute(
        update(Workshop).where(Workshop.id == workshop.id, Workshop.closes_at <= now)
        .values(closes_at=None).returning(Workshop.current_question_id)
        .execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    db.session.execute(
        update(Question).where(Question.id == row.current_question_id,
                               Question.state == QuestionState.OPEN)
        .values(state=QuestionState.CLOSED).execution_options(synchronize_session=False))
    db.session.expire(workshop)
    for question in workshop.questions:
        db.session.expire(question, ["state"])
    live.bump(workshop, state_changed=True)
    return True
