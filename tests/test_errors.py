"""Error pages: a lost database is a 503 wherever in the request it is noticed."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, PendingRollbackError

UNAVAILABLE = "Sorry, the service is unavailable"


def _lost_connection() -> OperationalError:
    return OperationalError("SELECT users.id FROM users", {},
                            Exception("server closed the connection unexpectedly"))


@pytest.fixture
def served(app):
    """The app as gunicorn runs it: an unhandled error goes to the 500 handler instead
    of up into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("error", [_lost_connection, lambda: PendingRollbackError("rollback")],
                         ids=["operational", "pending-rollback"])
def test_a_database_error_in_a_view_is_a_503_page(served, error):
    @served.get("/_test/lost-in-view")
    def lost_in_view():
        raise error()

    response = served.test_client().get("/_test/lost-in-view")
    assert response.status_code == 503
    assert UNAVAILABLE in response.text
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("error", [_lost_connection, lambda: PendingRollbackError("rollback")],
                         ids=["operational", "pending-rollback"])
def test_a_database_error_after_the_view_is_still_a_503_page(served, error):
    """Seen under PostgreSQL restarts: the view committed, then the security headers hook
    asked whether the person is signed in, which reloads the expired user row. Flask
    sends an after-request error straight to the 500 handler, past the 503 mapping."""
    @served.after_request
    def lose_the_database(response):
        raise error()

    response = served.test_client().get("/accessibility")
    assert response.status_code == 503
    assert UNAVAILABLE in response.text


def test_any_other_error_after_the_view_is_still_a_500(served):
    @served.after_request
    def break_something(response):
        raise KeyError("not the database")

    response = served.test_client().get("/accessibility")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text


def test_a_connection_lost_at_the_end_of_the_request_keeps_the_response(served, monkeypatch):
    """The other half of the PostgreSQL restart: the response is made, then the session's
    closing ROLLBACK finds the connection gone. The person still gets the response, the
    dead connection is dropped, and the next request works."""
    from dialogue.extensions import db

    real_rollback = db.engine.dialect.do_rollback
    driver_error = db.engine.dialect.loaded_dbapi.OperationalError  # sqlite3's or psycopg's
    lost = {"once": True}

    def rollback_on_a_dead_connection(dbapi_connection):
        if lost.pop("once", False):
            # On PostgreSQL, really lost: closed, as a restarted server leaves it, which
            # is how psycopg reports a disconnect (left open, the connection was found
            # by the garbage collector in a later test). SQLite's file connection cannot
            # be lost so; closing it under SQLAlchemy's rollback broke the interpreter.
            if db.engine.dialect.name == "postgresql":
                dbapi_connection.driver_connection.close()
            raise driver_error("server closed the connection unexpectedly")
        return real_rollback(dbapi_connection)

    @served.get("/_test/reads")
    def reads():
        db.session.execute(db.text("SELECT 1"))  # a transaction the teardown must end
        return "read"

    monkeypatch.setattr(db.engine.dialect, "do_rollback", rollback_on_a_dead_connection)
    client = served.test_client()
    response = client.get("/_test/reads")
    assert (response.status_code, response.text) == (200, "read")
    assert not lost, "the closing ROLLBACK was never tried"
    assert client.get("/_test/reads").status_code == 200
