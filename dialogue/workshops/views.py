"""Workshop pages: facilitators build and present; participants join and answer.

Views load, check permission, call a service, commit once, then render or redirect.
Every control is an ordinary form (it works without JavaScript); htmx swaps fragments.
"""

from __future__ import annotations

from flask import (
    Response as FlaskResponse,
)
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from dialogue.auth.decorators import permission_required
from dialogue.auth.permissions import can_facilitate, can_run_workshop, is_admin
from dialogue.db import (
    commit_keeping_loaded,
    reads_first,
    write_transaction,
)
from dialogue.extensions import db, htmx, limiter
from dialogue.forms import ActionForm, form_status
from dialogue.workshops import bp, cookies, live, services
from dialogue.workshops.exports import results_csv, results_pdf
from dialogue.workshops.forms import (
    AboutYouForm,
    JoinForm,
    QuestionForm,
    TemplateForm,
    WorkshopForm,
    briefing_choices,
)
from dialogue.workshops.models import (
    InvalidTransition,
    Question,
    QuestionState,
    Response,
    Workshop,
    WorkshopState,
)
from dialogue.workshops.poll_shortcut import LIVE_STATE_ENVIRON_KEY
from dialogue.workshops.presenting import qr_svg, stage_context
from dialogue.workshops.question_fragments import BlankForm, blank_forms
from dialogue.workshops.results import agreement_by, question_results

STOP_POLLING = 286  # htmx stops polling on this status


# --- Participant cookies -------------------------------------------------------------


def _participant_token(code: str) -> str | None:
    return cookies.read_token(current_app.config["SECRET_KEY"],
                              request.cookies.get(cookies.cookie_name(code)))


def _set_participant_cookie(response, code: str, token: str) -> None:
    response.set_cookie(cookies.cookie_name(code),
                        cookies.sign_token(current_app.config["SECRET_KEY"], token),
                        max_age=3 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def participant_rate_key() -> str:
    """Votes are limited per participant (their cookie), not per IP: a school shares one."""
    code = (request.view_args or {}).get("code", "")
    raw = request.cookies.get(cookies.cookie_name(code))
    return f"participant:{raw}" if raw else f"ip:{request.remote_addr}"


def _failed_join(response) -> bool:
    """Only wrong or expired codes count against the per-IP join limit."""
    return response.status_code in (400, 404, 410, 422)


def _join_limit():
    return current_app.config.get("JOIN_RATE_LIMIT", "30 per minute")


def _vote_limit():
    return current_app.config["VOTE_RATE_LIMIT"]


def _load_workshop(workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if not can_run_workshop(current_user, workshop):
        abort(403)
    return workshop


def _load_question(workshop: Workshop, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.workshop_id != workshop.id:
        abort(404)
    return question


# --- Facilitator: building workshops -----------------------------------------------------


@bp.route("/workshops/")
@permission_required(can_facilitate)
def index():
    """The facilitator's workshops, newest first, and the ready-made template."""
    form = TemplateForm()
    form.load_choices()
    return _index_page(form)


def _index_page(template_form: TemplateForm) -> str:
    from sqlalchemy import select

    query = select(Workshop).order_by(Workshop.date.desc(), Workshop.id.desc())
    if not is_admin(current_user):
        query = query.where(Workshop.owner_id == current_user.id)
    page = db.paginate(query, per_page=20)
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
                                             locality_id=form.locality_id.data)
    db.session.commit()
    flash("Your copy of the template is ready. Adapt its questions as you wish.", "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    """A workshop's questions, with controls to edit, reorder and run it."""
    workshop = _load_workshop(workshop_id)
    return render_template("workshops/detail.html", workshop=workshop,
                           action_form=ActionForm(), briefing_titles=dict(briefing_choices()))


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit(workshop_id: int):
    """Change a workshop's details."""
    workshop = _load_workshop(workshop_id)
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
def duplicate(workshop_id: int):
    """Copy a past workshop's questions into a new draft."""
    workshop = _load_workshop(workshop_id)
    if ActionForm().validate_on_submit():
        copy = services.duplicate_workshop(workshop, current_user)
        db.session.commit()
        flash("A copy of the workshop has been made.", "success")
        return redirect(url_for("workshops.detail", workshop_id=copy.id))
    abort(400)


@bp.route("/workshops/<int:workshop_id>/questions/new", methods=["GET", "POST"])
def question_new(workshop_id: int):
    """Add a question."""
    workshop = _load_workshop(workshop_id)
    form = QuestionForm()
    form.load_choices()
    if form.validate_on_submit():
        services.add_question(workshop, current_user, **_question_fields(form))
        db.session.commit()
        flash("Question added.", "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/question_form.html", form=form, workshop=workshop,
                           question=None), form_status(form)


def _question_fields(form: QuestionForm) -> dict:
    return {"kind": form.kind.data, "prompt": form.prompt.data, "section": form.section.data,
            "options": form.option_labels(), "max_choices": form.max_choices.data,
            "finding_key": form.finding_key.data or None,
            "results_hidden": form.results_hidden.data}


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/edit",
          methods=["GET", "POST"])
def question_edit(workshop_id: int, question_id: int):
    """Edit a question."""
    workshop = _load_workshop(workshop_id)
    question = _load_question(workshop, question_id)
    form = QuestionForm(obj=question)
    form.load_choices()
    if request.method == "GET":
        form.options.data = "\n".join(o.label for o in question.options)
    if form.validate_on_submit():
        try:
            services.update_question(question, current_user, **_question_fields(form))
        except InvalidTransition as error:
            form.kind.errors.append(str(error))
        else:
            db.session.commit()
            flash("Question saved.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/question_form.html", form=form, workshop=workshop,
                           question=question), form_status(form)


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/move", methods=["POST"])
def question_move(workshop_id: int, question_id: int):
    """Move a question up or down the running order."""
    workshop = _load_workshop(workshop_id)
    question = _load_question(workshop, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move_question(question, current_user, direction)
    db.session.commit()
    if htmx:
        return render_template("workshops/_questions.html", workshop=workshop,
                               action_form=ActionForm(), moved=question.id)
    return redirect(url_for("workshops.detail", workshop_id=workshop.id) + "#questions")


@bp.route("/workshops/<int:workshop_id>/questions/<int:question_id>/delete",
          methods=["POST"])
def question_delete(workshop_id: int, question_id: int):
    """Remove a question."""
    workshop = _load_workshop(workshop_id)
    question = _load_question(workshop, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_question(question, current_user)
    db.session.commit()
    flash("Question removed.", "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/end", methods=["POST"])
def end(workshop_id: int):
    """End the workshop: questions close and the code stops working."""
    workshop = _load_workshop(workshop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end_workshop(workshop, current_user)
    except InvalidTransition as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The workshop has ended. Its results are below.", "success")
    return redirect(url_for("workshops.results", workshop_id=workshop.id))


# --- Facilitator: presenting ----------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/present")
def present(workshop_id: int):
    """The presenter screen: code, QR, the current question, live count and results."""
    workshop = _load_workshop(workshop_id)
    join_url = url_for("workshops.join_code", code=workshop.code, _external=True)
    return render_template("workshops/present.html", workshop=workshop, join_url=join_url,
                           qr=qr_svg(join_url), **stage_context(workshop))


@bp.route("/workshops/<int:workshop_id>/present/live")
@limiter.exempt
def present_live(workshop_id: int):
    """Poll for the presenter: 204 while nothing changed, else the new results."""
    workshop = _load_workshop(workshop_id)
    state = live.live_state(workshop.code)
    if request.if_none_match.contains_weak(state.presenter_etag.strip('"')):
        return _not_modified(state.presenter_etag)
    seen_version = request.args.get("v", type=int)
    seen_state = request.args.get("s", type=int)
    if seen_version == state.version and seen_state == state.state_version:
        return FlaskResponse(status=204)
    context = stage_context(workshop)
    if seen_state != state.state_version:
        # The question or its state changed (perhaps in another tab): redraw the stage.
        body = render_template("workshops/_stage.html", workshop=workshop, **context)
        response = make_response(body)
        response.headers["HX-Retarget"] = "#present-stage"
        response.headers["HX-Reswap"] = "outerHTML"
    else:
        response = make_response(render_template("workshops/_present_results.html",
                                                 workshop=workshop, **context))
    response.headers["ETag"] = state.presenter_etag
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _not_modified(etag: str) -> FlaskResponse:
    response = FlaskResponse(status=304)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/workshops/<int:workshop_id>/control", methods=["POST"])
def control(workshop_id: int):
    """Open, close, reveal, hide results, or go to the next or previous question."""
    workshop = _load_workshop(workshop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        message = services.control(workshop, current_user, request.form.get("action", ""))
    except InvalidTransition as error:
        db.session.rollback()
        # Refused by the workshop's state (already open, no next question, another tab
        # moved on): the stage as it now is, with the reason.
        message, category, status = str(error), "error", 409
    else:
        db.session.commit()
        category, status = "success", 200
    if htmx:
        db.session.refresh(workshop)
        return render_template("workshops/_stage.html", workshop=workshop, message=message,
                               message_category=category, **stage_context(workshop)), status
    flash(message, category)
    return redirect(url_for("workshops.present", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/answers/<int:response_id>/hide", methods=["POST"])
def hide_answer(workshop_id: int, response_id: int):
    """Hide an open-text answer from the shared screen, or show it again."""
    workshop = _load_workshop(workshop_id)
    answer = db.get_or_404(Response, response_id)
    if answer.question.workshop_id != workshop.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    hide = request.form.get("hidden", "1") == "1"
    services.set_response_hidden(answer, current_user, hide)
    db.session.commit()
    flash("Answer hidden from the screen." if hide else "Answer shown again.", "success")
    back = request.form.get("back")
    if back == "present":
        return redirect(url_for("workshops.present", workshop_id=workshop.id))
    return redirect(url_for("workshops.results", workshop_id=workshop.id)
                    + f"#question-{answer.question_id}")


# --- Facilitator: results -------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/results")
def results(workshop_id: int):
    """Every question's results, with breakdowns and downloads."""
    workshop = _load_workshop(workshop_id)
    all_results = [question_results(q, include_hidden=True) for q in workshop.questions]
    return render_template("workshops/results.html", workshop=workshop, results=all_results,
                           action_form=ActionForm(), breakdown=agreement_by)


@bp.route("/workshops/<int:workshop_id>/results.csv")
def results_csv_download(workshop_id: int):
    """Every response as CSV (one row per answer), for the facilitator."""
    workshop = _load_workshop(workshop_id)
    response = make_response(results_csv(workshop))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="workshop-{workshop.id}-results.csv"')
    return response


@bp.route("/workshops/<int:workshop_id>/results.pdf")
def results_pdf_download(workshop_id: int):
    """The workshop's results as a PDF, for the facilitator."""
    workshop = _load_workshop(workshop_id)
    response = make_response(results_pdf(workshop))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="workshop-{workshop.id}-results.pdf"')
    return response


# --- Participants ---------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"], deduct_when=_failed_join)
def join():
    """Join a workshop with the code on the screen."""
    form = JoinForm()
    if form.validate_on_submit():
        code = services.normalise_code(form.code.data)
        workshop = services.find_workshop_by_code(code)
        problem = _code_problem(workshop)
        if problem is None:
            return _join_and_redirect(workshop, form)
        form.code.errors.append(problem)
        return render_template("workshops/join.html", form=form), 404 if workshop is None else 410
    if request.args.get("code") and request.method == "GET":
        form.code.data = request.args["code"]
    return render_template("workshops/join.html", form=form), form_status(form)


def _code_problem(workshop: Workshop | None) -> str | None:
    if workshop is None:
        return ("There is no workshop with that code. Check the six characters on the "
                "screen and try again.")
    if not workshop.code_is_usable():
        return "That code has expired: the workshop has ended. Ask the facilitator for a new code."
    return None


def _join_and_redirect(workshop: Workshop, form):
    participant = services.join(workshop, current_user,
                                education_role=form.education_role.data or None,
                                phase=form.phase.data or None)
    db.session.commit()
    response = redirect(url_for("workshops.join_code", code=workshop.code))
    _set_participant_cookie(response, workshop.code, participant.token)
    return response


@bp.route("/j/<code>", methods=["GET", "POST"])
@limiter.limit(_join_limit, deduct_when=_failed_join)
def join_code(code: str):
    """Join by link or QR code, or (once joined) the participant's live page."""
    workshop = services.find_workshop_by_code(code)
    if workshop is not None and workshop.code != code:
        return redirect(url_for("workshops.join_code", code=workshop.code))
    participant = (services.find_participant(workshop.id, _participant_token(code))
                   if workshop is not None else None)
    if participant is not None:
        return render_template("workshops/participant.html", workshop=workshop,
                               **_participant_context(workshop, participant))
    problem = _code_problem(workshop)
    if problem is not None:
        form = JoinForm(formdata=None, code=code)
        form.code.errors = [problem]
        return render_template("workshops/join.html", form=form), 404 if workshop is None else 410
    form = AboutYouForm()
    if form.validate_on_submit():
        return _join_and_redirect(workshop, form)
    return render_template("workshops/join_code.html", workshop=workshop,
                           form=form), form_status(form)


def _participant_context(workshop: Workshop, participant, *, message: str | None = None,
                         error: str | None = None, ranking: list[int] | None = None) -> dict:
    question = workshop.current_question if workshop.state == WorkshopState.LIVE else None
    context = {"participant": participant, "question": question, "message": message,
               "error": error, "mine": None, "results": None, "ranking_order": None,
               "state_version": workshop.state_version}
    if question is not None:
        context["mine"] = services.my_response(question, participant)
        if question.state == QuestionState.CLOSED and question.results_visible:
            context["results"] = question_results(question)
        if question.kind == "ranking":
            context["ranking_order"] = _ranking_order(question, context["mine"], ranking)
    return context


def _ranking_order(question: Question, mine, override: list[int] | None):
    options = {o.id: o for o in question.options}
    order = override or (mine.choices if mine and mine.choices else list(options))
    return [options[i] for i in order if i in options]


@bp.route("/j/<code>/live")
@limiter.exempt  # a whole school polls from one address; an unchanged poll costs little
def participant_live(code: str):
    """Poll for phones: 204 while the question is unchanged; 286 once the workshop ends.

    Most polls are answered before Flask by ``poll_shortcut`` (unchanged, or the room's
    shared new question); this view makes the same decisions, then renders."""
    code = services.normalise_code(code)
    state = request.environ.get(LIVE_STATE_ENVIRON_KEY) or live.live_state(code)
    if state is None:
        abort(404)
    if request.if_none_match.contains_weak(state.participant_etag.strip('"')):
        return _not_modified(state.participant_etag)
    if (request.args.get("s", type=int) == state.state_version
            and state.state != WorkshopState.CLOSED):
        return FlaskResponse(status=204)
    workshop = db.session.get(Workshop, state.workshop_id)
    participant = services.find_participant(workshop.id, _participant_token(code))
    if participant is None:
        response = make_response(render_template("workshops/_not_joined.html",
                                                 workshop=workshop))
        response.headers["HX-Redirect"] = url_for("workshops.join_code", code=workshop.code)
        return response
    body = _participant_fragment(workshop, participant)
    status = STOP_POLLING if workshop.state == WorkshopState.CLOSED else 200
    response = make_response(body, status)
    response.headers["ETag"] = state.participant_etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _participant_fragment(workshop: Workshop, participant) -> str:
    """The participant's live region; an open question's blank form is kept for the rest
    of the room (see ``question_fragments``)."""
    context = _participant_context(workshop, participant)
    question = context["question"]
    if (workshop.state != WorkshopState.LIVE or question is None
            or question.state != QuestionState.OPEN or context["mine"] is not None):
        return render_template("workshops/_participant.html", workshop=workshop, **context)
    # Shared by everyone: no token inside (htmx sends the page's, from <body hx-headers>).
    html = render_template("workshops/_participant.html", workshop=workshop,
                           shared_form=True, **context)
    blank_forms.put(workshop.code, workshop.id, workshop.state_version,
                    BlankForm(question.id, html))
    return html


@bp.route("/j/<code>/answer", methods=["POST"])
@limiter.limit(_vote_limit, key_func=participant_rate_key)
def answer(code: str):
    """Store this participant's answer to the current question (changeable while open).

    A room answers at once, so only the write itself holds SQLite's write lock: the
    reads and checks come first, and the confirmation is rendered after the commit
    (``dialogue.db.reads_first``)."""
    with reads_first():
        workshop = services.find_workshop_by_code(code)
        if workshop is None:
            abort(404)
        participant = services.find_participant(workshop.id,
                                                _participant_token(workshop.code))
        if participant is None:
            flash("Join the workshop first.", "error")
            return redirect(url_for("workshops.join_code", code=workshop.code))
        question = db.session.get(Question, request.form.get("question_id", type=int) or 0)
        if question is None or question.workshop_id != workshop.id:
            return _answer_page(workshop, participant, error="That question is not part of "
                                "this workshop.", status=422)
        move = request.form.get("move")
        if move and question.kind == "ranking":
            return _answer_page(workshop, participant, ranking=_moved(request.form, move))
        try:
            services.parse_answer(question, request.form)
        except services.AnswerRefused as refused:
            return _answer_page(workshop, participant, error=str(refused), status=422)
        commit_keeping_loaded()
    try:
        with write_transaction():
            services.submit_response(question, participant, request.form)
            # What the confirmation shows was read above or written just now.
            commit_keeping_loaded()
    except services.AnswerRefused as refused:
        db.session.rollback()
        status = 409 if "closed" in str(refused) or "moved on" in str(refused) else 422
        with reads_first():
            return _answer_page(workshop, participant, error=str(refused), status=status)
    if not htmx:
        flash("Your answer has been saved. You can change it while the question is open.",
              "success")
        return redirect(url_for("workshops.join_code", code=workshop.code))
    with reads_first():
        return _answer_page(workshop, participant,
                            message="Your answer has been saved. You can change it while "
                                    "the question is open.")


def _moved(form, move: str) -> list[int]:
    """A ranking with one item moved up or down (the no-JavaScript up/down buttons)."""
    try:
        order = [int(v) for v in form.getlist("ranking")]
        index_text, direction = move.split(":", 1)
        index = int(index_text)
    except ValueError:
        abort(400)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= index < len(order) and 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


def _answer_page(workshop, participant, *, status: int = 200, **kwargs):
    db.session.refresh(workshop)
    context = _participant_context(workshop, participant, **kwargs)
    template = "workshops/_participant.html" if htmx else "workshops/participant.html"
    return render_template(template, workshop=workshop, **context), status
