"""CSV and PDF downloads for the facilitator."""

import csv
import io

from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.workshops import participants
from tests.workshops.helpers import answer, go_to


def _answered(workshop, facilitator):
    a = participants.join(workshop, None, education_role="headteacher", phase="primary")
    b = participants.join(workshop, None)
    db.session.commit()
    single = go_to(workshop, facilitator, "single")
    answer(single, a, option=single.options[1].id)
    answer(single, b, option=single.options[1].id)
    ranking = go_to(workshop, facilitator, "ranking")
    answer(ranking, a, ranking=[o.id for o in reversed(ranking.options)])
    text = go_to(workshop, facilitator, "open_text")
    answer(text, a, text="=HYPERLINK(\"http://evil\")")
    answer(text, b, text="Shared professional development")
    return a, b


def test_csv_has_every_answer_safely(workshop, facilitator, login, client):
    _answered(workshop, facilitator)
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 5
    singles = [r for r in rows if r["question_type"] == "single"]
    assert [r["answer"] for r in singles] == ["Green", "Green"]
    ranking = next(r for r in rows if r["question_type"] == "ranking")
    assert ranking["answer"] == "Three > Two > One"
    assert ranking["participant_role"] == "headteacher"
    formula = next(r for r in rows if "HYPERLINK" in r["answer"])
    assert formula["answer"].startswith("'=")


def test_pdf_has_the_results(workshop, facilitator, login, client):
    _answered(workshop, facilitator)
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Test workshop" in flat
    assert "Pick one" in flat
    assert "Shared professional development" in flat
    assert "Average position" in flat and "Borda" not in flat
    assert "Green" in flat


def test_results_break_agreement_down_by_phase(workshop, facilitator, login, client):
    """The researchers' small-group rule: a group of fewer than 5 people is not shown,
    nor the next smallest group, which would give it away by subtraction from the total."""
    people = [participants.join(workshop, None, phase="primary")]
    people += [participants.join(workshop, None, phase="special") for _ in range(5)]
    people += [participants.join(workshop, None, phase="secondary") for _ in range(6)]
    db.session.commit()
    scale = go_to(workshop, facilitator, "scale")
    values = [5, 4, 4, 4, 4, 4, 1, 4, 5, 2, 3, 1]
    for person, value in zip(people, values, strict=True):
        answer(scale, person, value=value)
    login(facilitator)
    page = " ".join(client.get(f"/workshops/{workshop.id}/results").data.decode().split())
    assert "Agreeing, by phase" in page
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"Primary</th> {cell}fewer than 5</td> {cell}Not shown</td>" in page
    assert f"Special</th> {cell}Not shown</td> {cell}Not shown</td>" in page
    assert f">Secondary</th> {cell}6</td> {cell}33%</td>" in page
    assert f"{cell}100%</td>" not in page  # the one primary answer cannot be read off


def test_a_pdf_render_that_crashes_says_so_and_can_be_retried(app, workshop, facilitator,
                                                              login, client, greedy_renderer):
    """The render runs in a limited child process: one that dies (here, out of memory)
    gives a clear 503, and the next attempt, within limits, succeeds."""
    _answered(workshop, facilitator)
    login(facilitator)
    default_limit = app.config["JOB_MEMORY_LIMIT_MB"]
    app.config["JOB_MEMORY_LIMIT_MB"] = 64  # far below what this render needs
    failed = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert failed.status_code == 503
    assert b"The PDF could not be made" in failed.data
    assert failed.headers["Retry-After"]
    app.config["JOB_MEMORY_LIMIT_MB"] = default_limit
    retried = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert retried.status_code == 200 and retried.data.startswith(b"%PDF")
