"""The research feature's background jobs: building a synthesis PDF, and dropping old ones.

Queue a build by calling it after the commit: ``build_synthesis_pdf(job_id)``.
"""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.jobs import JobFailed, periodic, task
from dialogue.reports import services, synthesis
from dialogue.reports.filters import Filters
from dialogue.reports.models import JobState, SynthesisJob

log = logging.getLogger(__name__)


@task
def build_synthesis_pdf(job_id: int) -> None:
    """Build the PDF for one synthesis job, recording its progress or why it failed."""
    job = db.session.get(SynthesisJob, job_id)
    if job is None or job.state != JobState.QUEUED:
        return
    job.start()
    db.session.commit()
    try:
        filters = Filters.from_query(job.filters)
        html = synthesis.build_html(filters, progress=lambda p: _set_progress(job_id, p))
        _set_progress(job_id, 70)
        pdf = synthesis.render(html)
    except JobFailed as error:
        db.session.rollback()
        _fail(job_id, f"The PDF could not be made: {error}.")
        return
    except Exception:
        # Any fault in the build fails this job with a message; the worker carries on.
        db.session.rollback()
        log.exception("synthesis job %s failed", job_id)
        _fail(job_id, "The PDF could not be made because of an error on our side.")
        return
    job = db.session.get(SynthesisJob, job_id)
    job.finish(pdf, utcnow() + current_app.config["EXPORT_RETENTION"])
    db.session.commit()


@periodic(crontab(minute="17"))
def purge_expired_syntheses() -> None:
    """Every hour: drop finished synthesis PDFs past their retention time."""
    services.purge_expired_jobs()
    db.session.commit()


def _set_progress(job_id: int, percent: int) -> None:
    # Its own short transaction, so the page can show it while the job goes on.
    db.session.execute(db.update(SynthesisJob).where(SynthesisJob.id == job_id)
                       .values(progress=percent))
    db.session.commit()


def _fail(job_id: int, message: str) -> None:
    job = db.session.get(SynthesisJob, job_id)
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
        job.fail(message)
        db.session.commit()
