"""The request figures every answer is counted in, whoever answers it: Flask (through
``observability``) or the WSGI shortcut that answers phones' unchanged polls before Flask
(``workshops.poll_shortcut``). Here, below the features, so that both can use them.
"""

from __future__ import annotations

import logging
import re
import uuid

from prometheus_client import Counter, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; a forwarded id is kept only if it looks like one
# of ours, so a log line can never carry a client's text.
FORWARDED_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
request_log = logging.getLogger("dialogue.request")

# Module level, once per process: the default registry refuses a second metric of a name.
REQUEST_SECONDS = Histogram(
    "dialogue_http_request_duration_seconds", "Time to answer a request, by route.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUESTS_FAILED = Counter(
    "dialogue_http_server_errors", "Requests answered with a 5xx status, by route.",
    ["route"])


_warned: set[str] = set()


def warn_once(message: str, error: Exception) -> None:
    """Log a failure to count once per process: counting must never fail a request."""
    if message not in _warned:
        _warned.add(message)
        logging.getLogger(__name__).warning(message, error)


def record_outside_flask(environ: dict, route: str, status: int, seconds: float, *,
                         trust_forwarded_id: bool = False) -> str:
    """Count and log a request answered before Flask (the phones' unchanged polls, by
    ``workshops.poll_shortcut``) exactly as ``_finish`` does for Flask's; the request id.

    Without this the hottest route of a live workshop was missing from the latency
    histograms and the request log: a room of 1,000 phones looked idle."""
    forwarded = environ.get("HTTP_X_REQUEST_ID", "")
    rid = (forwarded if trust_forwarded_id and FORWARDED_ID.fullmatch(forwarded)
           else uuid.uuid4().hex)
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)
    except OSError as error:
        warn_once("request metrics are not being recorded: %s", error)
    request_log.info("request", extra={"request_id": rid, "http": {
        "method": method, "path": environ.get("PATH_INFO", ""), "route": route,
        "status": status, "duration_ms": round(seconds * 1000, 1),
        "remote_addr": environ.get("REMOTE_ADDR"), "answered_by": "poll_shortcut"}})
    return rid


class AccessLineFormatter(logging.Formatter):
    """A request as one short text line (``GET /briefings/ 200 4.1 ms``), for a terminal.

    ``flask dialogue serve`` prints these where ``make run`` users look; production logs
    stay JSON (``LOG_FORMAT``).
    """

    def format(self, record: logging.LogRecord) -> str:
        http = getattr(record, "http", None)
        when = self.formatTime(record, "%H:%M:%S")
        if not http:
            return f"{when} {record.name} {record.getMessage()}"
        return (f"{when} {http.get('method', '-')} {http.get('path', '-')} "
                f"{http.get('status', '-')} {http.get('duration_ms', '-')} ms")
