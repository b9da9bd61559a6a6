"""The live version numbers pollers compare, kept in the database and mirrored in Redis.

``bump`` runs an UPDATE on the workshop row in the caller's transaction, so a version
can never be visible before the change it stands for. After the commit, the new numbers
are copied to Redis (when configured) with a compare-and-set that only moves forward, so
a slow writer can never put an older version back.

Only the facilitator's changes bump the workshop row. Answers and joins do not: on
PostgreSQL that UPDATE held the workshop's row lock until the answer committed, so every
answer in the room queued behind the one before it. The presenter's version
(``presenter_version``) adds what answers and joins write to their own rows instead: who
has joined, and the current question's answers (how many, and how many writes). An
answer is ordered against a close by a share lock on its question's row
(``participants.store_answer``).

The current question's deadline (``Workshop.closes_at``) travels with the numbers: once it
has passed, a poller cannot say "unchanged" (the question is about to close), so it hands
the request on to the view, which closes the question and moves the state version on.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from functools import partial

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from dialogue.extensions import db
from dialogue.redis_client import get_redis, redis_configured
from dialogue.transactions import on_commit
from dialogue.workshops.models import Participant, Response, Workshop

REDIS_TTL = 24 * 3600

# Only move forward: a writer that commits later but reaches Redis first is not undone.
_SET_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'v')
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'id', ARGV[4], 'v', ARGV[1], 's', ARGV[2], 'st', ARGV[3],
             'd', ARGV[6])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True)
class LiveState:
    """What a poller needs to decide whether anything changed."""

    workshop_id: int
    version: int
    state_version: int
    state: str
    # The current question's deadline (seconds since the epoch), or None when untimed.
    closes_at: float | None = None

    def time_is_up(self, now: float | None = None) -> bool:
        """Whether the current question's timer has run out (it is about to close)."""
        return self.closes_at is not None and (now or time.time()) >= self.closes_at

    @property
    def participant_etag(self) -> str:
        return f'"p{self.workshop_id}-{self.state_version}"'


def presenter_etag(workshop_id: int, version: str) -> str:
    """The screen's and console's ETag for a ``presenter_version``."""
    return f'"w{workshop_id}-{version}"'


_LIVE_QUERY = (select(Workshop.id, Workshop.version, Workshop.state_version, Workshop.state,
                      Workshop.closes_at)
               .where(Workshop.code == bindparam("code")))


def _epoch(moment) -> float | None:
    return None if moment is None else moment.timestamp()


def _key(code: str) -> str:
    return f"dialogue:workshop-live:{code}"


def bump(workshop: Workshop, *, state_changed: bool = False) -> int:
    """Move the workshop's version on (and its state version, when participants' view
    changes), inside the current transaction; return the new version."""
    values = {"version": Workshop.version + 1}
    if state_changed:
        values["state_version"] = Workshop.state_version + 1
    row = db.session.execute(
        update(Workshop).where(Workshop.id == workshop.id).values(**values)
        .returning(Workshop.version, Workshop.state_version, Workshop.state, Workshop.closes_at)
        .execution_options(synchronize_session=False)
    ).one()
    db.session.expire(workshop, ["version", "state_version"])
    state = LiveState(workshop.id, row.version, row.state_version, str(workshop.state),
                      _epoch(row.closes_at))
    on_commit(partial(publish, workshop.code, state), key=("workshop-live", workshop.code))
    return row.version


def publish(code: str, state: LiveState) -> None:
    """Copy a committed live state to Redis (no-op without Redis)."""
    if redis_configured() and not _mirror(get_redis(), code, state):
        current_app.logger.warning("could not publish workshop %s live state", code)


def _mirror(client, code: str, state: LiveState) -> bool:
    """Move the Redis copy forward to ``state``; on failure drop it (readers then use
    the database, because a stale cached version would hide the change)."""
    try:
        client.register_script(_SET_IF_NEWER)(
            keys=[_key(code)], args=[state.version, state.state_version, state.state,
                                     state.workshop_id, REDIS_TTL,
                                     "" if state.closes_at is None else repr(state.closes_at)])
    except Exception:
        with contextlib.suppress(Exception):  # Redis is down: readers use the DB
            client.delete(_key(code))
        return False
    return True


def live_state(code: str) -> LiveState | None:
    """The live numbers for a workshop code: one Redis read, or one indexed row read."""
    client = get_redis() if redis_configured() else None
    # A Core statement on the session's connection: no ORM machinery on the hot path.
    return read_live_state(code, client, db.session.connection)


def read_live_state(code: str, client, connect) -> LiveState | None:
    """The live numbers from Redis (``client``, or None without Redis), else from the
    database through ``connect()`` (a connection; the caller owns its lifetime). Shared
    by the poll views and the poll shortcut, which runs outside Flask."""
    if client is not None:
        try:
            cached = client.hgetall(_key(code))
        except Exception:
            cached = None
        if cached:
            deadline = cached.get(b"d")
            return LiveState(int(cached[b"id"]), int(cached[b"v"]), int(cached[b"s"]),
                             cached[b"st"].decode(), float(deadline) if deadline else None)
    row = connect().execute(_LIVE_QUERY, {"code": code}).one_or_none()
    if row is None:
        return None
    state = LiveState(row.id, row.version, row.state_version, row.state,
                      _epoch(row.closes_at))
    if client is not None:
        _mirror(client, code, state)
    return state


# One statement on the indexes the rows already have (participants by workshop, answers
# by question): the screen and console run it on each poll, a few a second per room.
_PRESENTER_QUERY = select(
    select(func.count()).select_from(Participant)
    .where(Participant.workshop_id == bindparam("workshop_id")).scalar_subquery(),
    func.count(Response.id), func.coalesce(func.sum(Response.revision), 0),
).where(Response.question_id == bindparam("question_id"))


def presenter_version(workshop_id: int, version: int, question_id: int | None) -> str:
    """What the screen and console poll on: the workshop's ``version`` (the facilitator's
    changes, hiding an answer), who has joined, and the current question's answers: how
    many, and how many times they were written (``Response.revision``, +1 per change).
    Each answer moves the last two on, each join the second, without any shared row.

    Read it *before* what it describes (on PostgreSQL each statement sees the latest
    commits): a rendering newer than its version costs one more poll, never a missed
    answer."""
    joined, answers, writes = db.session.connection().execute(
        _PRESENTER_QUERY, {"workshop_id": workshop_id, "question_id": question_id}).one()
    return f"{version}.{joined}.{answers}.{writes}"
