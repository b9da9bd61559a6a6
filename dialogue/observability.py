"""Request ids, one JSON log line per request, and Prometheus metrics at ``/metrics``.

Request id: nginx's ``X-Request-ID`` when the proxy is trusted (``TRUSTED_PROXIES``, and
nginx always overwrites a client's own), otherwise a fresh one; sent back in the
``X-Request-ID`` response header, put on every log line of the request and shown on
error pages, so a person can quote it and an operator can find the line.

Metrics: prometheus_client in multi-process mode when ``PROMETHEUS_MULTIPROC_DIR`` is
set (deploy/gunicorn.conf.py sets it): each gunicorn worker writes its counters to a
memory-mapped file there and a scrape of any worker adds them all up. Figures that
live in the database (job queue, live workshops, PDF renders) are read at scrape time,
so they are right whichever worker answers and whichever process did the work.
``/metrics`` answers loopback and ``METRICS_ALLOW`` addresses, or a bearer
``METRICS_TOKEN``; anyone else gets 404, as if it were not there.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import sys
import time
import uuid
from datetime import UTC, timedelta

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from dialogue.db import utcnow
from dialogue.extensions import csrf, db
from dialogue.jobs import get_huey
from dialogue.reports.models import JobState, SynthesisJob
from dialogue.request_figures import (
    FORWARDED_ID,
    REQUEST_ID_HEADER,
    REQUEST_SECONDS,
    REQUESTS_FAILED,
    request_log,
    warn_once,
)
from dialogue.workshops.models import Participant, Workshop, WorkshopState

# --- Request id and the JSON log line -------------------------------------------------


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def _begin() -> None:
    forwarded = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = bool(current_app.config.get("TRUSTED_PROXIES"))
    g.request_id = (forwarded if trusted and FORWARDED_ID.fullmatch(forwarded)
                    else uuid.uuid4().hex)
    g.request_started = time.perf_counter()


def _route() -> str:
    # The URL rule, not the path: bounded label values (no ids, no join codes).
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _finish(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:  # a request that failed before _begin ran
        return response
    seconds = time.perf_counter() - started
    rid = g.get("request_id", "")
    response.headers[REQUEST_ID_HEADER] = rid
    route = _route()
    try:
        REQUEST_SECONDS.labels(request.method, route, str(response.status_code)).observe(
            seconds)
        if response.status_code >= 500:
            REQUESTS_FAILED.labels(route).inc()
    except OSError as error:
        # Counting must never fail the request it counts (a multi-process directory
        # removed under a running server, a full disk): the figures are lost, not the page.
        warn_once("request metrics are not being recorded: %s", error)
    # The path without its query string: queries can carry search terms and tokens.
    request_log.info("request", extra={"http": {
        "method": request.method, "path": request.path, "route": route,
        "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
        "remote_addr": request.remote_addr}})
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
                + f".{int(record.msecs):03d}Z",
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            line["request_id"] = rid
        http = getattr(record, "http", None)
        if http:
            line.update(http)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


def _install_json_logging(app: Flask) -> None:
    """The app's loggers ("dialogue" and below) write JSON lines to stderr, once."""
    logger = logging.getLogger("dialogue")
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # else gunicorn's or the root's handler prints it again


# --- Metrics ------------------------------------------------------------------------


class DatabaseFigures:
    """Gauges read from the database when scraped (the same for every worker)."""

    def collect(self):
        now = utcnow()
        depth = GaugeMetricFamily("dialogue_job_queue_depth",
                                  "Jobs waiting in the job queue (Huey).")
        try:
            depth.add_metric([], get_huey().pending_count())
        except Exception:  # a queue that cannot be read is shown as NaN, not a failed scrape
            depth.add_metric([], float("nan"))
        yield depth
        by_state = dict(db.session.execute(
            select(SynthesisJob.state, func.count()).group_by(SynthesisJob.state)).all())
        jobs = GaugeMetricFamily("dialogue_pdf_jobs", "PDF synthesis jobs by state.",
                                 labels=["state"])
        for state in JobState:
            jobs.add_metric([state.value], by_state.get(state.value, 0))
        yield jobs
        oldest = db.session.scalar(select(func.min(SynthesisJob.created_at))
                                   .where(SynthesisJob.state == JobState.QUEUED))
        yield GaugeMetricFamily(
            "dialogue_pdf_oldest_queued_seconds",
            "Age of the oldest PDF job still waiting for the worker (0: none).",
            value=(now - _aware(oldest)).total_seconds() if oldest else 0)
        since = now - timedelta(hours=1)
        finished = db.session.execute(
            select(SynthesisJob.state, SynthesisJob.started_at, SynthesisJob.finished_at)
            .where(SynthesisJob.finished_at >= since)).all()
        renders = GaugeMetricFamily("dialogue_pdf_renders_last_hour",
                                    "PDF renders finished in the last hour, by outcome.",
                                    labels=["state"])
        for state in (JobState.DONE, JobState.FAILED):
            renders.add_metric([state.value], sum(1 for s, *_ in finished if s == state))
        yield renders
        durations = [(end - start).total_seconds() for s, start, end in finished
                     if s == JobState.DONE and start and end]
        yield GaugeMetricFamily("dialogue_pdf_render_seconds_max_last_hour",
                                "The longest PDF render of the last hour (0: none).",
                                value=max(durations, default=0))
        live = select(Workshop.id).where(Workshop.state == WorkshopState.LIVE)
        yield GaugeMetricFamily("dialogue_live_workshops", "Workshops running now.",
                                value=db.session.scalar(
                                    select(func.count()).select_from(live.subquery())))
        yield GaugeMetricFamily(
            "dialogue_live_workshop_participants", "Participants in workshops running now.",
            value=db.session.scalar(select(func.count(Participant.id))
                                    .where(Participant.workshop_id.in_(live))))


def _aware(moment):
    # SQLite hands back naive datetimes for columns written as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def metrics_text() -> bytes:
    """Every worker's request figures (multi-process mode) and the database figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        requests = generate_latest(registry)
    else:
        requests = generate_latest(REGISTRY)
    figures = CollectorRegistry()
    figures.register(DatabaseFigures())
    return requests + generate_latest(figures)


def metrics_allowed(remote_addr: str | None, authorization: str, allow: list[str],
                    token: str | None) -> bool:
    """Loopback or an ``allow`` address/network, or the bearer ``token``."""
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if address.is_loopback:
        return True
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)


def metrics_view():
    allow = [a.strip() for a in (current_app.config.get("METRICS_ALLOW") or "").split(",")
             if a.strip()]
    if not metrics_allowed(request.remote_addr, request.headers.get("Authorization", ""),
                           allow, current_app.config.get("METRICS_TOKEN")):
        abort(404)
    return Response(metrics_text(), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def init_observability(app: Flask) -> None:
    """Register the request id, the log line and ``/metrics`` on ``app``."""
    app.config.setdefault("METRICS_ALLOW", os.environ.get("METRICS_ALLOW", ""))
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    log_format = os.environ.get("LOG_FORMAT") or app.config.get("LOG_FORMAT") or (
        "json" if app.config.get("ENV_NAME") == "production" else "text")
    if log_format == "json":
        _install_json_logging(app)
    app.before_request(_begin)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", csrf.exempt(metrics_view))

    @app.context_processor
    def _request_id():
        return {"request_id": request_id()}
