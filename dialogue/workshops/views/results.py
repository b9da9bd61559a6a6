"""Facilitators read a workshop's results: every question with breakdowns, CSV and PDF, and
tidy an open-text question's word cloud (hide a word, merge two)."""

from __future__ import annotations

from flask import make_response, redirect, render_template, url_for
from flask_login import current_user

from dialogue.extensions import db
from dialogue.forms import ActionForm
from dialogue.responses import require_action_form
from dialogue.workshops import bp, wordcloud
from dialogue.workshops.exports import results_csv, results_pdf
from dialogue.workshops.forms import WordForm, WordMergeForm
from dialogue.workshops.models import QuestionKind, Workshop
from dialogue.workshops.qa_services import qa_summary
from dialogue.workshops.results import Results, agreement_by, question_results
from dialogue.workshops.views.common import load_question, load_workshop


@bp.route("/workshops/<int:workshop_id>/results")
def results(workshop_id: int):
    """Every question's results, with breakdowns and downloads."""
    return _results_page(load_workshop(workshop_id))


def _results_page(workshop: Workshop, *, status: int = 200, refused_question: int | None = None,
                  error: str | None = None, refused_form: WordMergeForm | None = None):
    """The results page; a refused word cloud edit shows its message by its question."""
    all_results = [question_results(q, include_hidden=True) for q in workshop.questions]
    tools = {r.question.id: _word_tools(r) for r in all_results
             if r.question.kind == QuestionKind.OPEN_TEXT}
    if refused_question in tools:
        tools[refused_question]["error"] = error
        if refused_form is not None:
            tools[refused_question]["merge"] = refused_form
    return render_template("workshops/results.html", workshop=workshop, results=all_results,
                           action_form=ActionForm(), breakdown=agreement_by,
                           word_tools=tools, word_form=WordForm(formdata=None),
                           qa=qa_summary(workshop)), status


def _word_tools(r: Results) -> dict:
    """An open-text question's word cloud tools: the merge form and the edits to undo."""
    merge = WordMergeForm(formdata=None, prefix=f"q{r.question.id}")
    merge.load_choices([word for word, _ in r.words])
    return {"merge": merge, "edits": wordcloud.edit_list(r.question), "error": None}


def _back(workshop: Workshop, question_id: int):
    return redirect(url_for("workshops.results", workshop_id=workshop.id)
                    + f"#question-{question_id}")


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/words/hide",
          methods=["POST"])
def word_hide(workshop_id: int, question_id: int):
    """Leave a word out of this question's word cloud, everywhere it is shown."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    form = WordForm()
    if not form.validate_on_submit():
        return _results_page(workshop, status=422, refused_question=question.id,
                             error="Choose a word to hide.")
    try:
        wordcloud.hide_word(question, current_user, form.word.data)
    except wordcloud.WordEditRefused as refusal:
        db.session.rollback()
        return _results_page(workshop, status=refusal.status, refused_question=question.id,
                             error=refusal.message)
    db.session.commit()
    return _back(workshop, question.id)


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/words/merge",
          methods=["POST"])
def word_merge(workshop_id: int, question_id: int):
    """Count one word of this question's word cloud as another."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    words = [word for word, _ in question_results(question).words]
    form = WordMergeForm(prefix=f"q{question.id}")
    form.load_choices(words)
    if not form.validate_on_submit():
        return _results_page(workshop, status=422, refused_form=form,
                             refused_question=question.id,
                             error="Choose two different words from the cloud to merge.")
    try:
        wordcloud.merge_words(question, current_user, form.word.data, form.into.data)
    except wordcloud.WordEditRefused as refusal:
        db.session.rollback()
        return _results_page(workshop, status=refusal.status, refused_form=form,
                             refused_question=question.id, error=refusal.message)
    db.session.commit()
    return _back(workshop, question.id)


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/words/<int:edit_id>/undo",
          methods=["POST"])
@require_action_form
def word_undo(workshop_id: int, question_id: int, edit_id: int):
    """Take back a hidden or merged word."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    wordcloud.undo_edit(question, current_user, edit_id)
    db.session.commit()
    return _back(workshop, question.id)


def _download(body: str | bytes, content_type: str, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/workshops/<int:workshop_id>/results.csv")
def results_csv_download(workshop_id: int):
    """Every response as CSV (one row per answer), for the facilitator."""
    workshop = load_workshop(workshop_id)
    return _download(results_csv(workshop), "text/csv; charset=utf-8",
                     f"workshop-{workshop.id}-results.csv")


@bp.route("/workshops/<int:workshop_id>/results.pdf")
def results_pdf_download(workshop_id: int):
    """The workshop's results as a PDF, for the facilitator."""
    workshop = load_workshop(workshop_id)
    return _download(results_pdf(workshop), "application/pdf",
                     f"workshop-{workshop.id}-results.pdf")
