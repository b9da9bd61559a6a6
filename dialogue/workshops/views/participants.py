"""Participants join with the code, follow the presenter on their phone, and answer.

A participant is whoever holds the workshop's signed cookie (``cookies``); nobody has to
sign in. Most polls are answered before Flask by ``poll_shortcut``; ``participant_live``
makes the same decisions for the rest.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
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

from dialogue.extensions import db, htmx
from dialogue.forms import form_status
from dialogue.ratelimits import exempt, join_limit, participant_limit, unknown_code_allowed
from dialogue.refusals import Refusal
from dialogue.responses import client_redirect, require_action_form, show, stop_polling
from dialogue.transactions import commit_keeping_loaded, reads_first, write_transaction
from dialogue.workshops import bp, codes, cookies, live, participants
from dialogue.workshops.answerable import Answerable, AnswerView, answerables
from dialogue.workshops.answerable import snapshot as answerable_snapshot
from dialogue.workshops.answers import AnswerRefused, QuestionNotOpen, parse_answer
from dialogue.workshops.forms import AboutYouForm, JoinForm
from dialogue.workshops.models import Question, QuestionState, Workshop, WorkshopState
from dialogue.workshops.participating import (
    confirmation_context,
    ended_results,
    participant_context,
    shows_blank_form,
)
from dialogue.workshops.poll_shortcut import LIVE_STATE_ENVIRON_KEY
from dialogue.workshops.question_fragments import BlankForm, blank_forms
from dialogue.workshops.views.common import current_live_state, not_modified, polled

SAVED = "Your answer has been saved. You can change it while the question is open."


def _participant_token(code: str) -> str | None:
    return cookies.read_token(current_app.config["SECRET_KEY"],
                              request.cookies.get(cookies.cookie_name(code)))


def _set_participant_cookie(response, code: str, token: str) -> None:
    response.set_cookie(cookies.cookie_name(code),
                        cookies.sign_token(current_app.config["SECRET_KEY"], token),
                        max_age=3 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def _join_url(workshop: Workshop) -> str:
    return url_for("workshops.join_code", code=workshop.code)


@bp.route("/join", methods=["GET", "POST"])
@join_limit(methods=["POST"])
def join():
    """Join a workshop with the code on the screen."""
    form = JoinForm()
    if form.validate_on_submit():
        workshop = participants.find_workshop_by_code(form.code.data)
        refusal = _code_refusal(workshop)
        if refusal is None:
            return _join_and_redirect(workshop, form)
        form.code.errors.append(refusal.message)
        return render_template("workshops/join.html", form=form), refusal.status
    if request.args.get("code") and request.method == "GET":
        form.code.data = request.args["code"]
    return render_template("workshops/join.html", form=form), form_status(form)


def _code_refusal(workshop: Workshop | None) -> Refusal | None:
    """Why this code cannot be joined with (404 unknown, 410 expired), or None."""
    if workshop is None:
        return Refusal("There is no workshop with that code. Check the six characters on "
                       "the screen and try again.", status=404)
    if not workshop.code_is_usable():
        return Refusal("That code has expired: the workshop has ended. Ask the facilitator "
                       "for a new code.", status=410)
    return None


def _join_and_redirect(workshop: Workshop, form):
    participant = participants.join(workshop, current_user,
                                education_role=form.education_role.data or None,
                                phase=form.phase.data or None)
    db.session.commit()
    response = redirect(_join_url(workshop))
    _set_participant_cookie(response, workshop.code, participant.token)
    return response


@bp.route("/j/<code>", methods=["GET", "POST"])
@join_limit()
def join_code(code: str):
    """Join by link or QR code, or (once joined) the participant's live page."""
    workshop = participants.find_workshop_by_code(code)
    if workshop is not None and workshop.code != code:
        return redirect(_join_url(workshop))
    participant = (participants.find_participant(workshop.id, _participant_token(code))
                   if workshop is not None else None)
    if participant is not None:
        current_live_state(workshop)
        return render_template("workshops/participant.html", workshop=workshop,
                               **participant_context(workshop, participant))
    refusal = _code_refusal(workshop)
    if refusal is not None:
        form = JoinForm(formdata=None, code=code)
        form.code.errors = [refusal.message]
        return render_template("workshops/join.html", form=form), refusal.status
    form = AboutYouForm()
    if form.validate_on_submit():
        return _join_and_redirect(workshop, form)
    return render_template("workshops/join_code.html", workshop=workshop,
                           form=form), form_status(form)


@bp.route("/j/<code>/live")
# A whole school polls from one address: only unknown codes count (by hand, below), so
# the poll cannot be used to test codes without limit, nor one pupil stop the school's.
@exempt
def participant_live(code: str):
    """Poll for phones: 204 while the question is unchanged; 286 once the workshop ends."""
    code = codes.normalise_code(code)
    state = request.environ.get(LIVE_STATE_ENVIRON_KEY) or live.live_state(code)
    if state is None:
        abort(404 if unknown_code_allowed() else 429)
    if state.time_is_up():  # the first poll after the deadline closes the question
        state = current_live_state(db.session.get(Workshop, state.workshop_id), state)
    if request.if_none_match.contains_weak(state.participant_etag.strip('"')):
        return not_modified(state.participant_etag)
    if (request.args.get("s", type=int) == state.state_version
            and state.state != WorkshopState.CLOSED):
        return FlaskResponse(status=204)
    workshop = db.session.get(Workshop, state.workshop_id)
    participant = participants.find_participant(workshop.id, _participant_token(code))
    if participant is None:
        return client_redirect(_join_url(workshop))
    body = _participant_fragment(workshop, participant)
    if workshop.state == WorkshopState.CLOSED:
        return polled(stop_polling(body), state.participant_etag)
    return polled(make_response(body), state.participant_etag)


def _participant_fragment(workshop: Workshop, participant) -> str:
    """The participant's live region; an open question's blank form is kept for the rest
    of the room (see ``question_fragments``)."""
    context = participant_context(workshop, participant)
    if not shows_blank_form(workshop, context):
        return render_template("workshops/_participant.html", workshop=workshop, **context)
    # Shared by everyone: no token inside (htmx sends the page's, from <body hx-headers>).
    html = render_template("workshops/_participant.html", workshop=workshop,
                           shared_form=True, **context)
    blank_forms.put(workshop.code, workshop.id, workshop.state_version,
                    BlankForm(context["question"].id, html))
    return html


@bp.route("/j/<code>/answer", methods=["POST"])
@participant_limit(cookies.COOKIE_PREFIX)
def answer(code: str):
    """Store this participant's answer to the current question (changeable while open).

    A room answers at once, so an ordinary answer costs little more than a poll
    (``_answer_quickly``): the live numbers, the participant's id (with the profile the
    answer keeps, in the same statement), the current question
    as this worker keeps it (``answerable``), then the write (a checked upsert, holding
    SQLite's write lock only for that) and a confirmation from the same objects.
    Anything else takes the full path (``_answer_in_full``)."""
    return _answer_quickly(code) or _answer_in_full(code)


def _answer_quickly(code: str):
    """The answer and its confirmation without loading the workshop through the ORM, or
    None for anything out of the ordinary (the full path then decides the same way)."""
    if code != codes.normalise_code(code) or request.form.get("move"):
        return None
    with reads_first():
        state = live.live_state(code)
        if state is None or state.state != WorkshopState.LIVE or state.time_is_up():
            return None
        token = _participant_token(code)
        answerer = token and db.session.connection().execute(
            participants.ANSWERER_BY_TOKEN,
            {"token": token, "workshop_id": state.workshop_id}).one_or_none()
        if not answerer:
            return None
        item = _answerable(code, state)
        question = item.question if item is not None else None
        if (question is None or question.id != request.form.get("question_id", type=int)
                or question.state != QuestionState.OPEN or question.revealed):
            return None
        try:
            columns = parse_answer(question, request.form)
        except AnswerRefused:
            return None
        db.session.commit()  # ends the reads: only the write holds SQLite's lock
    try:
        with write_transaction():
            participants.store_answer(
                question.id, answerer.id, state.workshop_id, columns,
                profile=participants.answer_profile(
                    answerer.education_role, answerer.phase, answerer.school_type))
            db.session.commit()
    except (AnswerRefused, QuestionNotOpen) as refusal:
        db.session.rollback()
        return _refused(code, refusal)
    if not htmx:
        flash(SAVED, "success")
        return redirect(url_for("workshops.join_code", code=code))
    with reads_first():  # what other features add to the region only reads
        return render_template("workshops/_participant.html", **confirmation_context(
            item, AnswerView(**columns), message=SAVED))


def _answerable(code: str, state) -> Answerable | None:
    """The workshop's current question as this worker keeps it for ``state``'s version
    (loaded once per version and worker)."""
    item = answerables.get(code, state.workshop_id, state.state_version)
    if item is None:
        workshop = db.session.get(Workshop, state.workshop_id)
        if workshop is None:
            return None
        item = answerable_snapshot(workshop)
        answerables.put(item)
    return item


def _answer_in_full(code: str):
    """The answer through the ORM: refusals (shown with what was sent), the ranking's
    up and down buttons without JavaScript, and whatever the quick path left.

    Only the write itself holds SQLite's write lock: the reads and checks come first (the
    answer is parsed there, once), and the confirmation is rendered after the commit
    (``dialogue.transactions.reads_first``)."""
    with reads_first():
        workshop = participants.find_workshop_by_code(code)
        if workshop is None:
            abort(404)
        participant = participants.find_participant(workshop.id,
                                                _participant_token(workshop.code))
        if participant is None:
            flash("Join the workshop first.", "error")
            return redirect(_join_url(workshop))
        question = db.session.get(Question, request.form.get("question_id", type=int) or 0)
        if question is None or question.workshop_id != workshop.id:
            return _answer_page(workshop, participant, error="That question is not part of "
                                "this workshop.", status=422)
        move = request.form.get("move")
        if move and question.kind == "ranking":
            return _answer_page(workshop, participant, ranking=_moved(request.form, move))
        try:
            columns = parse_answer(question, request.form)
        except AnswerRefused as refusal:
            return _answer_page(workshop, participant, error=refusal.message,
                                status=refusal.status, draft=request.form)
        profile = participants.profile_of(participant)
        commit_keeping_loaded()
    try:
        with write_transaction():
            participants.store_answer(question.id, participant.id, workshop.id, columns,
                                      profile=profile)
            # What the confirmation shows was read above or written just now.
            commit_keeping_loaded()
    except (AnswerRefused, QuestionNotOpen) as refusal:
        db.session.rollback()
        return _refused(workshop.code, refusal)
    if not htmx:
        flash(SAVED, "success")
        return redirect(_join_url(workshop))
    with reads_first():
        return _answer_page(workshop, participant, message=SAVED)


def _refused(code: str, refusal):
    """A refused write, shown with what was sent (a timer that has run out closes the
    question now)."""
    with reads_first():
        workshop = participants.find_workshop_by_code(code)
        if workshop is None:
            abort(404)
        participant = participants.find_participant(workshop.id, _participant_token(code))
    current_live_state(workshop)
    with reads_first():
        return _answer_page(workshop, participant, error=refusal.message,
                            status=refusal.status, draft=request.form)


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


def _answer_page(workshop: Workshop, participant, *, status: int = 200, **kwargs):
    db.session.refresh(workshop)
    return show("workshops/participant.html", "workshops/_participant.html", status=status,
                workshop=workshop, **participant_context(workshop, participant, **kwargs))


def _joined(code: str):
    """The workshop and this phone's participant, or a redirect to join (or a 404)."""
    workshop = participants.find_workshop_by_code(code)
    if workshop is None:
        abort(404)
    participant = participants.find_participant(workshop.id, _participant_token(workshop.code))
    if participant is None:
        return workshop, None
    return workshop, participant


@bp.route("/j/<code>/leave", methods=["POST"])
@require_action_form
def leave(code: str):
    """Leave the workshop on this phone: its cookie goes; the answers given stay."""
    workshop, _ = _joined(code)
    flash(f"You have left {workshop.title}. Your answers are kept.", "success")
    response = redirect(url_for("main.home"))
    response.delete_cookie(cookies.cookie_name(workshop.code), httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/j/<code>/results")
def participant_results(code: str):
    """After the workshop, its aggregate results for the people who took part."""
    workshop, participant = _joined(code)
    if participant is None:
        return redirect(_join_url(workshop))
    if workshop.state != WorkshopState.CLOSED:
        flash("The results are shown here once the workshop has ended.", "error")
        return redirect(_join_url(workshop))
    return render_template("workshops/participant_results.html", workshop=workshop,
                           items=ended_results(workshop))
