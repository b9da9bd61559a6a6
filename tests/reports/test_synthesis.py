"""The synthesised PDF: content, bounds, determinism, and the job's progress and failures."""

import io
import os
import re
import resource
import time
from datetime import timedelta

import pytest
from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.jobs import JobFailed, get_huey, huey, run_limited
from dialogue.reports import synthesis
from dialogue.reports.filters import Filters
from dialogue.reports.models import Coding, JobState, SynthesisJob
from dialogue.reports.tasks import build_synthesis_pdf
from tests.factories import Factory


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def _code(data, name):
    return next(c for c in data.codes if c.code == name)


def _start(client, **filters):
    response = client.post("/research/synthesis", data=filters)
    assert response.status_code == 302
    job_id = int(re.search(r"/research/synthesis/(\d+)", response.headers["Location"]).group(1))
    return job_id


def test_pdf_synthesis_content_and_page_count(client, login, researcher, data):
    db.session.add(Coding(researcher_id=researcher.id, code_id=_code(data, "networks").id,
                          contribution_kind="post", contribution_id=data.posts[0].id))
    login(researcher)
    job_id = _start(client)
    page = client.get(f"/research/synthesis/{job_id}").get_data(as_text=True)
    assert "Your PDF is ready" in page
    pdf = client.get(f"/research/synthesis/{job_id}.pdf")
    assert pdf.mimetype == "application/pdf"
    text, pages = _text(pdf.data)
    assert 3 <= pages <= 8
    assert "What practitioners said" in text and "How this was made" in text
    assert "Finding" in text and "77%" in text  # the national figure beside the shares
    assert "56%" in text  # 5 of 9 consenting people: matches
    assert "fewer than 5" in text
    # The quote is attributed by role, phase and locality, with personal details removed.
    assert "primary headteacher, Locality A" in text
    assert "x@y.org" not in text and "Teacher 1" not in text
    assert "[email removed]" in text and "[name removed]" in text
    assert "I did not consent" not in text and "This one is held" not in text
    assert "Data version" in text


def test_same_filters_same_document(app, researcher, data):
    filters = Filters(phase="primary")
    first = synthesis.render(synthesis.build_html(filters))
    second = synthesis.render(synthesis.build_html(filters))
    assert _text(first) == _text(second)
    assert synthesis.build_html(filters) == synthesis.build_html(filters)


def test_progress_survives_reload_and_polling_stops(client, login, researcher, data, app):
    login(researcher)
    job = SynthesisJob(requested_by_id=researcher.id, filters="phase=primary",
                       state=JobState.RUNNING, progress=45)
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/research/synthesis/{job.id}").get_data(as_text=True)
    assert 'value="45"' in page and "hx-trigger=\"every 1s\"" in page
    poll = client.get(f"/research/synthesis/{job.id}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "<html" not in poll.get_data(as_text=True)
    db.session.refresh(job)
    job.state, job.progress = JobState.FAILED, 45
    job.message = "boom"
    db.session.commit()
    done = client.get(f"/research/synthesis/{job.id}", headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    # Someone else's job is not found.
    other = Factory().user(role="researcher")
    login(other)
    assert client.get(f"/research/synthesis/{job.id}").status_code == 404


def test_failed_job_reports_a_message_and_can_be_retried(client, login, researcher, data, app,
                                                        greedy_renderer):
    login(researcher)
    app.config["JOB_MEMORY_LIMIT_MB"] = 64  # far too little for this render
    job_id = _start(client)
    job = db.session.get(SynthesisJob, job_id)
    assert job.state == JobState.FAILED
    assert "could not be made" in job.message
    page = client.get(f"/research/synthesis/{job_id}").get_data(as_text=True)
    assert "Try again" in page
    assert client.get(f"/research/synthesis/{job_id}.pdf").status_code == 404
    app.config["JOB_MEMORY_LIMIT_MB"] = 1536
    client.post(f"/research/synthesis/{job_id}/retry")
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 2 and job.pdf_size > 0


def test_expired_pdf_is_gone(client, login, researcher, data, app):
    login(researcher)
    app.config["EXPORT_RETENTION"] = timedelta(seconds=-1)
    job_id = _start(client)
    assert client.get(f"/research/synthesis/{job_id}.pdf").status_code == 404
    assert "expired" in client.get(f"/research/synthesis/{job_id}").get_data(as_text=True)


def _sleep(seconds):
    time.sleep(seconds)
    return "slept"


def _explode():
    raise ValueError("bad input")


def _niceness():
    return os.nice(0)


def test_limited_child_time_limit_errors_and_priority(app):
    with pytest.raises(JobFailed, match="longer than the 1 s limit"):
        run_limited(_sleep, 5, time_limit=1)
    with pytest.raises(JobFailed, match="ValueError: bad input"):
        run_limited(_explode)
    assert run_limited(_niceness, nice=10) >= os.nice(0) + 10
    assert run_limited(_sleep, 0) == "slept"


def _allocate(mib):
    return len(bytearray(mib * 1024 * 1024))


def test_the_memory_limit_counts_from_what_the_parent_already_maps(app):
    """A worker that already maps more than the limit (numpy's thread pools, a test
    runner) still gets the whole limit for the job, and a job past it still fails."""
    with open("/proc/self/statm") as statm:
        mapped_mib = int(statm.read().split()[0]) * resource.getpagesize() // 2**20
    assert mapped_mib > 64  # the premise: the parent maps more than the limit below
    assert run_limited(_allocate, 16, memory_limit_mb=64) == 16 * 1024 * 1024
    with pytest.raises(JobFailed, match="memory"):
        run_limited(_allocate, 256, memory_limit_mb=64)


def test_the_worker_runs_the_named_task_it_was_queued(app, researcher, data, tmp_path):
    """Without the inline queue, a call queues a message naming the task itself (a rename
    is an import error, not a job the worker cannot find); the worker runs it later."""
    app.config["JOB_QUEUE_IMMEDIATE"] = False
    app.instance_path = str(tmp_path)
    huey.app = None  # as a fresh worker process: bind to this configuration
    queue = get_huey(app)
    job = SynthesisJob(requested_by_id=researcher.id, filters="phase=primary")
    db.session.add(job)
    db.session.commit()
    build_synthesis_pdf(job.id)
    (pending,) = queue.pending()
    assert (type(pending).__module__, type(pending).__name__) == (
        "dialogue.reports.tasks", "build_synthesis_pdf")
    if app.config.get("REDIS_URL"):  # the PostgreSQL + Redis pass
        assert type(queue.storage).__name__ == "RedisStorage"
    else:  # the embedded default: a file beside the instance
        assert (tmp_path / "jobs.sqlite3").exists()
    db.session.refresh(job)
    assert job.state == JobState.QUEUED  # nothing ran in the request
    db.session.commit()  # end this read, so the worker's writes show
    queue.execute(queue.dequeue())
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.pdf_size > 0
    assert queue.pending() == []
