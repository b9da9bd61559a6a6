"""Unchanged participant polls answered before Flask: the hot path of a live workshop.

Every phone in the room asks ``GET /j/<code>/live?s=<version>`` every second, and almost
every time the answer is "nothing changed" (204). Through Flask that answer cost about
1.6 ms of CPU (session, login, rate limiter, CSRF, an ORM session, response hooks), which
with 1,000 phones is most of this machine. None of that machinery has anything to say
about an unchanged poll: it reads no cookie and shows nothing personal. So this WSGI
wrapper answers it after one Redis read or one indexed row read on a pooled connection,
with the same headers Flask would add.

Each worker may reuse what it read for ``LIVE_POLL_CACHE_SECONDS`` (0.25 s by default):
at 1,000 phones a second that turns about 250 reads a second per worker into four,
and a change reaches the phones at most that much later. The copy is only ever used to
say "unchanged": a phone holding a *newer* version than the copy (it asked another
worker) makes this worker read afresh, so no phone is ever sent back a question.

It answers 204 (the version the phone holds is current), 304 (the client's ETag is
current), or, when the presenter has moved on, the new question's shared blank form
(``question_fragments``) to a joined participant who has not answered that question yet:
two indexed reads and the cached bytes. Everything else (an unknown code, an ended
workshop, a question whose timer has run out, a phone that answered the question
already, a question no worker has rendered yet, any other query string) goes to Flask's
``participant_live``, which makes the same decisions first and then renders.
``tests/workshops/test_poll_shortcut.py`` checks both paths give the same answers.

The phones' Q&A list polls (``/j/<code>/qa/list``) are answered here too when unchanged,
by ``qa_poll`` (``tests/workshops/test_qa_poll.py``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.http import parse_cookie

from dialogue.extensions import db
from dialogue.redis_client import get_redis, redis_configured
from dialogue.request_figures import REQUEST_ID_HEADER, record_outside_flask
from dialogue.security import SECURITY_HEADERS
from dialogue.workshops.codes import normalise_code
from dialogue.workshops.cookies import cookie_name, read_token
from dialogue.workshops.live import LiveState, read_live_state
from dialogue.workshops.participants import ANSWER_EXISTS, PARTICIPANT_ID_BY_TOKEN
from dialogue.workshops.qa_poll import QA_LIST_PATH, UnchangedQAPolls
from dialogue.workshops.question_fragments import blank_forms

_LIVE_PATH = re.compile(r"/j/([A-Za-z0-9]{1,12})/live")
_SEEN_VERSION = re.compile(r"s=(\d{1,18})")

# Where the shortcut leaves the live state it read, so Flask does not read it again.
LIVE_STATE_ENVIRON_KEY = "dialogue.workshop_live_state"

_COMMON_HEADERS = [*SECURITY_HEADERS.items(), ("Cache-Control", "private, no-cache")]
_FROM_HTMX = ("Vary", "HX-Request")
# The URL rules of the views these polls stand in for (participant_live, qa_list).
_LIVE_ROUTE = "/j/<code>/live"
_QA_LIST_ROUTE = "/j/<code>/qa/list"


class LivePollShortcut:
    """WSGI middleware: participant polls it can answer from one read, else the app."""

    def __init__(self, wsgi_app: Callable, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self._engine = None
        self._redis = None
        self._ttl = float(app.config.get("LIVE_POLL_CACHE_SECONDS", 0))
        self._recent: dict[str, tuple[float, LiveState]] = {}
        self._qa = UnchangedQAPolls(self._ttl)
        self._trust_forwarded_id = bool(app.config.get("TRUSTED_PROXIES"))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO", "")
            match = _LIVE_PATH.fullmatch(path)
            qa_match = None if match else QA_LIST_PATH.fullmatch(path)
            if match or qa_match:
                started = time.perf_counter()
                answer = (self._answer(match.group(1), environ) if match
                          else self._qa_answer(qa_match.group(1), environ))
                if answer is not None:
                    status, headers, body = answer
                    if environ.get("HTTP_HX_REQUEST"):
                        headers.append(_FROM_HTMX)
                    # Counted and logged as Flask counts its own requests, under the
                    # same route labels as the views these polls stand in for.
                    headers.append((REQUEST_ID_HEADER, record_outside_flask(
                        environ, _LIVE_ROUTE if match else _QA_LIST_ROUTE,
                        int(status.split(" ", 1)[0]), time.perf_counter() - started,
                        trust_forwarded_id=self._trust_forwarded_id)))
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, code: str, environ: dict) -> tuple[str, list, bytes] | None:
        code = normalise_code(code)
        recent = self._recent_state(code)
        if recent is not None:
            answer = self._decide(recent, environ)
            if answer is not None:
                return answer
        # Not answerable from the recent copy (it may be older than what the phone has
        # seen): read afresh, and only a fresh state is handed on to Flask.
        state = self._live_state(code)
        if state is None:
            return None  # Flask answers 404
        if self._ttl:
            if len(self._recent) > 1024:
                self._recent.clear()
            self._recent[code] = (time.monotonic() + self._ttl, state)
        environ[LIVE_STATE_ENVIRON_KEY] = state
        return self._decide(state, environ) or self._new_question(code, state, environ)

    def _qa_answer(self, code: str, environ: dict) -> tuple[str, list, bytes] | None:
        """An unchanged poll of a phone's Q&A list (``qa_poll``), else None for Flask."""
        if self._engine is None:
            self._bind()
        if self._engine is None:
            return None
        return self._qa.answer(code, environ, self._engine.connect, _COMMON_HEADERS)

    def _recent_state(self, code: str) -> LiveState | None:
        entry = self._recent.get(code)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    @staticmethod
    def _decide(state: LiveState, environ: dict) -> tuple[str, list, bytes] | None:
        if state.state == "closed":
            return None  # Flask answers with the final fragment and 286
        if state.time_is_up():
            return None  # Flask closes the timed-out question, then shows it closed
        etag = state.participant_etag
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        tags = _etags(if_none_match) if if_none_match else set()
        if "*" in tags or etag.strip('"') in tags:
            return "304 Not Modified", [*_COMMON_HEADERS, ("ETag", etag)], b""
        # Only the plain query the page sends; anything else is Flask's to judge.
        seen = _SEEN_VERSION.fullmatch(environ.get("QUERY_STRING", ""))
        if seen and int(seen.group(1)) == state.state_version:
            return "204 No Content", list(_COMMON_HEADERS), b""
        return None

    def _new_question(self, code: str, state: LiveState,
                      environ: dict) -> tuple[str, list, bytes] | None:
        """The question the room has moved on to, for a participant who has not answered
        it: the shared rendering, if a worker has made one (else Flask renders it)."""
        if not environ.get("HTTP_HX_REQUEST") or state.time_is_up():
            return None  # only htmx, which sends the page's CSRF token, gets the shared form
        if not _SEEN_VERSION.fullmatch(environ.get("QUERY_STRING", "")):
            return None  # only the plain query the page sends
        blank = blank_forms.get(code, state.workshop_id, state.state_version)
        if blank is None:
            return None
        token = read_token(self.app.config["SECRET_KEY"],
                           parse_cookie(environ.get("HTTP_COOKIE", "")).get(cookie_name(code)))
        if token is None:
            return None  # not joined: Flask sends them to the join page
        try:
            with self._engine.connect() as connection:
                participant_id = connection.execute(PARTICIPANT_ID_BY_TOKEN, {
                    "token": token, "workshop_id": state.workshop_id}).scalar()
                answered = participant_id is not None and connection.execute(
                    ANSWER_EXISTS, {"question_id": blank.question_id,
                                    "participant_id": participant_id}).first() is not None
        except Exception:
            return None
        if participant_id is None or answered:
            return None  # Flask sends them to join, or shows their own answer
        body = blank.html.encode()
        return "200 OK", [*_COMMON_HEADERS, ("ETag", state.participant_etag),
                          ("Content-Type", "text/html; charset=utf-8"),
                          ("Content-Length", str(len(body)))], body

    def _live_state(self, code: str) -> LiveState | None:
        if self._engine is None:
            self._bind()
        if self._engine is None:
            return None
        connection = None

        def connect():
            nonlocal connection
            connection = self._engine.connect()
            return connection

        try:
            return read_live_state(code, self._redis, connect)
        except Exception:
            return None  # the database is down: Flask answers with its 503 page
        finally:
            if connection is not None:
                connection.close()

    def _bind(self) -> None:
        """The engine and Redis client, created lazily (after gunicorn forks)."""
        with self.app.app_context():
            self._redis = get_redis() if redis_configured() else None
            self._engine = db.engine


def _etags(header: str) -> set[str]:
    """The opaque tags in an If-None-Match header (weak or strong; '*' matches all)."""
    tags = set()
    for part in header.split(","):
        tags.add(part.strip().removeprefix("W/").strip('"'))
    return tags
