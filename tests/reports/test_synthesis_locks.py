"""A synthesis job that meets a database lock is tried again, never failed or left
"queued" for it (issue 16, point 9): with a 300-phone room answering on SQLite, 11 of 19
PDFs failed with "database is locked" and one stayed queued for ever (the lock hit the
commit that marks the job started, outside the job's error handling).

The lock is the driver's own error (sqlite3's or psycopg's OperationalError), raised
where the driver runs the statement, so SQLAlchemy wraps it as it wraps a real one.
"""

from __future__ import annotations

import pytest

from dialogue.extensions import db
from dialogue.reports import tasks
from dialogue.reports.models import JobState, SynthesisJob
from dialogue.reports.tasks import build_synthesis_pdf

UPDATE = "UPDATE research_synthesis_jobs"


def _claim(statement: str) -> bool:
    return statement.startswith(UPDATE) and "started_at" in statement


def _finish(statement: str) -> bool:
    return statement.startswith(UPDATE) and "pdf_size" in statement


def _locked(monkeypatch, matches, times: int = 1) -> list[str]:
    """The next ``times`` statements ``matches`` accepts fail as a lock would."""
    dialect = db.engine.dialect
    real = dialect.do_execute
    driver_error = dialect.loaded_dbapi.OperationalError
    hits: list[str] = []

    def execute(cursor, statement, parameters, context=None):
        if matches(statement) and len(hits) < times:
            hits.append(statement)
            raise driver_error("database is locked")
        return real(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", execute)
    return hits


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs were rendered: the job must not run twice."""
    made = []
    real = tasks.synthesis.render

    def render(html):
        made.append(html)
        return real(html)

    monkeypatch.setattr(tasks.synthesis, "render", render)
    return made


@pytest.fixture
def pauses(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(tasks, "_pause", waited.append)
    return waited


def _job(researcher) -> int:
    job = SynthesisJob(requested_by_id=researcher.id, filters="")
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.commit()  # and no transaction left open: each check below reads afresh
    return job_id


@pytest.mark.parametrize("step", [_claim, _finish], ids=["claiming the job", "finishing it"])
def test_a_lock_is_waited_out_and_the_pdf_made_once(app, researcher, data, renders, pauses,
                                                    monkeypatch, step):
    job_id = _job(researcher)
    hits = _locked(monkeypatch, step)
    build_synthesis_pdf(job_id)
    assert len(hits) == 1, "the lock was never met: the test proves nothing"
    db.session.rollback()  # a fresh snapshot: the job committed in its own session
    job = db.session.get(SynthesisJob, job_id)
    assert (job.state, job.progress, job.message) == (JobState.DONE, 100, "")
    assert job.attempts == 1 and job.pdf_size > 0
    assert len(renders) == 1
    assert pauses == [tasks.LOCK_BACKOFF]


def test_the_progress_page_says_the_job_is_waiting_for_the_database(
        app, client, login, researcher, data, renders, monkeypatch):
    login(researcher)
    job_id = _job(researcher)
    _locked(monkeypatch, _claim, times=2)
    pages = []
    # While the job waits, the researcher's page (another request) says why.
    monkeypatch.setattr(tasks, "_pause", lambda seconds: pages.append(
        client.get(f"/research/synthesis/{job_id}").get_data(as_text=True)))
    build_synthesis_pdf(job_id)
    assert len(pages) == 2
    assert "trying again, attempt 2 of 5" in pages[0]
    assert "trying again, attempt 3 of 5" in pages[1]
    assert "the job worker may not be running" not in pages[0]
    done = client.get(f"/research/synthesis/{job_id}").get_data(as_text=True)
    assert "Your PDF is ready" in done and "trying again" not in done


def test_a_lock_that_never_clears_fails_the_job_with_a_message(app, researcher, data, renders,
                                                               pauses, monkeypatch):
    job_id = _job(researcher)
    _locked(monkeypatch, _claim, times=tasks.LOCK_ATTEMPTS)
    build_synthesis_pdf(job_id)
    db.session.rollback()  # a fresh snapshot: the job committed in its own session
    job = db.session.get(SynthesisJob, job_id)
    assert job.state == JobState.FAILED  # not "queued" for ever
    assert "database stayed busy" in job.message
    assert renders == []
    assert pauses == [tasks.LOCK_BACKOFF * 2 ** n for n in range(tasks.LOCK_ATTEMPTS - 1)]


def test_a_job_queued_twice_is_built_once(app, researcher, data, renders, pauses):
    job_id = _job(researcher)
    build_synthesis_pdf(job_id)
    build_synthesis_pdf(job_id)
    job = db.session.get(SynthesisJob, job_id)
    assert job.state == JobState.DONE and job.attempts == 1
    assert len(renders) == 1


def test_other_database_errors_are_not_retried(app, researcher, data, renders, pauses,
                                               monkeypatch):
    dialect = db.engine.dialect
    real = dialect.do_execute
    driver_error = dialect.loaded_dbapi.OperationalError

    def execute(cursor, statement, parameters, context=None):
        if _claim(statement):
            raise driver_error("disk I/O error")
        return real(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", execute)
    job_id = _job(researcher)
    build_synthesis_pdf(job_id)
    monkeypatch.undo()
    db.session.rollback()  # a fresh snapshot: the job committed in its own session
    job = db.session.get(SynthesisJob, job_id)
    assert job.state == JobState.FAILED and "error on our side" in job.message
    assert pauses == []
