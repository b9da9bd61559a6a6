"""Faults against a real server: a worker SIGKILLed mid-request on SQLite, and a
PostgreSQL of our own stopped in the middle of a load run and started again.

Each write is ``POST /account/consent``, which adds one ConsentEvent row, so "every
acknowledged write is stored" is a row count per person (the accounts start with
none): at least the acknowledged posts, and at most the attempts (a request cut off
by the fault may or may not have committed: the client was never told).
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.load.harness import (
    REAL_SERVER_MARKS,
    Browser,
    OwnPostgres,
    Server,
    Tally,
    count_rows,
    own_postgres,
    prepare_database,
    sqlite_integrity,
)

pytestmark = REAL_SERVER_MARKS

UNAVAILABLE_TITLE = "Sorry, the service is unavailable"


def _writer(server: Server, email: str, tally: Tally, stop: threading.Event,
            page_503: list[str], ready: threading.Semaphore) -> None:
    browser = Browser(server.base)
    deadline = time.monotonic() + 60
    while not stop.is_set():
        try:
            browser.sign_in(email)
            break
        except (OSError, RuntimeError) as error:
            if time.monotonic() > deadline:
                tally.record(email, None, 0, False, f"sign-in: {error}")
                return
            time.sleep(0.2)
    ready.release()
    n = 0
    while not stop.is_set():
        n += 1
        started = time.monotonic()
        try:
            status, _, body = browser.post("/account/consent",
                                           {"research_consent": "yes" if n % 2 else "no"},
                                           timeout=20)
        except (OSError, http.client.HTTPException) as error:  # cut off: never acknowledged
            tally.record(email, None, time.monotonic() - started, False, type(error).__name__)
            continue
        tally.record(email, status, time.monotonic() - started, status == 302)
        if status == 503 and UNAVAILABLE_TITLE in body and len(page_503) < 1:
            page_503.append(body)
        if status not in (302, 503):
            time.sleep(0.05)


def _start_writers(server, emails, tally, stop, pages) -> list[threading.Thread]:
    """Start one writer per person; return once all have signed in (or 90 s passed)."""
    ready = threading.Semaphore(0)
    threads = [threading.Thread(target=_writer, args=(server, e, tally, stop, pages, ready))
               for e in emails]
    for thread in threads:
        thread.start()
    for _ in emails:
        ready.acquire(timeout=90)
    return threads


def _check_stored(url: str, emails: list[str], tally: Tally) -> list[str]:
    rows = dict(count_rows(url, "SELECT u.email, COUNT(c.id) FROM users u JOIN consent_events c "
                               "ON c.user_id = u.id GROUP BY u.email"))
    problems = []
    for email in emails:
        stored = rows.get(email, 0)
        if stored < tally.acked[email]:
            problems.append(f"{email}: {tally.acked[email]} acknowledged, {stored} stored")
        if stored > tally.attempts[email]:
            problems.append(f"{email}: more stored ({stored}) than sent "
                            f"({tally.attempts[email]})")
    return problems


def test_worker_killed_mid_request_on_sqlite(tmp_path: Path):
    db_path = tmp_path / "dialogue.sqlite3"
    url = f"sqlite:///{db_path}"
    emails = prepare_database(url, users=12, instance=tmp_path / "instance")
    tally, stop, pages = Tally(), threading.Event(), []
    kills = 0
    with Server(url, tmp_path, workers=3) as server:
        threads = _start_writers(server, emails, tally, stop, pages)
        time.sleep(1.5)
        rng = random.Random(7)
        for _ in range(8):
            workers = server.worker_pids()
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)  # a worker we started
                kills += 1
            time.sleep(0.8)
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        log = server.log()
    assert kills >= 5
    assert sum(tally.acked.values()) > 30, (tally.statuses, tally.errors)
    assert sqlite_integrity(db_path) == "ok"
    assert not _check_stored(url, emails, tally)
    assert "database is locked" not in log
    assert all(status < 500 for status in tally.statuses), tally.statuses
    print(f"\nSQLite worker kill: {kills} kills, {sum(tally.acked.values())} acknowledged "
          f"writes, {sum(tally.errors.values())} cut off, statuses {dict(tally.statuses)}")


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    """One load run against our own PostgreSQL, stopped for 3 s in the middle."""
    if not OwnPostgres.available():
        pytest.skip("needs root, runuser and PostgreSQL 15")
    tmp_path = tmp_path_factory.mktemp("outage")
    with own_postgres() as pg:
        emails = prepare_database(pg.url, users=10, instance=tmp_path / "instance")
        tally, stop, pages = Tally(), threading.Event(), []
        with Server(pg.url, tmp_path, workers=3) as server:
            threads = _start_writers(server, emails, tally, stop, pages)
            time.sleep(2)
            before_outage = sum(tally.acked.values())
            pg.stop("immediate")  # as abrupt as a crash
            down_at = time.monotonic()
            time.sleep(3)
            restart_at = time.monotonic()  # the outage ends when the restart begins
            pg.start()
            up_at = time.monotonic()
            time.sleep(10)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        # A request answered while pg.start() was running may already succeed: "during"
        # is only the time PostgreSQL was certainly down.
        during = [kind for at, kind in tally.events if down_at + 0.5 < at < restart_at]
        after_ok = [at for at, kind in tally.events if at > up_at and kind == "ok"]
        recovery = (after_ok[0] - up_at) if after_ok else float("inf")
        problems = _check_stored(pg.url, emails, tally)
    print(f"\nPostgreSQL outage: {len(during)} requests during the 3 s outage "
          f"({dict(Counter(during))}); first acknowledged write {recovery:.2f}s after restart; "
          f"{sum(tally.acked.values())} acknowledged writes; statuses {dict(tally.statuses)}")
    return {"tally": tally, "during": during, "recovery": recovery, "problems": problems,
            "pages": pages, "before": before_outage}


def test_postgres_outage_loses_nothing_and_recovers(outage):
    """Writes are acknowledged again while the writers still run after the restart (how
    soon is the figure printed above, not a pass mark)."""
    assert outage["before"] > 10
    assert outage["during"], "no request reached the server during the outage"
    assert not outage["problems"], outage["problems"]
    assert outage["recovery"] != float("inf"), "no write was acknowledged after the restart"


def test_postgres_outage_answers_503_with_a_page(outage):
    assert set(outage["during"]) <= {"503"}, f"during the outage: {set(outage['during'])}"
    assert outage["pages"], "no 503 page with the unavailable message"
    assert not [s for s in outage["tally"].statuses if s >= 500 and s != 503]
