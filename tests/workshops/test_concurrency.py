"""Simultaneous submissions leave exactly one response per participant and question, and
an answer either commits before the question closes or is refused as closed.

Threads, each with its own test client (its own app context and database session), hit
the same question at once. Run on SQLite by default and on PostgreSQL with
TEST_DATABASE_URL set.
"""

import threading
import time

import pytest
from sqlalchemy import text

from dialogue.auth.models import User
from dialogue.extensions import db
from dialogue.transactions import write_transaction
from dialogue.workshops import participants, services
from dialogue.workshops.answers import ANSWER_COLUMNS, QuestionNotOpen
from dialogue.workshops.models import Question, Response, Workshop
from tests.conftest import TEST_DATABASE_URL
from tests.workshops.helpers import go_to

THREADS = 8
ROUNDS = 5


def _hammer(clients, url, data_for):
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def run(index, client):
        try:
            barrier.wait()
            for round_ in range(ROUNDS):
                statuses.append(client.post(url, data=data_for(index, round_)).status_code)
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    db.session.rollback()  # end the test's own read snapshot so it sees the threads' work
    return statuses


def test_one_participant_hammering_one_question_leaves_one_answer(workshop, facilitator,
                                                                  join, app):
    q = go_to(workshop, facilitator, "single")
    option_ids = [o.id for o in q.options]
    first = join(workshop)
    cookie = next(c for c in first._cookies.values() if c.key.startswith("dialogue_wsp_"))
    clients = []
    for _ in range(THREADS):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        clients.append(client)
    url, qid = f"/j/{workshop.code}/answer", q.id  # ORM objects stay in this thread
    statuses = _hammer(clients, url, lambda i, r: {"question_id": qid,
                                                   "option": option_ids[(i + r) % 3]})
    assert statuses == [302] * (THREADS * ROUNDS)
    rows = db.session.scalars(db.select(Response)).all()
    assert len(rows) == 1
    assert rows[0].option_id in option_ids


def test_many_participants_at_once_are_all_counted(workshop, facilitator, join, app):
    q = go_to(workshop, facilitator, "scale")
    clients = [join(workshop) for _ in range(THREADS)]
    url, qid = f"/j/{workshop.code}/answer", q.id
    statuses = _hammer(clients, url, lambda i, r: {"question_id": qid, "value": 1 + r % 5})
    assert statuses == [302] * (THREADS * ROUNDS)
    count = db.session.scalar(db.select(db.func.count()).select_from(Response))
    assert count == THREADS
    # Every accepted write moved the presenter's version on, in the same statement: the
    # answers' revisions add up to exactly the writes (none lost to a race).
    assert db.session.scalar(db.select(db.func.sum(Response.revision))) == THREADS * ROUNDS


# --- An answer against a close, on PostgreSQL ------------------------------------------
#
# SQLite orders every write by its write lock. On PostgreSQL answers no longer lock the
# workshop row (so they do not queue on each other); a share lock on the question's row
# orders each against the facilitator's close instead. Both orders are forced here, one
# transaction held open while the other runs in a thread, watched in pg_stat_activity.

postgres_only = pytest.mark.skipif(not TEST_DATABASE_URL,
                                   reason="row locks: PostgreSQL (TEST_DATABASE_URL)")


def _in_thread(app, work):
    """Run ``work()`` in its own app context (its own session and connection); returns
    the thread and a dict that gets the backend's pid, then the result or the error."""
    outcome: dict = {}

    def run():
        with app.app_context():
            try:
                outcome["pid"] = db.session.connection().exec_driver_sql(
                    "SELECT pg_backend_pid()").scalar()
                outcome["result"] = work()
            except Exception as error:  # examined by the test
                outcome["error"] = error
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _blocked_or_done(thread, outcome) -> str:
    """Wait until the thread's transaction waits on a lock ("blocked") or it has finished
    ("done"), looking at pg_stat_activity on a connection of its own."""
    with db.engine.connect() as watcher:
        for _ in range(3000):
            if not thread.is_alive():
                return "done"
            if "pid" in outcome and watcher.execute(text(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": outcome["pid"]}).scalar() == "Lock":
                return "blocked"
            watcher.rollback()  # a fresh view of pg_stat_activity next time
            time.sleep(0.01)
    raise AssertionError("the other transaction neither finished nor waited on a lock")


# Anonymous participants who gave nothing on joining.
NO_PROFILE = participants.answer_profile(None, None, None)


def _answer_columns(q):
    return {**dict.fromkeys(ANSWER_COLUMNS), "option_id": q.options[0].id}


@postgres_only
def test_a_close_waits_for_an_answer_in_progress_which_is_kept(workshop, facilitator, app):
    q = go_to(workshop, facilitator, "single")
    person = participants.join(workshop, None)
    db.session.commit()
    ids = (workshop.id, facilitator.id, q.id)
    with write_transaction():
        participants.store_answer(q.id, person.id, workshop.id, _answer_columns(q),
                                  profile=NO_PROFILE)

        def close():
            services.control(db.session.get(Workshop, ids[0]), db.session.get(User, ids[1]),
                             "close")
            db.session.commit()

        thread, outcome = _in_thread(app, close)
        # The answer has checked and written but not committed: the close must wait.
        assert _blocked_or_done(thread, outcome) == "blocked"
        db.session.commit()
    thread.join(60)
    assert "error" not in outcome
    db.session.expire_all()
    assert db.session.get(Question, ids[2]).state == "closed"
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 1


@postgres_only
def test_an_answer_after_a_close_waits_for_it_and_is_refused(workshop, facilitator, app):
    q = go_to(workshop, facilitator, "single")
    person = participants.join(workshop, None)
    db.session.commit()
    args = (q.id, person.id, workshop.id, _answer_columns(q))
    services.control(workshop, facilitator, "close")
    db.session.flush()  # the close's UPDATEs are sent, not committed

    def send_answer():
        with write_transaction():
            participants.store_answer(*args, profile=NO_PROFILE)
            db.session.commit()

    thread, outcome = _in_thread(app, send_answer)
    # The answer must not read "open" past the uncommitted close: it waits for it.
    assert _blocked_or_done(thread, outcome) == "blocked"
    db.session.commit()
    thread.join(60)
    assert isinstance(outcome.get("error"), QuestionNotOpen)
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


@postgres_only
def test_answers_do_not_wait_for_each_other(workshop, facilitator, app):
    """Two participants' answers, one left uncommitted: the other goes through."""
    q = go_to(workshop, facilitator, "single")
    first, second = participants.join(workshop, None), participants.join(workshop, None)
    db.session.commit()
    columns = _answer_columns(q)
    args = (q.id, second.id, workshop.id, columns)
    with write_transaction():
        participants.store_answer(q.id, first.id, workshop.id, columns, profile=NO_PROFILE)

        def send_answer():
            with write_transaction():
                participants.store_answer(*args, profile=NO_PROFILE)
                db.session.commit()

        thread, outcome = _in_thread(app, send_answer)
        assert _blocked_or_done(thread, outcome) == "done"
        db.session.commit()
    thread.join(60)
    assert "error" not in outcome
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 2
