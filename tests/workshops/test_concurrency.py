"""Simultaneous submissions leave exactly one response per participant and question.

Threads, each with its own test client (its own app context and database session), hit
the same question at once. Run on SQLite by default and on PostgreSQL with
TEST_DATABASE_URL set.
"""

import threading

from dialogue.extensions import db
from dialogue.workshops.models import Response
from tests.workshops.conftest import go_to

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
    db.session.refresh(workshop)
    # Every accepted write moved the version on, in the same transaction.
    assert workshop.version >= THREADS * ROUNDS
