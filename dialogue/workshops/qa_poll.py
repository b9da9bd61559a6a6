"""Unchanged Q&A polls answered before Flask, by the poll shortcut (``poll_shortcut``).

A phone on the Q&A page asks ``GET /j/<code>/qa/list?v=<version>&sort=<sort>`` every
2 s, and while nobody asks, votes or moderates the answer is "unchanged". Through Flask
that cost a whole request (session, login, CSRF, an ORM session, hooks) for one
comparison; here it is one indexed read of the Q&A version (``qa_services.
VERSION_BY_CODE``), which each worker reuses for ``LIVE_POLL_CACHE_SECONDS`` like the
live polls' copy. The copy only ever says "unchanged": a phone that holds a newer
version than the copy (it asked another worker) makes the worker read afresh.

The answers are the view's (``views.qa.qa_list``): 304 for its current ETag, 204 for the
current version, with the same headers. Anything else (a changed list, an unknown code,
any other query string) is the view's to answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from werkzeug.http import parse_etags

from dialogue.workshops.codes import normalise_code
from dialogue.workshops.qa_services import VERSION_BY_CODE

QA_LIST_PATH = re.compile(r"/j/([A-Za-z0-9]{1,12})/qa/list")
# Only the queries the page's list sends; anything else is Flask's to judge.
_QUERY = re.compile(r"v=(\d{1,18})(?:&sort=(votes|newest))?")

Answer = tuple[str, list, bytes]


class UnchangedQAPolls:
    """The Q&A list's unchanged polls, from one read (or a recent copy of it)."""

    def __init__(self, ttl: float):
        self._ttl = ttl
        self._recent: dict[str, tuple[float, int, int]] = {}  # code: (until, id, version)

    def answer(self, code: str, environ: dict, connect: Callable,
               headers: list) -> Answer | None:
        """204 or 304 with ``headers`` (and the ETag) if the poll is unchanged, else None."""
        query = _QUERY.fullmatch(environ.get("QUERY_STRING", ""))
        if query is None:
            return None
        seen, sort = int(query.group(1)), query.group(2) or "votes"
        code = normalise_code(code)
        found = self._recent_copy(code)
        if found is None or seen > found[1]:
            found = self._read(code, connect)
            if found is None:
                return None  # unknown code or no database: Flask answers
        workshop_id, version = found
        etag = f'"qa{workshop_id}-{version}-{sort}"'
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(etag.strip('"')):
            return "304 Not Modified", [*headers, ("ETag", etag)], b""
        if seen == version:
            return "204 No Content", list(headers), b""
        return None

    def _recent_copy(self, code: str) -> tuple[int, int] | None:
        entry = self._recent.get(code)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def _read(self, code: str, connect: Callable) -> tuple[int, int] | None:
        try:
            with connect() as connection:
                row = connection.execute(VERSION_BY_CODE, {"code": code}).one_or_none()
        except Exception:
            return None
        if row is None:
            return None
        if self._ttl:
            if len(self._recent) > 1024:
                self._recent.clear()
            self._recent[code] = (time.monotonic() + self._ttl, row[0], row[1])
        return row[0], row[1]
