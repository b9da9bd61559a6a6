"""The synthesised PDF: content, bounds, determinism, and the job's progress and failures."""

import io
import re
import time

import pytest
from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.jobs import JobFailed, run_limited
from dialogue.reports import synthesis
from dialogue.reports.contributions import Filters
from dialogue.reports.models import Coding, JobState, SynthesisJob


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
    from tests.factories import Factory

    other = Factory().user(role="researcher")
    login(other)
    assert client.get(f"/research/synthesis/{job.id}").status_code == 404


def test_failed_job_reports_a_message_and_can_be_retried(client, login, researcher, data, app):
    login(researcher)
    app.config["JOB_MEMORY_LIMIT_MB"] = 64  # far too little for WeasyPrint
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
    from datetime import timedelta

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
    import os

    return os.nice(0)


def test_limited_child_time_limit_errors_and_priority(app):
    with pytest.raises(JobFailed, match="longer than the 1 s limit"):
        run_limited(_sleep, 5, time_limit=1)
    with pytest.raises(JobFailed, match="ValueError: bad input"):
        run_limited(_explode)
    import os

    assert run_limited(_niceness, nice=10) >= os.nice(0) + 10
    assert run_limited(_sleep, 0) == "slept"
