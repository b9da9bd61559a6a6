"""Background jobs with Huey.

The queue needs no extra server by default: ``SqliteHuey`` keeps it in
``instance/jobs.sqlite3``. When ``REDIS_URL`` is set it is ``RedisHuey``. With
``JOB_QUEUE_IMMEDIATE`` (the tests) a job runs inline, in the request that queued it.

Run the worker beside the web server::

    flask --app wsgi:app dialogue worker        # one worker thread is enough

Heavy work (PDF rendering) goes through ``run_limited``: a forked child process at a
lower CPU priority with a time and memory limit, so an overrun or a crash fails that
job with a message instead of slowing live workshops or killing the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from werkzeug.utils import import_string

DEFAULT_NICE = 10
DEFAULT_TIME_LIMIT = 120  # seconds
DEFAULT_MEMORY_LIMIT_MB = 1536  # address space; WeasyPrint maps more than it touches


class JobFailed(RuntimeError):
    """A limited child process overran, ran out of memory or raised."""


def _build_huey(app: Flask) -> Huey:
    immediate = bool(app.config.get("JOB_QUEUE_IMMEDIATE"))
    if app.config.get("REDIS_URL") and not immediate:
        huey: Huey = RedisHuey("dialogue", url=app.config["REDIS_URL"])
    else:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("dialogue", filename=str(Path(app.instance_path) / "jobs.sqlite3"),
                          immediate=immediate)

    @huey.task(name="dialogue.run")
    def run(target: str, *args: Any) -> None:
        # A fresh application context per job: its own database session, as a request has.
        with app.app_context():
            import_string(target)(*args)

    huey.dialogue_run = run  # type: ignore[attr-defined]
    return huey


def get_huey(app: Flask | None = None) -> Huey:
    """This app's Huey instance (built on first use)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "huey" not in app.extensions:
        app.extensions["huey"] = _build_huey(app)
    return app.extensions["huey"]


def enqueue(target: str, *args: Any) -> None:
    """Queue ``target`` ("package.module:function") to run with ``args`` in the worker."""
    get_huey().dialogue_run(target, *args)


def _child(fn: Callable, args: tuple, out: str, nice: int, time_limit: int,
           memory_limit_mb: int) -> None:
    os.nice(nice)
    memory = memory_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU seconds as a second fence; the parent's wall-clock limit is the first.
    resource.setrlimit(resource.RLIMIT_CPU, (time_limit + 1, time_limit + 2))
    try:
        result = ("ok", fn(*args))
    except MemoryError:
        result = ("error", f"ran out of memory (limit {memory_limit_mb} MiB)")
    except Exception as error:
        result = ("error", f"{type(error).__name__}: {error}"[:400])
    with open(out, "wb") as handle:
        pickle.dump(result, handle)


def run_limited(fn: Callable, *args: Any, nice: int | None = None,
                time_limit: int | None = None, memory_limit_mb: int | None = None) -> Any:
    """Run ``fn(*args)`` in a forked, niced child with time and memory limits.

    Returns what ``fn`` returned (it must pickle). Raises ``JobFailed`` with a
    message a researcher can read when the child overruns, dies or raises.
    """
    config = current_app.config
    nice = config.get("JOB_NICE", DEFAULT_NICE) if nice is None else nice
    time_limit = time_limit or config.get("JOB_TIME_LIMIT", DEFAULT_TIME_LIMIT)
    memory_limit_mb = memory_limit_mb or config.get("JOB_MEMORY_LIMIT_MB",
                                                    DEFAULT_MEMORY_LIMIT_MB)
    with tempfile.TemporaryDirectory(prefix="dialogue-job-") as tmp:
        out = os.path.join(tmp, "result.pickle")
        process = multiprocessing.get_context("fork").Process(
            target=_child, args=(fn, args, out, nice, time_limit, memory_limit_mb), daemon=True
        )
        process.start()
        process.join(time_limit)
        if process.is_alive():
            process.kill()
            process.join()
            raise JobFailed(f"took longer than the {time_limit} s limit")
        if not os.path.exists(out):
            raise JobFailed(f"the renderer stopped unexpectedly (exit code {process.exitcode})")
        with open(out, "rb") as handle:
            status, value = pickle.load(handle)  # noqa: S301 - written by our own child
        process.close()
    if status != "ok":
        raise JobFailed(value)
    return value
