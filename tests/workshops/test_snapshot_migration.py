"""The migration that gives workshop answers their profile snapshot fills it for the
answers already stored (b6d47ac22b9c), as research read them until then."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from dialogue import create_app
from dialogue.config import TestConfig
from dialogue.extensions import db
from tests.servers import fresh_postgres_database

BEFORE, AFTER = "d4e8b2c6a1f7", "b6d47ac22b9c"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def migrated_app(tmp_path, database_url):
    url = (fresh_postgres_database(database_url, "snapshot_migration") if database_url
           else f"sqlite:///{tmp_path / 'migrated.db'}")
    app = create_app({"CONFIG": TestConfig, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        yield app
        db.session.rollback()
        downgrade(revision="base")
        db.engine.dispose()


def _insert(table: str, **row) -> None:
    names = ", ".join(row)
    db.session.execute(text(f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 (fixed names)
                            f"({', '.join(':' + k for k in row)})"), row)


def test_existing_answers_and_questions_take_the_profile_they_were_read_with(migrated_app):
    upgrade(revision=BEFORE)
    person = {"session_version": 1, "active": True, "research_consent": True,
              "password_hash": "!", "created_at": NOW}
    _insert("users", id=1, email="f@x.org", display_name="Fran", **person)
    # Ann gave nothing on joining: her account's profile. Ben said "special" on joining:
    # his role is the account's, his phase what he said. Cy is anonymous: nothing.
    _insert("users", id=2, email="a@x.org", display_name="Ann", education_role="teacher",
            phase="primary", school_type="maintained", **person)
    _insert("users", id=3, email="b@x.org", display_name="Ben", education_role="governor",
            phase="secondary", school_type="free_school", **person)
    _insert("workshops", id=1, title="W", date=NOW.date(), owner_id=1, code="ABCDEF",
            code_expires_at=NOW, state="closed", briefing_slugs="[]", version=1,
            state_version=1, created_at=NOW)
    _insert("workshop_questions", id=1, workshop_id=1, position=1, kind="scale", prompt="Q",
            section="", results_hidden=False, revealed=False, state="closed")
    for pid, user, phase in ((1, 2, None), (2, 3, "special"), (3, None, None)):
        _insert("workshop_participants", id=pid, workshop_id=1, token=f"t{pid}",
                user_id=user, phase=phase, created_at=NOW)
        _insert("workshop_responses", id=pid, question_id=1, participant_id=pid, value=4,
                hidden=False, created_at=NOW, updated_at=NOW, revision=1)
    # Ben's Q&A question kept his phase when asked, and left the rest to be read later.
    _insert("workshop_qa_questions", id=1, workshop_id=1, participant_id=2, text="Why?",
            status="visible", pinned=False, hidden_reason="", created_at=NOW,
            phase="special")
    db.session.commit()

    upgrade(revision=AFTER)
    answers = db.session.execute(text(
        "SELECT id, education_role, phase, school_type FROM workshop_responses ORDER BY id"
    )).all()
    assert [tuple(a) for a in answers] == [(1, "teacher", "primary", "maintained"),
                                           (2, "governor", "special", "free_school"),
                                           (3, None, None, None)]
    asked = db.session.execute(text(
        "SELECT education_role, phase, school_type FROM workshop_qa_questions")).one()
    assert tuple(asked) == ("governor", "special", "free_school")
