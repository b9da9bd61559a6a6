"""``flask dialogue backup`` / ``restore``: identical data after a round trip, and an
erasure made after the backup is applied again after the restore."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogue.auth.models import User
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.privacy.models import ErasureRecord
from tests.factories import PASSWORD
from tests.security.dbdump import dump_database


@pytest.fixture
def app_config(app_config):
    app_config["PRE_MODERATED_POSTS"] = 0
    return app_config


def _populate(factory):
    author, other = factory.user(name="Backed Up"), factory.user(role="moderator")
    thread, post = forums.create_thread(author, factory.locality(), "Before the backup",
                                        "Text with ünïcode 🏫 and <b>markup</b>")
    forums.reply(other, thread, "A reply")
    db.session.commit()
    return author, other, thread, post


def _cli(runner, *args):
    db.session.commit()
    result = runner.invoke(args=["dialogue", *args])
    db.session.expire_all()
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_round_trip_gives_identical_data(app, factory, runner, tmp_path):
    _populate(factory)
    before = dump_database()
    assert sum(len(rows) for rows in before.values()) > 10
    _cli(runner, "backup", str(tmp_path / "dialogue.backup"))
    factory.user(name="Added after the backup")
    db.session.execute(db.metadata.tables["threads"].delete())
    db.session.commit()
    assert dump_database() != before
    result = _cli(runner, "restore", str(tmp_path / "dialogue.backup"), "--yes")
    assert "Erasures applied again: 0" in result.output
    assert dump_database() == before


def test_erasure_after_backup_is_applied_again(app, factory, runner, login, client, tmp_path):
    author, _other, _thread, post = _populate(factory)
    author_id, post_id = author.id, post.id
    _cli(runner, "backup", str(tmp_path / "dialogue.backup"))
    login(author)
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.get(User, author_id) is None
    result = _cli(runner, "restore", str(tmp_path / "dialogue.backup"), "--yes")
    assert "Erasures applied again: 1" in result.output
    assert db.session.get(User, author_id) is None
    assert db.session.get(type(post), post_id) is None  # "remove" is honoured again
    modes = list(db.session.scalars(select(ErasureRecord.mode)
                                    .where(ErasureRecord.user_id == author_id)))
    assert modes == ["remove"]
    # And again from the log file alone, when the database restored over knew nothing.
    db.session.execute(ErasureRecord.__table__.delete())
    db.session.commit()
    result = _cli(runner, "restore", str(tmp_path / "dialogue.backup"), "--yes")
    assert "Erasures applied again: 1" in result.output
    assert db.session.get(User, author_id) is None


def test_restore_of_a_missing_file_fails_cleanly(app, runner, tmp_path):
    result = runner.invoke(args=["dialogue", "restore", str(tmp_path / "nope"), "--yes"])
    assert result.exit_code != 0
    assert "does not exist" in result.output
