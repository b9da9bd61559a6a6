"""Facilitators build workshops: details, the ready-made template, questions and their order."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_facilitate
from dialogue.extensions import db
from dialogue.forms import ActionForm, form_status
from dialogue.responses import done, require_action_form
from dialogue.workshops import bp, services
from dialogue.workshops.forms import (
    FIELD_KINDS,
    QuestionForm,
    TemplateForm,
    WorkshopForm,
    briefing_choices,
    finding_titles,
)
from dialogue.workshops.models import InvalidTransition, Workshop
from dialogue.workshops.template import copy_title
from dialogue.workshops.views.common import load_question, load_workshop

BUILDER_PAGES = {"field_kinds": FIELD_KINDS}


@bp.route("/workshops/")
@permission_required(can_facilitate)
def index():
    """The facilitator's workshops, newest first, and the ready-made template."""
    form = TemplateForm()
    form.load_choices()
    return _index_page(form)


def _index_page(template_form: TemplateForm) -> str:
    page = db.paginate(services.workshops_listed_for(current_user), per_page=20)
    return render_template("workshops/index.html", page=page, template_form=template_form,
                           action_form=ActionForm())


@bp.route("/workshops/new", methods=["GET", "POST"])
@permission_required(can_facilitate)
def new():
    """Create a workshop."""
    form = WorkshopForm()
    form.load_choices()
    if form.validate_on_submit():
        workshop = services.create_workshop(
            current_user, title=form.title.data, date=form.date.data,
            locality_id=form.locality_id.data, briefing_slugs=form.briefing_slugs.data)
        db.session.commit()
        flash("Workshop created. Add its questions.", "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/workshop_form.html", form=form,
                           workshop=None), form_status(form)


@bp.route("/workshops/from-template", methods=["POST"])
@permission_required(can_facilitate)
def from_template():
    """Copy the ready-made workshop for the facilitator to adapt."""
    form = TemplateForm()
    form.load_choices()
    if not form.validate_on_submit():
        return _index_page(form), form_status(form)
    workshop = services.create_from_template(current_user, date=form.date.data,
                                             locality_id=form.locality_id.data,
                                             title=copy_title(form.date.data))
    db.session.commit()
    flash("Your copy of the template is ready. Give it a title of its own (Edit details), "
          "then adapt its questions.", "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    """A workshop's questions, with controls to edit, reorder and run it."""
    workshop = load_workshop(workshop_id)
    return render_template("workshops/detail.html", workshop=workshop,
                           action_form=ActionForm(), briefing_titles=dict(briefing_choices()),
                           finding_titles=_finding_titles(workshop))


def _finding_titles(workshop: Workshop) -> dict[str, str]:
    return finding_titles([q.finding_key for q in workshop.questions if q.finding_key])


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit(workshop_id: int):
    """Change a workshop's details."""
    workshop = load_workshop(workshop_id)
    form = WorkshopForm(obj=workshop)
    form.load_choices()
    if form.validate_on_submit():
        services.update_workshop(workshop, current_user, title=form.title.data,
                                 date=form.date.data, locality_id=form.locality_id.data,
                                 briefing_slugs=form.briefing_slugs.data)
        db.session.commit()
        flash("Workshop details saved.", "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/workshop_form.html", form=form,
                           workshop=workshop), form_status(form)


@bp.route("/workshops/<int:workshop_id>/duplicate", methods=["POST"])
@require_action_form
def duplicate(workshop_id: int):
    """Copy a past workshop's questions into a new draft."""
    workshop = load_workshop(workshop_id)
    copy = services.duplicate_workshop(workshop, current_user)
    db.session.commit()
    flash("A copy of the workshop has been made.", "success")
    return redirect(url_for("workshops.detail", workshop_id=copy.id))


@bp.route("/workshops/<int:workshop_id>/questions/new", methods=["GET", "POST"])
def question_new(workshop_id: int):
    """Add a question."""
    workshop = load_workshop(workshop_id)
    form = QuestionForm()
    form.load_choices()
    if form.validate_on_submit():
        services.add_question(workshop, current_user, **form.question_fields())
        db.session.commit()
        flash("Question added.", "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/question_form.html", form=form, workshop=workshop,
                           question=None, **BUILDER_PAGES), form_status(form)


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/edit",
          methods=["GET", "POST"])
def question_edit(workshop_id: int, question_id: int):
    """Edit a question."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    form = QuestionForm(obj=question)
    form.load_choices()
    if request.method == "GET":
        form.options.data = "\n".join(o.label for o in question.options)
    if form.validate_on_submit():
        try:
            services.update_question(question, current_user, **form.question_fields())
        except InvalidTransition as error:
            form.kind.errors.append(error.message)
        else:
            db.session.commit()
            flash("Question saved.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/question_form.html", form=form, workshop=workshop,
                           question=question, **BUILDER_PAGES), form_status(form)


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/move", methods=["POST"])
@require_action_form
def question_move(workshop_id: int, question_id: int):
    """Move a question up or down the running order."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move_question(question, current_user, direction)
    db.session.commit()
    position = workshop.questions.index(question) + 1
    return done(url_for("workshops.detail", workshop_id=workshop.id) + f"#q-{question.id}",
                f"Question moved {direction} to position {position}.",
                fragment="workshops/_questions.html", workshop=workshop,
                action_form=ActionForm(), finding_titles=_finding_titles(workshop),
                moved=(question.id, direction))


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/preview")
def question_preview(workshop_id: int, question_id: int):
    """What a participant's phone shows for this question, from the phone's own template."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    questions = workshop.questions
    index = questions.index(question)
    return render_template(
        "workshops/preview.html", workshop=workshop, question=question, number=index + 1,
        previous=questions[index - 1] if index > 0 else None,
        next=questions[index + 1] if index + 1 < len(questions) else None,
        # The answer form as a phone that has not answered yet gets it.
        mine=None, error=None, message=None, shared_form=True,
        ranking_order=list(question.options))


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/delete",
          methods=["POST"])
@require_action_form
def question_delete(workshop_id: int, question_id: int):
    """Remove a question."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    services.delete_question(question, current_user)
    db.session.commit()
    flash("Question removed.", "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))
