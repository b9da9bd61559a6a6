"""The hostile corpus through the PDF and CSV outputs: nothing fetched, text kept.

A workshop whose open-text answers (and one question's wording) are the sampled corpus
is rendered by the app's own results PDF route (``dialogue.pdf.render_pdf`` with the
locked-down ``StaticOnlyFetcher``, in the same limited child process as in production).
Every fetch the renderer attempts is recorded by wrapping the fetcher: the PDF must
render, nothing outside ``/static/`` may be fetched (attempts are allowed, they are
refused), and each answer's visible text must
be in the PDF. The same answers through the results CSV round-trip, or come back
behind an apostrophe when a spreadsheet would run them as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from dialogue import pdf
from dialogue.extensions import db
from dialogue.workshops import participants, services
from tests.security.corpus import XSS, corpus
from tests.security.fields import FIELDS, STORED, spreadsheet_safe

OPEN_TEXT = next(f for f in FIELDS if f.name == "workshops.answer.open_text")
STATIC = pdf.PDF_ORIGIN + "/static/"
# Markup that makes a renderer fetch, whatever field it sits in.
FETCHING = (
    '<img src="https://evil.example/pixel.png">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<img src="file:///etc/passwd">',
    '<style>@import url("https://evil.example/i.css");</style>',
    '<object data="http://127.0.0.1:5432/"></object>',
)


def _answers() -> list[str]:
    """The sampled corpus (plus fetching markup) as the answers the open-text rules store."""
    values = [s.value for s in corpus()] + list(FETCHING)
    stored = []
    for value in values:
        outcome = OPEN_TEXT.predict(value)
        if outcome.kind == STORED and outcome.value not in stored:
            stored.append(outcome.value)
    return stored


class FetchLog:
    """Every URL the PDF renderer asked for, with whether it was served. Kept in a file,
    because the app renders PDFs in a forked child process whose memory we never see."""

    def __init__(self, path):
        self.path = path
        path.write_text("")

    def record(self, url: str, served: bool) -> None:
        with self.path.open("a", encoding="utf-8") as log:
            log.write(f"{int(served)} {url}\n")

    def __iter__(self):
        for line in self.path.read_text(encoding="utf-8").splitlines():
            served, _, url = line.partition(" ")
            yield url, served == "1"

    def __repr__(self) -> str:
        return repr(list(self))


@pytest.fixture
def fetches(monkeypatch, tmp_path):
    log = FetchLog(tmp_path / "fetches.log")
    original = pdf.StaticOnlyFetcher.fetch

    def fetch(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except pdf.RefusedURL:
            log.record(url, False)
            raise
        log.record(url, True)
        return response

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", fetch)
    return log


def _visible(text: str) -> str:
    """Letters and digits only: what survives any PDF text extraction's spacing."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


@pytest.fixture
def hostile_workshop(factory):
    facilitator = factory.user(role="facilitator", name="Fran Facilitator")
    workshop = services.create_workshop(facilitator, title=XSS[0], date=dt.date.today(),
                                        locality_id=None)
    question = services.add_question(workshop, facilitator, kind="open_text",
                                     prompt=FETCHING[0] + " " + XSS[1])
    services.control(workshop, facilitator, "next")  # opens the question
    answers = _answers()
    for text in answers:
        participant = participants.join(workshop, None)
        participants.submit_response(question, participant, MultiDict({"text": text}))
    db.session.commit()
    return facilitator, workshop, answers


def test_results_pdf_renders_hostile_answers_without_fetching(hostile_workshop, login,
                                                              client, fetches):
    facilitator, workshop, answers = hostile_workshop
    assert len(answers) > 40  # the sample really went in
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    fetched = [url for url, served in fetches if served]
    assert fetched, "the stylesheets are served through the fetcher"
    assert all(url.startswith(STATIC) for url in fetched), fetched
    reader = PdfReader(io.BytesIO(response.data))
    text = _visible("".join(page.extract_text() for page in reader.pages))
    missing = [a for a in answers if a.isascii() and _visible(a) and _visible(a) not in text]
    assert not missing, f"{len(missing)} answer(s) not in the PDF text: {missing[:5]!r}"
    assert _visible(XSS[0]) in text  # the title, as text


def test_render_pdf_fetches_nothing_a_user_wrote(app, fetches):
    html = "<!DOCTYPE html><html><body>" + "".join(FETCHING) + "<p>kept</p></body></html>"
    fetcher = pdf.StaticOnlyFetcher(app.static_folder)
    body = pdf.render_pdf(html, fetcher=fetcher)
    assert body.startswith(b"%PDF")
    assert fetcher.refused, "the markup's URLs were attempted and refused"
    assert all(url.startswith(STATIC) for url, served in fetches if served), fetches
    assert not any("evil.example" in url or url.startswith("file:")
                   for url, served in fetches if served)


def test_results_csv_round_trips_hostile_answers(hostile_workshop, login, client):
    facilitator, workshop, answers = hostile_workshop
    login(facilitator)
    response = client.get(f"/workshops/{workshop.id}/results.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    cells = [row["answer"] for row in csv.DictReader(io.StringIO(text[1:], newline=""))]
    assert sorted(cells) == sorted(spreadsheet_safe(a) for a in answers)
