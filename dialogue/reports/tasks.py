"""The research feature's background jobs: building a synthesis PDF, and dropping old ones.

Queue a build by calling it after the commit: ``build_synthesis_pdf(job_id)``.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from huey import crontab
from sqlalchemy.exc import OperationalError

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.jobs import JobFailed, periodic, task
from dialogue.reports import services, synthesis
from dialogue.reports.filters import Filters
from dialogue.reports.models import JobState, SynthesisJob
from dialogue.transactions import (
    commit_keeping_loaded,
    is_lock_conflict,
    retry_when_locked,
    write_transaction,
)

log = logging.getLogger(__name__)


# A lock that outlasts SQLite's busy_timeout (a room of phones answering while the PDF
# is built): try the step again, 0.5, 1, 2 and 4 s later, before giving up.
LOCK_ATTEMPTS = 5
LOCK_BACKOFF = 0.5  # seconds, doubling
BUSY = "The database is busy (a live workshop, perhaps): trying again, attempt {} of {}."


@task
def build_synthesis_pdf(job_id: int) -> None:
    """Build the PDF for one synthesis job, recording its progress or why it failed.

    Each write is a short transaction of its own that takes the write lock first
    (``write_transaction``): a transaction that read and then wrote is what SQLite
    refused while a workshop was running ("database is locked", issue 16, point 9). A
    step that still meets a lock is tried again (``retry_when_locked``), and the page
    says so. Claiming the job is guarded, so a job queued twice is built once."""
    try:
        if not _locked_retry(job_id, lambda: _claim(job_id)):
            return
        filters = Filters.from_query(db.session.get(SynthesisJob, job_id).filters)
        commit_keeping_loaded()
        html = _locked_retry(job_id, lambda: synthesis.build_html(
            filters, progress=lambda p: _set_progress(job_id, p)))
        _set_progress(job_id, 70)
        pdf = synthesis.render(html)
        _locked_retry(job_id, lambda: _finish(job_id, pdf))
    except JobFailed as error:
        db.session.rollback()
        _fail(job_id, f"The PDF could not be made: {error}.")
    except Exception as error:
        # Any fault in the build fails this job with a message; the worker carries on.
        db.session.rollback()
        log.exception("synthesis job %s failed", job_id)
        _fail(job_id, "The PDF could not be made because the database stayed busy. "
                      "Try again in a few minutes." if is_lock_conflict(error) else
                      "The PDF could not be made because of an error on our side.")


def _locked_retry(job_id: int, step):
    return retry_when_locked(step, attempts=LOCK_ATTEMPTS, backoff=LOCK_BACKOFF,
                             on_retry=lambda n: _note_retry(job_id, n), sleep=_pause)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _claim(job_id: int) -> bool:
    # The write lock (SQLite) or the row's lock (PostgreSQL) is taken before the state is
    # read: of two workers given the same job, the second finds it running and stops.
    with write_transaction():
        job = db.session.get(SynthesisJob, job_id, with_for_update=True)
        if job is None or job.state != JobState.QUEUED:
            db.session.rollback()
            return False
        job.start()
        db.session.commit()
    return True


def _finish(job_id: int, pdf: bytes) -> None:
    with write_transaction():
        job = db.session.get(SynthesisJob, job_id, with_for_update=True)
        if job is not None and job.state == JobState.RUNNING:
            job.finish(pdf, utcnow() + current_app.config["EXPORT_RETENTION"])
        db.session.commit()


def _note_retry(job_id: int, attempt: int) -> None:
    # What the progress page shows while waiting; if even this meets the lock, the page
    # shows the last state it had until the next step gets through.
    _write_quietly(db.update(SynthesisJob).where(
        SynthesisJob.id == job_id, SynthesisJob.state.in_([JobState.QUEUED, JobState.RUNNING]))
        .values(message=BUSY.format(attempt, LOCK_ATTEMPTS)))


@periodic(crontab(minute="17"))
def purge_expired_syntheses() -> None:
    """Every hour: drop finished synthesis PDFs past their retention time."""
    services.purge_expired_jobs()
    db.session.commit()


def _set_progress(job_id: int, percent: int) -> None:
    # Its own short transaction, so the page can show it while the job goes on. Progress
    # is a courtesy: a lock skips it (the next step writes a later figure).
    _write_quietly(db.update(SynthesisJob).where(SynthesisJob.id == job_id)
                   .values(progress=percent, message=""))


def _write_quietly(statement) -> None:
    # The build's reads end first (kept loaded): a read transaction that then writes is
    # what SQLite refuses when someone else committed in between.
    commit_keeping_loaded()
    try:
        with write_transaction():
            db.session.execute(statement)
            commit_keeping_loaded()
    except OperationalError as error:
        db.session.rollback()
        if not is_lock_conflict(error):
            raise


def _fail(job_id: int, message: str) -> None:
    def fail() -> None:
        with write_transaction():
            job = db.session.get(SynthesisJob, job_id, with_for_update=True)
            if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
                job.fail(message)
            db.session.commit()

    try:
        retry_when_locked(fail, attempts=LOCK_ATTEMPTS, backoff=LOCK_BACKOFF, sleep=_pause)
    except OperationalError:
        # Still locked after every attempt: the job stays as it was, and says why.
        log.exception("synthesis job %s could not be marked failed", job_id)
