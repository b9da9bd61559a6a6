"""Transactions beside the session: after-commit actions, SQLite's write lock, commits
that keep loaded objects, retrying a step that met a lock, and the SQLite connection
rules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from dialogue.extensions import db

# --- After the commit -----------------------------------------------------------------
#
# Side effects that must only happen once the data they describe is committed (a Redis
# copy of a version number, an email), and never for work that is rolled back.

_AFTER_COMMIT = "dialogue_after_commit"
log = logging.getLogger(__name__)


def on_commit(action: Callable[[], None], *, key: Hashable | None = None) -> None:
    """Run ``action`` after the current transaction commits; drop it on rollback.

    A later action registered with the same ``key`` replaces the earlier one (only the
    last state of a thing needs publishing)."""
    actions = db.session.info.setdefault(_AFTER_COMMIT, {})
    slot = key if key is not None else object()
    actions.pop(slot, None)  # a replaced action runs where the new one was registered
    actions[slot] = action


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, {}).values():
        try:
            action()
        except Exception:
            # The commit stands; only this side effect is lost (each caller says which).
            log.exception("an after-commit action failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


# --- The end of a request -------------------------------------------------------------
#
# Flask-SQLAlchemy ends each request with ``session.remove()``, which sends ROLLBACK. If
# the database went away after the response was made (a PostgreSQL restart), that
# ROLLBACK raises from the teardown, after the error page, and the person gets a bare
# 500 from gunicorn instead of the 503 page already written.


def close_sessions_quietly(app: Flask) -> None:
    """End each request's session first (teardowns run last-registered first); a
    connection that died is thrown away without a ROLLBACK it cannot answer."""
    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            log.warning("the database connection was lost at the end of a request: %s",
                        error)
            db.session.registry().invalidate()  # the pool drops it; nothing is sent
            db.session.registry.clear()


# --- SQLite connection rules -------------------------------------------------------
#
# pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves:
# a state-changing request (or an explicit ``write_transaction()``) starts with
# BEGIN IMMEDIATE, which takes the write lock up front and so waits on busy_timeout
# instead of failing with SQLITE_BUSY when a read later turns into a write.
#
# That holds the lock for the whole request. A hot write path can do better with
# ``reads_first()``: its reads run in an ordinary transaction, ended by
# ``commit_keeping_loaded()``, and only the writes that follow, inside
# ``write_transaction()``, hold the lock (the live workshop's answers: a room of phones
# answering at once otherwise queues every worker on the lock).

# None: decide by the request's method; True: take the write lock; False: don't (yet).
_write_intent: ContextVar[bool | None] = ContextVar("dialogue_write_intent", default=None)


@contextmanager
def write_transaction():
    """Mark the transactions begun inside this block as writers (BEGIN IMMEDIATE)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def reads_first():
    """Transactions begun inside this block only read (plain BEGIN), even in a POST.

    End the block's transaction with ``commit_keeping_loaded()`` before writing, and
    write inside ``write_transaction()``."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def commit_keeping_loaded() -> None:
    """Commit without expiring loaded objects, for a caller that knows they are still
    current: it read them (ending a ``reads_first`` block, so the write that follows uses
    them without reading inside the lock) or wrote them itself, and uses them next."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


# --- A step that met a lock ----------------------------------------------------------
#
# With BEGIN IMMEDIATE a writer waits on busy_timeout for the lock; only a lock held
# longer than that (a room of phones answering, a long migration) still ends in
# "database is locked". A background job can afford to wait a little more and try
# again; a request cannot (it answers 503 and the person tries again).

# PostgreSQL's codes for the same kind of conflict: serialization failure, deadlock
# detected, lock not available (lock_timeout).
_LOCK_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_lock_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a lock conflict that trying again later can get past."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) in _LOCK_SQLSTATES:
        return True
    message = str(error.orig).lower()
    return "database is locked" in message or "database table is locked" in message


def retry_when_locked(step: Callable[[], object], *, attempts: int, backoff: float,
                      on_retry: Callable[[int], None] | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> object:
    """Run ``step`` (a whole transaction: it begins, writes and commits); after a lock
    conflict roll back and run it again, ``backoff`` seconds later, doubling, at most
    ``attempts`` times in all. ``on_retry(n)`` is told before the n-th retry. Any other
    error, and the last conflict, are raised."""
    for attempt in range(1, attempts):
        try:
            return step()
        except OperationalError as error:
            db.session.rollback()
            if not is_lock_conflict(error):
                raise
            log.warning("lock conflict, trying again (%s of %s): %s", attempt + 1, attempts,
                        error.orig)
            if on_retry is not None:
                on_retry(attempt + 1)
            sleep(backoff * 2 ** (attempt - 1))
    return step()


def _wants_write_lock() -> bool:
    intent = _write_intent.get()
    if intent is not None:
        return intent
    return has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}


def configure_sqlite(engine: Engine) -> None:
    """Apply WAL, foreign keys, a busy timeout and explicit BEGINs to every connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")
