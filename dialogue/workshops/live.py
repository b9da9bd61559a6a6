"""The live version numbers pollers compare, kept in the database and mirrored in Redis.

``bump`` runs an UPDATE on the workshop row in the caller's transaction, so a version
can never be visible before the change it stands for. On PostgreSQL that UPDATE also
takes the workshop's row lock, which serialises a response write against a facilitator
closing the question. After the commit, the new numbers are copied to Redis (when
configured) with a compare-and-set that only moves forward, so a slow writer can never
put an older version back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial

from flask import current_app
from sqlalchemy import bindparam, select, update

from dialogue.db import on_commit
from dialogue.extensions import db
from dialogue.redis_client import get_redis, redis_configured
from dialogue.workshops.models import Workshop

REDIS_TTL = 24 * 3600

# Only move forward: a writer that commits later but reaches Redis first is not undone.
_SET_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'v')
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'id', ARGV[4], 'v', ARGV[1], 's', ARGV[2], 'st', ARGV[3])
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

    @property
    def participant_etag(self) -> str:
        return f'"p{self.workshop_id}-{self.state_version}"'

    @property
    def presenter_etag(self) -> str:
        return f'"w{self.workshop_id}-{self.version}"'


_LIVE_QUERY = (select(Workshop.id, Workshop.version, Workshop.state_version, Workshop.state)
               .where(Workshop.code == bindparam("code")))


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
        .returning(Workshop.version, Workshop.state_version, Workshop.state)
        .execution_options(synchronize_session=False)
    ).one()
    db.session.expire(workshop, ["version", "state_version"])
    state = LiveState(workshop.id, row.version, row.state_version, str(workshop.state))
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
                                     state.workshop_id, REDIS_TTL])
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
            return LiveState(int(cached[b"id"]), int(cached[b"v"]), int(cached[b"s"]),
                             cached[b"st"].decode())
    row = connect().execute(_LIVE_QUERY, {"code": code}).one_or_none()
    if row is None:
        return None
    state = LiveState(row.id, row.version, row.state_version, row.state)
    if client is not None:
        _mirror(client, code, state)
    return state
