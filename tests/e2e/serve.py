"""Serve Dialogue for the browser tests, in its own process.

    python -m tests.e2e.serve --root DIR

builds a fresh SQLite database in DIR, loads the briefings and the demo data exactly as
``make run`` does (``flask dialogue demo``), then serves on a free loopback port with CSRF
and rate limits ON, and writes the base URL to ``DIR/ready`` once it accepts connections.

A separate process keeps the app's module-level extensions (the limiter, the login
manager) away from the unit tests that build their own apps in the same pytest worker.

Test-only hooks live outside Flask's URL map (so the route sweep never sees them) and
exist only in this script:
``POST /__e2e__/reset-rate-limits`` clears the limiter between tests, so each journey
meets the real limits from a clean slate; ``GET /__e2e__/outbox`` returns the mail
written to the outbox so far as JSON (for password-reset style journeys).

Mail goes by SMTP to the loopback server on ``E2E_SMTP_PORT`` when it is set (the
harness starts one), as in production: notification mail is sent only by a real
backend, so the journeys that follow an emailed link need it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from dialogue import create_app
from dialogue.config import TestConfig
from dialogue.extensions import db, limiter
from dialogue.mail import OutboxMessage
from dialogue.schema import create_all

HOOK_PREFIX = "/__e2e__/"


class QuietHandler(WSGIRequestHandler):
    """No access log line per request; errors still reach the log file."""

    def log_request(self, code="-", size="-"):
        if str(code).startswith("5"):
            super().log_request(code, size)


class TestHooks:
    """WSGI middleware answering the test-only hooks; everything else goes to the app."""

    def __init__(self, app):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(HOOK_PREFIX):
            return self.wsgi_app(environ, start_response)
        name, method = path[len(HOOK_PREFIX):], environ.get("REQUEST_METHOD")
        with self.app.app_context():
            if name == "reset-rate-limits" and method == "POST":
                limiter.reset()
                start_response("204 No Content", [])
                return [b""]
            if name == "outbox" and method == "GET":
                rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))
                body = json.dumps([
                    {"to": row.recipient, "subject": row.subject, "body": row.text_body}
                    for row in rows
                ]).encode()
                db.session.rollback()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such test hook"]


def build_app(root: Path):
    """The app with its own database, demo data loaded, CSRF and rate limits on."""
    smtp_port = os.environ.get("E2E_SMTP_PORT")
    mail = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": int(smtp_port),
            "MAIL_USE_TLS": False} if smtp_port else {}
    app = create_app({
        **mail,
        "CONFIG": TestConfig,
        "INSTANCE_PATH": str(root / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.sqlite3'}",
        "SERVER_NAME": None,  # answer on 127.0.0.1:<port>, not "localhost"
        "TESTING": False,  # real error pages, not propagated exceptions
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        # The browser waits for the inline PDF render itself. At nice 10 the render child
        # got about 1% of a CI machine busy with the rest of the suite, and the click's
        # 60 s ran out (twice, at load 12); tests/reports/test_synthesis.py checks the niceness.
        "JOB_NICE": 0,
    })
    with app.app_context():
        create_all()
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["dialogue", "demo"])
    print(f"$ flask dialogue demo\n{result.output}", flush=True)
    if result.exit_code != 0:
        if result.exception is not None:
            raise result.exception
        raise SystemExit(f"`flask dialogue demo` failed with exit code {result.exit_code}")
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    app = build_app(args.root)
    app.wsgi_app = TestHooks(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    # Written aside and renamed: the harness polls for the file, and must never read it
    # between its creation and its content (it once got an empty URL under load).
    (args.root / "ready.tmp").write_text(url)
    (args.root / "ready.tmp").replace(args.root / "ready")
    print(f"serving {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
