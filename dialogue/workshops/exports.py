"""The facilitator's downloads: every answer as CSV, and the results as a PDF."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from dialogue.csvexport import to_csv
from dialogue.extensions import db
from dialogue.pdf import render_pdf_limited
from dialogue.workshops.models import SCALE_LABELS, Participant, Response, Workshop
from dialogue.workshops.qa_services import qa_export_rows, qa_summary
from dialogue.workshops.results import question_results

CSV_HEADER = ["question_number", "section", "question", "question_type", "participant",
              "participant_role", "participant_phase", "answer", "answer_value", "hidden",
              "answered_at", "changed_at"]


def _answer_text(question, response: Response, labels: dict[int, str]) -> tuple[str, object]:
    if response.option_id is not None:
        return labels.get(response.option_id, ""), response.option_id
    if response.value is not None:
        return SCALE_LABELS.get(response.value, ""), response.value
    if response.choices is not None:
        joiner = " > " if question.kind == "ranking" else "; "
        return joiner.join(labels.get(i, "?") for i in response.choices), \
            " ".join(str(i) for i in response.choices)
    return response.text or "", ""


def results_csv(workshop: Workshop) -> str:
    """One row per stored answer, then one per Q&A question (hidden ones marked, as hidden
    answers are); participants appear only as numbers within the workshop."""
    rows = []
    for number, question in enumerate(workshop.questions, start=1):
        labels = {option.id: option.label for option in question.options}
        answers = db.session.execute(
            select(Response, Participant).join(Participant,
                                               Participant.id == Response.participant_id)
            .where(Response.question_id == question.id)
            .order_by(Response.created_at, Response.id)).all()
        for response, participant in answers:
            answer, value = _answer_text(question, response, labels)
            rows.append([number, question.section, question.prompt, question.kind,
                         f"P{participant.id}", participant.education_role or "",
                         participant.phase or "", answer, value,
                         "yes" if response.hidden else "no",
                         response.created_at.isoformat(), response.updated_at.isoformat()])
    rows.extend(qa_export_rows(workshop))
    return to_csv(CSV_HEADER, rows)


def results_pdf(workshop: Workshop) -> bytes:
    """The workshop's results, charts and tables, and the room's Q&A, as a PDF (hidden
    answers and questions left out).

    Rendered in a niced child process with time and memory limits
    (``dialogue.jobs.run_limited``), so a big workshop's PDF never slows the live polls
    of a workshop running at the same time; a failed render raises ``JobFailed``."""
    results = [question_results(question) for question in workshop.questions]
    html = render_template("workshops/results_pdf.html", workshop=workshop, results=results,
                           qa=qa_summary(workshop))
    return render_pdf_limited(html, stylesheets=("css/print.css", "css/workshops.css",
                                                   "css/workshop-print.css"))
