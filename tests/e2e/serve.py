"""Serve Dialogue for the browser tests, in its own process.

    python -m tests.e2e.serve --root DIR

builds a fresh SQLite database in DIR, loads the demo data exactly as
``flask dialogue demo`` does (after importing the briefings when that command exists),
then serves on a free loopback port with CSRF and rate limits ON, and writes the
base URL to ``DIR/ready`` once it accepts connections.

A separate process keeps the app's module-level extensions (the limiter, the login
manager) away from the unit tests that build their own apps in the same pytest worker.

Test-only hooks live outside Flask's URL map (so the route sweep never sees them) and
exist only in this script:
``POST /__e2e__/reset-rate-limits`` clears the limiter between tests, so each journey
meets the real limits from a clean slate; ``GET /__e2e__/outbox`` returns the mail
"sent" so far as JSON (for password-reset style journeys).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

HOOK_PREFIX = "/__e2e__/"
# Commands run before `dialogue demo`, if the app has them, so briefings exist to read.
CONTENT_COMMANDS = (("dialogue", "import-briefings"), ("briefings", "import"))


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
        from dialogue.extensions import limiter
        from dialogue.mail import outbox

        name, method = path[len(HOOK_PREFIX):], environ.get("REQUEST_METHOD")
        with self.app.app_context():
            if name == "reset-rate-limits" and method == "POST":
                limiter.reset()
                start_response("204 No Content", [])
                return [b""]
            if name == "outbox" and method == "GET":
                body = json.dumps([
                    {"to": m["To"], "subject": m["Subject"], "body": m.get_content()}
                    for m in outbox()
                ]).encode()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such test hook"]


def build_app(root: Path):
    """The app with its own database, demo data loaded, CSRF and rate limits on."""
    from dialogue import create_app
    from dialogue.config import TestConfig
    from dialogue.extensions import db
    from dialogue.schema import create_all

    app = create_app({
        "CONFIG": TestConfig,
        "INSTANCE_PATH": str(root / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.sqlite3'}",
        "SERVER_NAME": None,  # answer on 127.0.0.1:<port>, not "localhost"
        "TESTING": False,  # real error pages, not propagated exceptions
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
    })
    with app.app_context():
        create_all()
        db.session.commit()
    runner = app.test_cli_runner()
    for group, command in CONTENT_COMMANDS:
        if group in app.cli.commands and command in getattr(app.cli.commands[group],
                                                              "commands", {}):
            _invoke(app, runner, [group, command])
    _invoke(app, runner, ["dialogue", "demo"])
    return app


def _invoke(app, runner, args: list[str]) -> None:
    result = runner.invoke(args=args)
    if result.exit_code != 0 and "SERVER_NAME" in str(result.exception):
        # A bug in the command (url_for outside a request), not in this harness:
        # test_demo_command.py fails while it lasts. Load the data anyway so the
        # journeys can run, inside a request context as a web request would have.
        print(f"BUG: `flask {' '.join(args)}` needs a request context: "
              f"{result.exception}", flush=True)
        with app.test_request_context("/"):
            result = runner.invoke(args=args)
    print(f"$ flask {' '.join(args)}\n{result.output}", flush=True)
    if result.exit_code != 0:
        if result.exception is not None:
            raise result.exception
        raise SystemExit(f"`flask {' '.join(args)}` failed with exit code {result.exit_code}")


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
    (args.root / "ready").write_text(url)
    print(f"serving {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
