"""CSV and PDF downloads for the facilitator."""

import csv
import io

from pypdf import PdfReader

from dialogue.extensions import db
from dialogue.workshops import services
from tests.workshops.conftest import answer, go_to


def _answered(workshop, facilitator):
    a = services.join(workshop, None, education_role="headteacher", phase="primary")
    b = services.join(workshop, None)
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
    assert "Borda points" in flat
    assert "Green" in flat


def test_results_break_agreement_down_by_phase(workshop, facilitator, login, client):
    a = services.join(workshop, None, phase="primary")
    b = services.join(workshop, None, phase="secondary")
    c = services.join(workshop, None, phase="secondary")
    db.session.commit()
    scale = go_to(workshop, facilitator, "scale")
    answer(scale, a, value=5)
    answer(scale, b, value=4)
    answer(scale, c, value=1)
    login(facilitator)
    page = " ".join(client.get(f"/workshops/{workshop.id}/results").data.decode().split())
    assert "Agreeing, by phase" in page
    assert "Primary</th> <td class=\"govuk-table__cell govuk-table__cell--numeric\">1</td>" \
        " <td class=\"govuk-table__cell govuk-table__cell--numeric\">100%</td>" in page
    assert ">Secondary</th> <td class=\"govuk-table__cell govuk-table__cell--numeric\">2</td>" \
        " <td class=\"govuk-table__cell govuk-table__cell--numeric\">50%</td>" in page


def test_a_pdf_render_that_crashes_says_so_and_can_be_retried(app, workshop, facilitator,
                                                              login, client):
    """The render runs in a limited child process: one that dies (here, out of memory)
    gives a clear 503, and the next attempt, within limits, succeeds."""
    _answered(workshop, facilitator)
    login(facilitator)
    app.config["JOB_MEMORY_LIMIT_MB"] = 40  # far below what WeasyPrint needs
    failed = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert failed.status_code == 503
    assert b"The PDF could not be made" in failed.data
    assert failed.headers["Retry-After"]
    del app.config["JOB_MEMORY_LIMIT_MB"]  # back to the default limit
    retried = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert retried.status_code == 200 and retried.data.startswith(b"%PDF")
