"""Request ids, the JSON request log line, /metrics and who may read it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from dialogue.observability import JsonFormatter, metrics_allowed
from dialogue.request_figures import AccessLineFormatter


@pytest.fixture
def json_lines(app):
    """The JSON lines the app's loggers write during the test."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logger = logging.getLogger("dialogue")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_each_request_gets_an_id_header_and_one_log_line(client, json_lines):
    first = client.get("/accessibility?q=private")
    second = client.get("/accessibility")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    requests = [line for line in json_lines if line["logger"] == "dialogue.request"]
    assert [r["request_id"] for r in requests] == ids
    line = requests[0]
    assert line["method"] == "GET" and line["path"] == "/accessibility"
    assert line["status"] == 200 and line["route"] == "/accessibility"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "private" not in json.dumps(line)  # the query string is never logged


def test_a_forwarded_id_is_ignored_without_a_trusted_proxy(app, client):
    app.config["TRUSTED_PROXIES"] = 0
    reply = client.get("/healthz", headers={"X-Request-ID": "abcdef0123456789"})
    assert reply.headers["X-Request-ID"] != "abcdef0123456789"


def test_nginx_s_id_is_kept_when_the_proxy_is_trusted(app, client, json_lines):
    app.config["TRUSTED_PROXIES"] = 1
    nginx_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    reply = client.get("/healthz", headers={"X-Request-ID": nginx_id})
    assert reply.headers["X-Request-ID"] == nginx_id
    assert any(line.get("request_id") == nginx_id for line in json_lines)
    # Not an id of ours (spaces, a newline): replaced, so a log line never carries it.
    odd = client.get("/healthz", headers={"X-Request-ID": "x y\tinjected"})
    assert odd.headers["X-Request-ID"] != "x y\tinjected"


def test_error_pages_show_the_reference(client):
    reply = client.get("/no-such-page-at-all")
    assert reply.status_code == 404
    assert reply.headers["X-Request-ID"] in reply.get_data(as_text=True)


def test_metrics_count_requests_by_route_with_database_figures(client):
    client.get("/accessibility")
    reply = client.get("/metrics")
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    assert reply.headers["Cache-Control"] == "no-store"
    line = next(x for x in text.splitlines() if x.startswith(
        "dialogue_http_request_duration_seconds_count{") and 'route="/accessibility"' in x)
    assert float(line.rsplit(" ", 1)[1]) >= 1
    for name in ("dialogue_job_queue_depth", "dialogue_pdf_jobs{state=\"queued\"}",
                 "dialogue_pdf_oldest_queued_seconds", "dialogue_live_workshops",
                 "dialogue_live_workshop_participants", "dialogue_pdf_renders_last_hour"):
        assert f"\n{name}" in text, name


def test_metrics_are_hidden_from_other_addresses(client):
    reply = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert reply.status_code == 404


@pytest.mark.parametrize(("remote", "auth", "allow", "token", "expected"), [
    ("127.0.0.1", "", [], None, True),
    ("::1", "", [], None, True),
    ("203.0.113.9", "", [], None, False),
    ("203.0.113.9", "", ["203.0.113.0/24"], None, True),
    ("198.51.100.1", "", ["203.0.113.0/24"], None, False),
    ("198.51.100.1", "Bearer s3cret-token", [], "s3cret-token", True),
    ("198.51.100.1", "Bearer wrong", [], "s3cret-token", False),
    ("198.51.100.1", "Bearer ", [], None, False),
    (None, "", [], None, False),
])
def test_who_may_read_metrics(remote, auth, allow, token, expected):
    assert metrics_allowed(remote, auth, allow, token) is expected


def test_favicon_robots_and_security_txt(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
    robots = client.get("/robots.txt").get_data(as_text=True)
    for private in ("/research/", "/account", "/admin/", "/workshops/", "/j/"):
        assert f"Disallow: {private}" in robots
    assert "Disallow: /briefings" not in robots
    security = client.get("/.well-known/security.txt")
    assert security.status_code == 200
    fields = dict(line.split(": ", 1) for line in security.get_data(as_text=True).splitlines()
                  if line and not line.startswith("#"))
    assert fields["Contact"].startswith("mailto:")
    from datetime import UTC, datetime, timedelta
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    # RFC 9116: in the future, and not more than a year away. Failing here means: renew it.
    assert datetime.now(UTC) < expires < datetime.now(UTC) + timedelta(days=366)


def test_a_missing_metrics_directory_costs_the_figures_not_the_page(tmp_path):
    """In a fresh process (prometheus_client picks its multi-process mode on import),
    with the multi-process directory gone: the page still answers, with a warning."""
    script = (
        "from dialogue import create_app\n"
        "app = create_app({'CONFIG': 'testing', 'SQLALCHEMY_DATABASE_URI': "
        f"'sqlite:///{tmp_path / 'db.sqlite3'}'}})\n"
        "print(app.test_client().get('/healthz').status_code)\n")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "gone")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.strip().splitlines()[-1] == "200", done.stderr[-2000:]
    assert "request metrics are not being recorded" in done.stderr


def test_polls_answered_before_flask_are_counted_and_logged(app, client, json_lines):
    """The poll shortcut answers most of a live room's requests without Flask: they are
    in the latency histogram and the request log under the view's route all the same."""
    from dialogue.request_figures import REQUEST_ID_HEADER, record_outside_flask

    def count(route: str) -> float:
        text = client.get("/metrics").get_data(as_text=True)
        lines = [x for x in text.splitlines() if x.startswith(
            "dialogue_http_request_duration_seconds_count{") and f'route="{route}"' in x
            and 'status="204"' in x]
        return sum(float(x.rsplit(" ", 1)[1]) for x in lines)

    before = count("/j/<code>/live")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/j/ABC123/live",
               "REMOTE_ADDR": "10.1.2.3", "HTTP_X_REQUEST_ID": "f" * 32}
    rid = record_outside_flask(environ, "/j/<code>/live", 204, 0.0004)
    assert rid != "f" * 32 and len(rid) == 32  # not a proxy we trust: an id of our own
    assert record_outside_flask(environ, "/j/<code>/live", 204, 0.0004,
                                trust_forwarded_id=True) == "f" * 32
    assert count("/j/<code>/live") == before + 2
    logged = [line for line in json_lines if line.get("answered_by") == "poll_shortcut"]
    assert [line["request_id"] for line in logged] == [rid, "f" * 32]
    assert logged[0]["path"] == "/j/ABC123/live" and logged[0]["status"] == 204
    assert REQUEST_ID_HEADER == "X-Request-ID"


def test_the_embedded_servers_access_line_is_short_text():
    record = logging.LogRecord("dialogue.request", logging.INFO, __file__, 1, "request",
                               None, None)
    record.http = {"method": "GET", "path": "/briefings/", "status": 200,
                   "duration_ms": 4.1}
    line = AccessLineFormatter().format(record)
    assert line.endswith(" GET /briefings/ 200 4.1 ms")
    plain = logging.LogRecord("waitress", logging.INFO, __file__, 1, "Serving on %s",
                              ("http://127.0.0.1:5000",), None)
    assert AccessLineFormatter().format(plain).endswith(
        " waitress Serving on http://127.0.0.1:5000")
