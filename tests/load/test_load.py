"""Load against gunicorn with several workers, on SQLite and (TEST_DATABASE_URL set or
our own cluster) PostgreSQL: participants voting at once (each answer sent twice,
simultaneously), people posting at once, researchers downloading at the same time.

Promises checked: every acknowledged write stored exactly once; no "database is
locked"; no 5xx. The default run is a smoke-sized version; ``DIALOGUE_HEAVY=1`` (make
load) runs the full 500 voters and 200 posters and prints the figures for
docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import http.client
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dialogue import create_app
from dialogue.auth import services as accounts
from dialogue.auth.models import Role
from dialogue.config import DevelopmentConfig
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.localities import all_localities
from dialogue.workshops import services as workshops
from tests.load.harness import (
    REAL_SERVER_MARKS,
    Browser,
    OwnPostgres,
    Server,
    Tally,
    count_rows,
    own_postgres,
    prepare_database,
)
from tests.security.marks import RUN_HEAVY

pytestmark = REAL_SERVER_MARKS

VOTERS, POSTERS, RESEARCHERS = (500, 200, 5) if RUN_HEAVY else (40, 15, 2)
CONCURRENCY = 100 if RUN_HEAVY else 20
CUT_OFF = (OSError, http.client.HTTPException)


def _scenario(url: str, instance: Path, posters: int) -> dict:
    """Accounts, a thread to reply in, a live workshop with an open question."""
    emails = prepare_database(url, posters + 2, instance)

    app = create_app({"CONFIG": DevelopmentConfig, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "load-test", "INSTANCE_PATH": str(instance),
                      "PRE_MODERATED_POSTS": 0})
    with app.test_request_context():  # publishing a post builds URLs for notifications
        facilitator = accounts.find_user_by_email(emails[-1])
        researcher = accounts.find_user_by_email(emails[-2])
        accounts.grant_role(facilitator, Role.FACILITATOR, by=None)
        accounts.grant_role(researcher, Role.RESEARCHER, by=None)
        locality = all_localities()[0]
        thread, _ = forums.create_thread(facilitator, locality, "Load thread", "Reply here")
        workshop = workshops.create_workshop(facilitator, title="Load workshop",
                                             date=dt.date.today(), locality_id=None)
        question = workshops.add_question(workshop, facilitator, kind="single",
                                          prompt="Which matters most?",
                                          options=["Trust", "Time", "Money", "Data"])
        workshops.control(workshop, facilitator, "next")
        if question.state != "open":
            workshops.control(workshop, facilitator, "open")
        db.session.commit()
        scenario = {"posters": emails[:posters], "researcher": researcher.email,
                    "thread_id": thread.id, "code": workshop.code,
                    "question_id": question.id,
                    "options": [option.id for option in question.options]}
        db.session.remove()
        db.engine.dispose()
    return scenario


def _vote(server: Server, scenario: dict, n: int, tally: Tally) -> None:
    """Join, then send the same participant's answer twice at the same moment."""
    browser = Browser(server.base)
    code = scenario["code"]
    try:
        browser.fetch_token(f"/j/{code}")
        status, _, _ = browser.post(f"/j/{code}", {"education_role": "", "phase": ""})
    except CUT_OFF as error:
        tally.record(("join", n), None, 0, False, type(error).__name__)
        return
    if status != 302:
        tally.record(("join", n), status, 0, False)
        return
    browser.fetch_token(f"/j/{code}")
    choice = random.Random(n).choice(scenario["options"])
    form = {"question_id": scenario["question_id"], "option": choice}

    def send():
        started = time.monotonic()
        try:
            status, _, _ = browser.post(f"/j/{code}/answer", form)
        except CUT_OFF as error:
            tally.record(("vote", n), None, time.monotonic() - started, False,
                         type(error).__name__)
            return
        tally.record(("vote", n), status, time.monotonic() - started, status == 302)

    twins = [threading.Thread(target=send) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join()
    tally.chosen = getattr(tally, "chosen", {})
    tally.chosen[n] = choice


def _post(server: Server, scenario: dict, email: str, tally: Tally) -> None:
    browser = Browser(server.base)
    try:
        browser.sign_in(email)
        browser.fetch_token(f"/threads/{scenario['thread_id']}")
    except (*CUT_OFF, RuntimeError) as error:
        tally.record(("signin", email), None, 0, False, str(error)[:60])
        return
    started = time.monotonic()
    try:
        status, _, _ = browser.post(f"/threads/{scenario['thread_id']}/reply",
                                    {"body": f"Load reply from {email}"})
    except CUT_OFF as error:
        tally.record(("post", email), None, time.monotonic() - started, False,
                     type(error).__name__)
        return
    tally.record(("post", email), status, time.monotonic() - started, status == 302)


def _download(server: Server, scenario: dict, tally: Tally, stop: threading.Event) -> None:
    browser = Browser(server.base)
    browser.sign_in(scenario["researcher"])
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, _, _ = browser.request("GET", "/research/export/contributions.csv")
        except CUT_OFF as error:
            tally.record("download", None, time.monotonic() - started, False,
                         type(error).__name__)
            continue
        tally.record("download", status, time.monotonic() - started, status == 200)


def run_load(url: str, tmp_path: Path) -> dict:
    scenario = _scenario(url, tmp_path / "instance", POSTERS)
    votes, posts, downloads = Tally(), Tally(), Tally()
    stop = threading.Event()
    with Server(url, tmp_path, workers=4, extra_env={"PRE_MODERATED_POSTS": "0"}) as server:
        readers = [threading.Thread(target=_download, args=(server, scenario, downloads, stop))
                   for _ in range(RESEARCHERS)]
        for reader in readers:
            reader.start()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            jobs = [pool.submit(_vote, server, scenario, n, votes) for n in range(VOTERS)]
            jobs += [pool.submit(_post, server, scenario, email, posts)
                     for email in scenario["posters"]]
            for job in jobs:
                job.result()
        elapsed = time.monotonic() - started
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
        log = server.log()
    stored_votes = dict(count_rows(
        url, "SELECT p.id, COUNT(r.id) FROM workshop_participants p "
             "LEFT JOIN workshop_responses r ON r.participant_id = p.id "
             "AND r.question_id = :q GROUP BY p.id", {"q": scenario["question_id"]}))
    stored_posts = dict(count_rows(
        url, "SELECT body, COUNT(*) FROM posts WHERE thread_id = :t GROUP BY body",
        {"t": scenario["thread_id"]}))
    return {"scenario": scenario, "votes": votes, "posts": posts, "downloads": downloads,
            "elapsed": elapsed, "log": log, "stored_votes": stored_votes,
            "stored_posts": stored_posts}


def check(result: dict, backend: str) -> None:
    votes, posts, downloads = result["votes"], result["posts"], result["downloads"]
    acked_voters = {key[1] for key, count in votes.acked.items() if key[0] == "vote" and count}
    # Exactly one stored answer per participant who was told "saved"; none for others
    # beyond one (the unique constraint); no participant stored twice.
    assert len(result["stored_votes"]) >= len(acked_voters)
    assert all(count <= 1 for count in result["stored_votes"].values())
    assert sum(result["stored_votes"].values()) >= len(acked_voters)
    for email in result["scenario"]["posters"]:
        body = f"Load reply from {email}"
        if posts.acked[("post", email)]:
            assert result["stored_posts"].get(body) == 1, f"{body}: not stored exactly once"
        assert result["stored_posts"].get(body, 0) <= 1
    assert "database is locked" not in result["log"]
    for tally in (votes, posts, downloads):
        assert not [s for s in tally.statuses if s >= 500], dict(tally.statuses)
    assert len(acked_voters) >= 0.95 * VOTERS, dict(votes.statuses)
    assert sum(posts.acked.values()) >= 0.95 * POSTERS, dict(posts.statuses)
    assert sum(downloads.acked.values()) >= RESEARCHERS
    print(f"\n{backend}: {VOTERS} voters (x2 simultaneous), {POSTERS} posters, "
          f"{RESEARCHERS} researchers downloading, in {result['elapsed']:.1f}s; "
          f"vote p50/p99 {votes.percentile(0.5)*1000:.0f}/{votes.percentile(0.99)*1000:.0f} ms, "
          f"post p50/p99 {posts.percentile(0.5)*1000:.0f}/{posts.percentile(0.99)*1000:.0f} ms, "
          f"download p50 {downloads.percentile(0.5)*1000:.0f} ms x{len(downloads.latencies)}; "
          f"statuses votes {dict(votes.statuses)} posts {dict(posts.statuses)} "
          f"downloads {dict(downloads.statuses)}; cut off {sum(votes.errors.values())}")


def test_load_on_sqlite(tmp_path):
    result = run_load(f"sqlite:///{tmp_path / 'dialogue.sqlite3'}", tmp_path)
    check(result, "SQLite")


@pytest.mark.skipif(not OwnPostgres.available(), reason="needs root, runuser and PostgreSQL 15")
def test_load_on_postgres(tmp_path):
    with own_postgres() as pg:
        result = run_load(pg.url, tmp_path)
        check(result, "PostgreSQL")
