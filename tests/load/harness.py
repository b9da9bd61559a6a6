"""A real server for load and fault tests: gunicorn on loopback, plain HTTP clients,
and (for the outage test) a PostgreSQL instance of our own.

Everything here talks only to 127.0.0.1, is bounded in time, and stops what it
started by process id.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from dialogue import create_app
from dialogue.auth.models import User
from dialogue.config import DevelopmentConfig, normalise_database_url
from dialogue.extensions import db
from dialogue.localities import ensure_default_localities
from dialogue.schema import create_all
from tests.servers import free_port, percentile

# The marks of every test that starts its own server and databases: they run in the
# SQLite pass of `make test`, and the PostgreSQL pass (TEST_DATABASE_URL) need not run
# them again.
REAL_SERVER_MARKS = [
    pytest.mark.slow, pytest.mark.xdist_group("real-server"),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                       reason="runs in the SQLite pass; starts its own databases"),
]

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
PASSWORD = "load test passphrase"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


# --- the database -----------------------------------------------------------------------

def prepare_database(url: str, users: int, instance: Path) -> list[str]:
    """Create the schema and ``users`` accounts (cheap hashes); return their emails."""
    app = create_app({"CONFIG": DevelopmentConfig, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "load-test", "INSTANCE_PATH": str(instance)})
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    emails = [f"load{n}@dialogue.example.org" for n in range(users)]
    with app.app_context():
        create_all()
        ensure_default_localities()
        for email in emails:
            db.session.add(User(email=email, display_name=email.split("@")[0],
                                password_hash=cheap, research_consent=True))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return emails


def count_rows(url: str, sql: str, params: dict | None = None) -> list[tuple]:
    """Run a read query against the database directly (not through the app)."""
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params or {})]
    finally:
        engine.dispose()


def sqlite_integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# --- gunicorn ----------------------------------------------------------------------------

class Server:
    """gunicorn serving wsgi:app on a loopback port, started and stopped by pid."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 3,
                 worker_class: str = "sync", threads: int = 1, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log_path = workdir / "gunicorn.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
            "DATABASE_URL": database_url, "SECRET_KEY": "load-test",
            "DIALOGUE_ENV": "development", "RATELIMIT_ENABLED": "0",
            "SESSION_COOKIE_SECURE": "0", **(extra_env or {}),
        }
        self.args = [str(VENV_BIN / "gunicorn"), "--workers", str(workers),
                     "--worker-class", worker_class, "--threads", str(threads),
                     "--bind", f"127.0.0.1:{self.port}", "--timeout", "30",
                     "--graceful-timeout", "5", "--error-logfile", "-",
                     # The app is imported once and forked: a killed worker is replaced
                     # at once instead of importing everything again.
                     # Not gunicorn's shared ~/.gunicorn control socket: tests run
                     # several servers at once.
                     "--no-control-socket", "--preload", "wsgi:app"]
        self.process: subprocess.Popen | None = None
        self._log_file = None

    def start(self, timeout: float = 120) -> None:
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env,
                                        stdout=self._log_file, stderr=subprocess.STDOUT)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                status, _, _ = Browser(self.base).request("GET", "/healthz", timeout=2)
                if status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class EmbeddedServer(Server):
    """The server ``make run`` starts (``flask dialogue serve``: waitress, one process)."""

    def __init__(self, database_url: str, workdir: Path, extra_env: dict | None = None):
        super().__init__(database_url, workdir, extra_env=extra_env)
        self.log_path = workdir / "serve.log"
        self.args = [str(VENV_BIN / "flask"), "--app", "wsgi:app", "dialogue", "serve",
                     "--port", str(self.port)]


def hold_connections(port: int, idle: int, slow: int,
                     stop: threading.Event) -> list[socket.socket]:
    """Open ``idle`` silent connections and ``slow`` that dribble a request's headers,
    a byte a second, until ``stop`` is set; returns the silent ones for the caller to close."""
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(idle)]

    def dribble():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 600:
                if stop.wait(1.0):
                    return
                try:
                    sock.send(bytes([byte]))
                except OSError:
                    return

    for _ in range(slow):
        threading.Thread(target=dribble, daemon=True).start()
    return held


# --- a browser ---------------------------------------------------------------------------

class Browser:
    """One person's browser: cookies, CSRF tokens, no redirects followed."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None, timeout: float = 30):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            sent = {"Connection": "close", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read().decode("utf-8", errors="replace")
            for line in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0]
                if "Expires=Thu, 01 Jan 1970" in line or value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return response.status, dict(response.headers), data
        finally:
            conn.close()

    def fetch_token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        match = TOKEN.search(body)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        self.token = match.group(1) or match.group(2)
        return self.token

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, {**form, "csrf_token": self.token or ""}, **kwargs)

    def sign_in(self, email: str) -> None:
        self.fetch_token("/login")
        status, _, _ = self.post("/login", {"email": email, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in failed for {email}: {status}")
        self.fetch_token("/account")


# --- outcomes ----------------------------------------------------------------------------

@dataclass
class Tally:
    """What a load run saw: acknowledged writes per key, statuses, errors, latencies."""

    acked: Counter = field(default_factory=Counter)
    attempts: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)  # (time, "ok"/"503"/...)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key, status: int | None, elapsed: float, acked: bool,
               error: str | None = None) -> None:
        with self.lock:
            self.attempts[key] += 1
            if acked:
                self.acked[key] += 1
            if status is not None:
                self.statuses[status] += 1
            if error:
                self.errors[error] += 1
            self.latencies.append(elapsed)
            self.events.append((time.monotonic(), "ok" if acked else str(status or error)))

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)


# --- our own PostgreSQL ------------------------------------------------------------------

class OwnPostgres:
    """A throwaway PostgreSQL cluster in a temporary directory, on its own port.

    Run as the ``postgres`` user (``runuser``), so the machine's shared server is never
    touched; stopped and removed by ``close``.
    """

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="dialogue-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                           "-U", "postgres", "--no-sync", "-E", "UTF8"])

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None and \
            os.geteuid() == 0

    def _as_postgres(self, args: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True,
                       capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/dialogue"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                           str(self.dir / "postgres.log"), "-o", options, "-w", "start"])

    def stop(self, mode: str = "immediate") -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                           "stop"])

    def create_database(self) -> None:
        self._as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                           "dialogue"])

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def own_postgres():
    pg = OwnPostgres()
    try:
        pg.start()
        pg.create_database()
        yield pg
    finally:
        pg.close()
