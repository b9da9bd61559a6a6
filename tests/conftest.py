"""Shared fixtures: an app with a fresh database per test, clients, users and logins.

SQLite: a new database file per test. PostgreSQL (TEST_DATABASE_URL set): one database
per pytest worker, created at the start of the session, emptied between tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dialogue import create_app
from dialogue.config import TestConfig, normalise_database_url
from dialogue.extensions import db
from dialogue.schema import create_all
from tests.factories import Factory

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def fresh_postgres_database(suffix: str = "") -> str:
    """A new, empty database of this worker's own on the PostgreSQL server."""
    import psycopg

    base = make_url(normalise_database_url(TEST_DATABASE_URL))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{base.database}_{worker}{suffix}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str | None:
    """The PostgreSQL URL for this worker, or None to use a SQLite file per test."""
    if not TEST_DATABASE_URL:
        return None
    url = fresh_postgres_database()
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
            from dialogue.redis_client import get_redis

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
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
