"""Background jobs with Huey: one named task per kind of job, and the limited child process.

A feature declares its jobs with ``@task`` (``dialogue.reports.tasks.build_synthesis_pdf``,
``dialogue.mail.deliver_mail``) and queues one by calling it: ``build_synthesis_pdf(job_id)``.
The call is an ordinary import, so a renamed job fails at import time and tools can
follow it. Each job runs in a fresh application context, with its own database session,
as a request has.

The queue needs no extra server by default: ``SqliteHuey``'s storage in
``instance/jobs.sqlite3``. When ``REDIS_URL`` is set it is Redis. With
``JOB_QUEUE_IMMEDIATE`` (the tests) a job runs inline, in the request that queued it.
The storage is chosen from the application that first queues a job or runs the worker::

    flask --app wsgi:app dialogue worker        # one worker thread is enough

Heavy work (PDF rendering) goes through ``run_limited``: a forked child process at a
lower CPU priority with a time and memory limit, so an overrun or a crash fails that
job with a message instead of slowing live workshops or killing the worker.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import RedisStorage, SqliteStorage


class JobFailed(RuntimeError):
    """A limited child process overran, ran out of memory or raised."""


class AppHuey(Huey):
    """The process's one Huey, whose storage follows the Flask app that uses it.

    Tasks register on it at import time; ``bind`` picks the storage (memory for an
    immediate queue, Redis or SQLite otherwise) from that app's configuration."""

    def __init__(self) -> None:
        super().__init__("dialogue", results=False, immediate=True)
        self.app: Flask | None = None

    def bind(self, app: Flask) -> AppHuey:
        """Use ``app``'s queue settings, and run jobs in ``app``'s context."""
        if self.app is app:
            return self
        immediate = bool(app.config["JOB_QUEUE_IMMEDIATE"])
        if app.config["REDIS_URL"] and not immediate:
            self.storage_class = RedisStorage
            self.storage_kwargs = {"url": app.config["REDIS_URL"]}
        else:
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            self.storage_class = SqliteStorage
            self.storage_kwargs = {"filename": str(Path(app.instance_path) / "jobs.sqlite3")}
        self._immediate = immediate
        self.storage = self.create_storage()
        self.app = app
        return self

    def enqueue(self, task):
        # The worker's own scheduler queues periodic jobs outside any app context, on
        # the storage the worker bound; a request or a CLI command binds its app here.
        if has_app_context():
            self.bind(current_app._get_current_object())  # type: ignore[attr-defined]
        return super().enqueue(task)


huey = AppHuey()


def _in_app_context(fn: Callable) -> Callable:
    @functools.wraps(fn)  # keeps the name and module Huey registers the task under
    def run(*args: Any, **kwargs: Any) -> Any:
        # A fresh application context per job: its own database session, as a request has.
        with huey.app.app_context():  # type: ignore[union-attr]
            return fn(*args, **kwargs)

    return run


def task(fn: Callable) -> TaskWrapper:
    """Declare ``fn`` a background job: calling the result queues it with those arguments."""
    return huey.task()(_in_app_context(fn))


def periodic(schedule: Callable) -> Callable[[Callable], TaskWrapper]:
    """Declare a job the worker runs on ``schedule`` (a ``huey.crontab``)."""

    def declare(fn: Callable) -> TaskWrapper:
        return huey.periodic_task(schedule)(_in_app_context(fn))

    return declare


def get_huey(app: Flask | None = None) -> Huey:
    """The Huey instance, bound to ``app`` (the current one by default), for the worker."""
    return huey.bind(app or current_app._get_current_object())  # type: ignore[attr-defined]


def _address_space_in_use() -> int:
    """This process's virtual size in bytes (``/proc/self/statm``'s first field)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # not Linux: count from nothing, as before
        return 0


def _child(fn: Callable, args: tuple, out: str, nice: int, time_limit: int,
           memory_limit_mb: int) -> None:
    os.nice(nice)
    # The limit is on what the child may add to the address space it was forked with:
    # a long-lived process (a test worker, a gunicorn worker that has loaded numpy's
    # thread pools) can already map more than the whole limit, and every allocation the
    # renderer then made would fail ("SystemError: error return without exception set").
    memory = _address_space_in_use() + memory_limit_mb * 1024 * 1024
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

    The limits default to ``JOB_NICE``, ``JOB_TIME_LIMIT`` and ``JOB_MEMORY_LIMIT_MB``.
    Returns what ``fn`` returned (it must pickle). Raises ``JobFailed`` with a
    message a researcher can read when the child overruns, dies or raises.
    """
    config = current_app.config
    nice = config["JOB_NICE"] if nice is None else nice
    time_limit = time_limit or config["JOB_TIME_LIMIT"]
    memory_limit_mb = memory_limit_mb or config["JOB_MEMORY_LIMIT_MB"]
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
