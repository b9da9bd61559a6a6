"""Shared fixtures: an app with a fresh database per test, clients, users and logins.

SQLite: a new database file per test. PostgreSQL (TEST_DATABASE_URL set): one database
per pytest worker, created at the start of the session, emptied between tests.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event, text

from dialogue import create_app, pdf
from dialogue.config import TestConfig
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.redis_client import get_redis
from dialogue.schema import create_all
from tests.factories import Factory
from tests.servers import fresh_postgres_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str | None:
    """The PostgreSQL URL for this worker, or None to use a SQLite file per test."""
    if not TEST_DATABASE_URL:
        return None
    url = fresh_postgres_database(TEST_DATABASE_URL, XDIST_WORKER)
    app = create_app({"CONFIG": TestConfig, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    with app.app_context():
        create_all()
        db.engine.dispose()
    return url


def _empty_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """Overrides for the test app; tests may change them before ``app`` is built."""
    config = {"CONFIG": TestConfig, "INSTANCE_PATH": str(tmp_path / "instance")}
    config["SQLALCHEMY_DATABASE_URI"] = database_url or f"sqlite:///{tmp_path / 'test.db'}"
    if TEST_REDIS_URL:
        config["REDIS_URL"] = TEST_REDIS_URL
    return config


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a real server does.

    The test keeps an app context open for its own database work; without this, every
    request would share that context's ``g`` and database session. Before a request
    the test's pending work is committed (so the request sees it); afterwards the
    test's objects are expired (so the test sees what the request wrote).
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:
                db.session.expire_all()


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            create_all()
        else:
            _empty_postgres()
        if TEST_REDIS_URL:
            get_redis().flushdb()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app) -> Factory:
    return Factory()


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user`` without a form post."""

    def _login(user, some_client=None):
        target = some_client or client
        db.session.refresh(user)  # the session version may have moved on
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return target

    return _login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` lists every SQL statement sent meanwhile."""

    @contextmanager
    def _count():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return _count


# --- the forum most discussion tests happen in -----------------------------------------


@pytest.fixture
def locality(factory):
    return factory.locality("locality-a")


@pytest.fixture
def thread(app, factory, locality):
    """A public thread in Locality A, started (through the forum service) by a moderator."""
    starter = factory.user(role="moderator", name="Thread Starter")
    item, _ = forums.create_thread(starter, locality, "How do clusters work here?",
                                   "Tell us about your **cluster**.")
    db.session.commit()
    return item


@pytest.fixture
def trusted(app):
    """Switch pre-moderation off, for tests about something else."""
    app.config["PRE_MODERATED_POSTS"] = 0
    return app


@pytest.fixture
def greedy_renderer(monkeypatch):
    """Every PDF render first takes 512 MiB, as a huge document would: under a low
    ``JOB_MEMORY_LIMIT_MB`` the limited child really runs out of memory, whatever the
    test process happens to have free (the limit counts from what the child was forked
    with, which varies with what ran before)."""
    real_render = pdf.render_pdf

    def greedy(*args, **kwargs):
        ballast = bytearray(512 * 2**20)
        return real_render(*args, **kwargs) if ballast else b""

    monkeypatch.setattr(pdf, "render_pdf", greedy)


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
