"""Every rate limit in one place: who is counted (the key) and how much (the setting).

Per network address only where a person is not yet known (sign-in, registration,
password reset, join-code tries); posting, reacting and voting are counted per person
or per workshop participant, because a whole school shares one address. The limits
themselves are settings in ``Config`` (see docs/configuration.md).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many
from limits.storage import MovingWindowSupport, Storage

from dialogue.extensions import limiter

# --- where the counts are kept ------------------------------------------------------


class SQLiteStorage(Storage, MovingWindowSupport):
    """Counts in one SQLite file, shared by every process and thread of one machine.

    ``memory://`` counts per process: with gunicorn's several workers each counts alone
    (issue 16: 19 wrong passwords passed a limit of 10). Without Redis, the default setup
    keeps the counts here instead; with Redis (``REDIS_URL``) they are kept there, across
    machines. Each check is one short ``BEGIN IMMEDIATE`` transaction, so two workers
    never both take the last place in a window. Losing the file loses only counts, so it
    is written without fsync (``synchronous=OFF``).
    """

    STORAGE_SCHEME = ["dialogue+sqlite"]
    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL,"
        " expires REAL NOT NULL)",
        "CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)",
        "CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires)",
        "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL,"
        " expires REAL NOT NULL)",
    )

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_):
        path = urlsplit(uri or "").path
        if not path or path == "/":
            raise ValueError("dialogue+sqlite:// needs a file: dialogue+sqlite:///path/file")
        self.path = Path(path)
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        with self._transaction() as conn:
            for statement in self._SCHEMA:
                conn.execute(statement)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and per process: gunicorn forks after --preload,
        # and a connection must never cross a fork.
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    class _Tx:
        def __init__(self, conn: sqlite3.Connection):
            self.conn = conn

        def __enter__(self) -> sqlite3.Connection:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type, *_):
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> _Tx:
        return self._Tx(self._connection())

    def _sweep(self, conn: sqlite3.Connection, now: float) -> None:
        # Keys that never come back would stay for ever; one call in a hundred clears
        # everything expired.
        if random.random() < 0.01:  # nosec B311 - not for security
            conn.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))

    # fixed-window counters
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as conn:
            self._sweep(conn, now)
            conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            conn.execute(
                "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry))
            return conn.execute("SELECT value FROM counters WHERE key = ?",
                                (key,)).fetchone()[0]

    def decr(self, key: str, amount: int = 1) -> int:
        with self._transaction() as conn:
            conn.execute("UPDATE counters SET value = max(value - ?, 0) WHERE key = ?",
                         (amount, key))
            row = conn.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
            return row[0] if row else 0

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires > ?",
            (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
            conn.execute("DELETE FROM hits WHERE key = ?", (key,))

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as conn:
            count = conn.execute("SELECT (SELECT count(*) FROM hits)"
                                 " + (SELECT count(*) FROM counters)").fetchone()[0]
            conn.execute("DELETE FROM hits")
            conn.execute("DELETE FROM counters")
        return count

    # the moving window (the strategy Config sets)
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as conn:
            self._sweep(conn, now)
            conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - expiry))
            (count,) = conn.execute("SELECT count(*) FROM hits WHERE key = ?",
                                    (key,)).fetchone()
            if count + amount > limit:
                return False
            conn.executemany("INSERT INTO hits (key, at, expires) VALUES (?, ?, ?)",
                             [(key, now, now + expiry)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = self._connection().execute(
            "SELECT min(at), count(*) FROM hits WHERE key = ? AND at > ?",
            (key, now - expiry)).fetchone()
        return (oldest if count else now), count


def storage_uri_for(app: Flask) -> str:
    """Redis when configured; otherwise the shared file in the instance folder.

    ``RATELIMIT_STORAGE_URI`` set to anything (``memory://`` in tests) wins."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return app.config["RATELIMIT_STORAGE_URI"]
    return f"dialogue+sqlite:///{Path(app.instance_path) / 'ratelimits.sqlite3'}"


def init_app(app: Flask) -> None:
    """Choose where the counts are kept, then bind the limiter."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri_for(app)
    limiter.init_app(app)


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def per_address() -> str:
    """The client's address (behind a proxy, the one ProxyFix took from it)."""
    return f"ip:{get_remote_address()}"


def per_user() -> str:
    """The signed-in person; everyone signed out shares one budget."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return "anonymous"


def per_cookie(prefix: str) -> Callable[[], str]:
    """The holder of the cookie ``prefix + <code>`` of the route's ``code``, else the address.

    Workshops name their participant cookie this way; the key is the signed cookie
    value itself, so the limit follows the participant, not the school's address."""

    def key() -> str:
        code = (request.view_args or {}).get("code", "")
        raw = request.cookies.get(prefix + code)
        return f"cookie:{raw}" if raw else per_address()

    return key


def _failed(response) -> bool:
    # Only wrong or expired codes count against a join limit.
    return response.status_code in (400, 404, 410, 422)


# --- the limits, as decorators -------------------------------------------------------

login_limit = limiter.limit(_setting("LOGIN_RATE_LIMIT"), key_func=per_address,
                            methods=["POST"])
register_limit = limiter.limit(_setting("REGISTER_RATE_LIMIT"), key_func=per_address,
                               methods=["POST"])
password_reset_limit = limiter.limit(_setting("PASSWORD_RESET_RATE_LIMIT"),
                                     key_func=per_address, methods=["POST"])
# One budget for every kind of new post (threads, replies, comments).
posting_limit = limiter.shared_limit(_setting("POST_RATE_LIMIT"), scope="posting",
                                     key_func=per_user, methods=["POST"])
reaction_limit = limiter.limit(_setting("VOTE_RATE_LIMIT"), key_func=per_user)


def _joined_code() -> str:
    # The code from the URL (/j/<code>) or the join form, as people type it off a screen.
    raw = (request.view_args or {}).get("code") or request.form.get("code", "")
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def per_address_and_workshop() -> str:
    return f"{per_address()}:join:{_joined_code()}"


def per_workshop() -> str:
    return f"join:{_joined_code()}"


def _made_participant(response) -> bool:
    # A join that handed out a new ballot: the response sets a participant cookie.
    return any(line.startswith(PARTICIPANT_COOKIE_PREFIX)
               for line in response.headers.getlist("Set-Cookie"))


# The workshops' participant cookie prefix (dialogue/workshops/cookies.py), repeated here
# because the core may not import a feature.
PARTICIPANT_COOKIE_PREFIX = "dialogue_wsp_"


def join_limit(methods: list[str] | None = None):
    """Wrong join codes tried from one address, and new ballots handed out.

    A client that drops its cookie gets a new ballot on each join (issue 16: 1,363 votes
    in 60 s), so successful joins count too: per address and workshop (high enough for a
    room of 300 behind one school address to join within a minute) and per workshop."""
    wrong = limiter.limit(_setting("JOIN_RATE_LIMIT"), key_func=per_address,
                          methods=methods, deduct_when=_failed)
    # Shared: /join and /j/<code> hand out ballots from one budget.
    per_room = limiter.shared_limit(_setting("JOINS_PER_ADDRESS_RATE_LIMIT"),
                                    scope="ballots-per-address",
                                    key_func=per_address_and_workshop, methods=methods,
                                    deduct_when=_made_participant)
    per_code = limiter.shared_limit(_setting("JOINS_PER_WORKSHOP_RATE_LIMIT"),
                                    scope="ballots-per-workshop", key_func=per_workshop,
                                    methods=methods, deduct_when=_made_participant)

    def decorate(view):
        return wrong(per_room(per_code(view)))

    return decorate


def unknown_code_allowed() -> bool:
    """Count one unknown code asked for from this address (the phones' poll answers 404
    for it); False once the address is past the wrong-code budget (``JOIN_RATE_LIMIT``).

    Counted by hand, only for unknown codes, rather than as a route limit: a route
    limit is tested before every request, so one pupil trying codes would stop the
    polls of every phone in the school, which shares the address. Known codes' polls
    never touch the limiter."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    key = per_address()
    return all(limiter.limiter.hit(item, "unknown-workshop-code", key)
               for item in parse_many(current_app.config["JOIN_RATE_LIMIT"]))


def participant_limit(cookie_prefix: str):
    """Answers and other writes by one workshop participant."""
    return limiter.limit(_setting("VOTE_RATE_LIMIT"), key_func=per_cookie(cookie_prefix))


exempt = limiter.exempt
