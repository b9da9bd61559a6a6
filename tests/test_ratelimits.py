"""Rate limits hold across every worker (issue 16, point 4).

``memory://`` counts per process: under gunicorn's several workers 19 wrong passwords
passed a limit of 10. Without Redis the counts now live in one SQLite file the workers
share; with Redis, in Redis.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from limits import parse, strategies
from limits.storage import storage_from_string

from dialogue import create_app
from dialogue.config import DevelopmentConfig
from dialogue.extensions import limiter
from dialogue.ratelimits import SQLiteStorage
from tests.load.harness import Browser, Server, prepare_database


def _hit_many(uri: str, times: int, queue) -> None:
    storage = storage_from_string(uri)
    window = strategies.MovingWindowRateLimiter(storage)
    limit = parse("10 per minute")
    queue.put(sum(window.hit(limit, "shared-key") for _ in range(times)))


def test_processes_sharing_the_file_share_one_budget(tmp_path):
    uri = f"dialogue+sqlite:///{tmp_path / 'limits.sqlite3'}"
    queue = multiprocessing.get_context("fork").Queue()
    procs = [multiprocessing.get_context("fork").Process(target=_hit_many, args=(uri, 8, queue))
             for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=30)
    allowed = [queue.get(timeout=5) for _ in procs]
    assert sum(allowed) == 10, allowed


def test_the_window_moves(tmp_path, monkeypatch):
    storage = SQLiteStorage(f"dialogue+sqlite:///{tmp_path / 'l.sqlite3'}")
    window = strategies.MovingWindowRateLimiter(storage)
    limit = parse("2 per minute")
    now = [1_000_000.0]
    monkeypatch.setattr("dialogue.ratelimits.time.time", lambda: now[0])
    assert [window.hit(limit, "k") for _ in range(3)] == [True, True, False]
    now[0] += 61
    assert window.hit(limit, "k") is True
    assert window.get_window_stats(limit, "k").remaining == 1


def test_the_default_setup_keeps_counts_in_the_instance_folder(tmp_path):
    app = create_app({"CONFIG": DevelopmentConfig, "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "SECRET_KEY": "x"})
    assert app.config["RATELIMIT_STORAGE_URI"] == (
        f"dialogue+sqlite:///{Path(tmp_path) / 'ratelimits.sqlite3'}")
    with app.app_context():
        assert isinstance(limiter.storage, SQLiteStorage)


def _wrong_passwords(server: Server, email: str, tries: int) -> list[int]:
    statuses = []
    for _ in range(tries):
        browser = Browser(server.base)  # a fresh connection and no cookie each time
        browser.fetch_token("/login")
        status, _, _ = browser.post("/login", {"email": email, "password": "wrong guess"})
        statuses.append(status)
    return statuses


def _run_login_limit(tmp_path, extra_env: dict) -> list[int]:
    url = f"sqlite:///{tmp_path / 'dialogue.sqlite3'}"
    [email] = prepare_database(url, 1, tmp_path / "instance")
    env = {"RATELIMIT_ENABLED": "1", **extra_env}  # the default: 10 per minute
    with Server(url, tmp_path, workers=3, extra_env=env) as server:
        return _wrong_passwords(server, email, 30)


@pytest.mark.slow
@pytest.mark.xdist_group("real-server")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="runs in the SQLite pass; starts its own databases")
def test_three_workers_without_redis_allow_ten_wrong_passwords_not_thirty(tmp_path):
    statuses = _run_login_limit(tmp_path, {
        "RATELIMIT_STORAGE_URI": f"dialogue+sqlite:///{tmp_path / 'ratelimits.sqlite3'}"})
    assert statuses.count(429) == 20, statuses
    assert 429 not in statuses[:10], statuses


@pytest.mark.slow
@pytest.mark.xdist_group("real-server")
@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_three_workers_with_redis_allow_ten_wrong_passwords(tmp_path):
    import redis

    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()
    statuses = _run_login_limit(tmp_path, {"REDIS_URL": os.environ["TEST_REDIS_URL"]})
    assert statuses.count(429) == 20, statuses
