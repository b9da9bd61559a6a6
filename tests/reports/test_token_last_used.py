"""An API token's "last used" time (issue 16, point 9): written at most once a minute
per token, in a short transaction of its own, never by the request's transaction (a scan
writing it on every call got 503 "database is locked" on SQLite)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from dialogue.extensions import db
from dialogue.reports import services
from dialogue.reports.models import ApiToken


def _count_token_updates(engine):
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE RESEARCH_API_TOKENS"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(engine, "before_cursor_execute", before)


def test_last_use_is_written_once_a_minute_outside_the_request(app, client, researcher, data):
    token, secret = services.create_api_token(researcher, "scan")
    db.session.commit()
    auth = {"Authorization": f"Bearer {secret}"}
    seen, stop = _count_token_updates(db.engine)
    try:
        for _ in range(5):
            assert client.get("/api/v1/contributions", headers=auth).status_code == 200
    finally:
        stop()
    assert len(seen) == 1, seen
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None


def test_the_request_session_is_left_clean(app, researcher):
    _token, secret = services.create_api_token(researcher, "scan")
    db.session.commit()
    assert services.user_for_token(secret) == researcher
    assert not db.session.dirty  # nothing for the request's commit to write


def test_a_minute_later_it_is_written_again(app, researcher):
    token, secret = services.create_api_token(researcher, "scan")
    db.session.commit()
    services.user_for_token(secret)
    db.session.rollback()  # a new snapshot: the write was another connection's
    stored = db.session.get(ApiToken, token.id)
    stored_first = stored.last_used_at
    stored.last_used_at = stored_first - timedelta(minutes=2)
    db.session.commit()
    services.user_for_token(secret)
    db.session.rollback()
    assert db.session.get(ApiToken, token.id).last_used_at > stored_first - timedelta(minutes=1)
