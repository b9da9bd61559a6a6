"""SQLite's write lock: taken up front by a state-changing request, or only around the
writes of a path that reads first."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, select, text

from dialogue.auth.models import User
from dialogue.extensions import db
from dialogue.transactions import commit_keeping_loaded, on_commit, reads_first, write_transaction


@pytest.fixture
def sqlite_path(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking")
    return db.engine.url.database


def _can_write_elsewhere(path: str) -> bool:
    """Whether another connection could take the write lock right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_post_takes_the_write_lock_at_its_first_query(app, sqlite_path):
    with app.test_request_context(method="POST"):
        db.session.execute(text("SELECT 1"))
        assert not _can_write_elsewhere(sqlite_path)
        db.session.rollback()
        assert _can_write_elsewhere(sqlite_path)


def test_reads_first_holds_the_lock_only_for_the_writes(app, factory, sqlite_path):
    user_id = factory.user(name="Before").id
    db.session.commit()
    db.session.remove()
    with app.test_request_context(method="POST"):
        with reads_first():
            loaded = db.session.scalar(select(User).where(User.id == user_id))
            assert _can_write_elsewhere(sqlite_path)  # reading: no write lock
            commit_keeping_loaded()
        assert not inspect(loaded).expired_attributes  # still loaded after the commit
        with write_transaction():
            loaded.display_name = "After"
            db.session.flush()
            assert not _can_write_elsewhere(sqlite_path)  # writing: the lock is held
            db.session.commit()
        assert _can_write_elsewhere(sqlite_path)
    db.session.remove()
    assert db.session.get(User, user_id).display_name == "After"


def test_after_commit_actions_run_once_committed_and_never_after_a_rollback(app):
    ran = []
    on_commit(lambda: ran.append("mail"))
    on_commit(lambda: ran.append("version 1"), key="workshop")
    on_commit(lambda: ran.append("version 2"), key="workshop")  # replaces version 1
    assert ran == []
    db.session.commit()
    assert ran == ["mail", "version 2"]
    db.session.execute(text("SELECT 1"))  # the work that is then rolled back
    on_commit(lambda: ran.append("rolled back"))
    db.session.rollback()
    db.session.commit()
    assert ran == ["mail", "version 2"]
