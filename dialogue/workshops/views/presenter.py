"""Facilitators run a workshop: the audience screen, the console that drives it, their
polls, the controls, hiding an answer, ending it.

The screen shows only what the room should see (the join strip, the question, its
results); the console holds the controls. The screen follows the console through its
poll; on a single mirrored laptop the screen also takes keyboard shortcuts and shows a
small control bar when the mouse moves (``static/js/workshops.js``).
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, session, url_for
from flask_htmx.responses import make_response as htmx_response
from flask_login import current_user

from dialogue.extensions import db
from dialogue.ratelimits import exempt
from dialogue.refusals import Refusal
from dialogue.responses import done, refused, require_action_form
from dialogue.workshops import bp, participants, services
from dialogue.workshops.live import presenter_etag
from dialogue.workshops.presenting import join_details, screen_version, stage_context
from dialogue.workshops.results import question_results
from dialogue.workshops.timers import InvalidTimer
from dialogue.workshops.views.common import (
    current_live_state,
    load_answer,
    load_workshop,
    not_modified,
    polled,
)
from dialogue.workshops.views.qa import console_qa, screen_qa

STAGE = "workshops/_stage.html"
CONSOLE = "workshops/_console.html"


def _screen_context(workshop) -> dict:
    return {"workshop": workshop, **join_details(workshop), **stage_context(workshop),
            "qa": screen_qa(workshop)}


def _console_context(workshop) -> dict:
    context = {"workshop": workshop, **stage_context(workshop)}
    question = context["question"]
    if question is not None and question.kind == "open_text":
        context["moderated"] = question_results(question, include_hidden=True).answers
    return context


@bp.route("/workshops/<int:workshop_id>/present")
def present(workshop_id: int):
    """The audience screen: the join strip, the current question and its live results."""
    workshop = load_workshop(workshop_id)
    current_live_state(workshop)
    # Messages are for the facilitator (the console), never the room: keep them unread.
    waiting = session.pop("_flashes", None)
    page = render_template("workshops/present.html", **_screen_context(workshop))
    if waiting:
        session["_flashes"] = waiting
    return page


@bp.route("/workshops/<int:workshop_id>/present/live")
@exempt
def present_live(workshop_id: int):
    """Poll for the screen: 204 while nothing changed, else the new results (or stage)."""
    workshop = load_workshop(workshop_id)
    return _poll(workshop, STAGE, "#present-stage", "workshops/_present_results.html",
                 _screen_context)


@bp.route("/workshops/<int:workshop_id>/console")
def console(workshop_id: int):
    """The facilitator's console: what is on the screen, the controls, what comes next."""
    workshop = load_workshop(workshop_id)
    current_live_state(workshop)
    return render_template("workshops/console.html", qa=console_qa(workshop),
                           **_console_context(workshop))


@bp.route("/workshops/<int:workshop_id>/console/live")
@exempt
def console_live(workshop_id: int):
    """Poll for the console: 204 while nothing changed, else its live figures (or all)."""
    workshop = load_workshop(workshop_id)
    return _poll(workshop, CONSOLE, "#console-live", "workshops/_console_figures.html",
                 _console_context)


def _poll(workshop, whole: str, whole_target: str, figures: str, context_for):
    """The screen's and the console's poll: ``figures`` when only answers changed, the
    ``whole`` region (re-targeted) when the question or its state changed."""
    state = current_live_state(workshop)
    # Read before anything it describes is rendered (see ``live.presenter_version``).
    version = screen_version(workshop, state.version)
    etag = presenter_etag(workshop.id, version)
    if request.if_none_match.contains_weak(etag.strip('"')):
        return not_modified(etag)
    seen_state = request.args.get("s", type=int)
    if request.args.get("v") == version and seen_state == state.state_version:
        return FlaskResponse(status=204)
    context = context_for(workshop)
    if seen_state != state.state_version:
        # The question or its state changed (the console, another tab, the timer).
        response = htmx_response(render_template(whole, **context),
                                 retarget=whole_target, reswap="outerHTML")
    else:
        response = htmx_response(render_template(figures, **context))
    return polled(response, etag)


def _seconds() -> int | None:
    """The timer typed beside "Open" (blank: the question's own timer, if any)."""
    text = request.form.get("seconds", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidTimer("Enter the timer as a whole number of seconds.")
    return int(text)


@bp.route("/workshops/<int:workshop_id>/control", methods=["POST"])
@require_action_form
def control(workshop_id: int):
    """Open (optionally timed), close, reveal, hide results, or go to the next or previous
    question; answered with the console or the screen, whichever pressed it."""
    workshop = load_workshop(workshop_id)
    from_console = request.form.get("view") == "console"
    fragment, context_for = (CONSOLE, _console_context) if from_console else (
        STAGE, _screen_context)
    back = url_for("workshops.console" if from_console else "workshops.present",
                   workshop_id=workshop.id)
    try:
        message = services.control(workshop, current_user, request.form.get("action", ""),
                                   seconds=_seconds())
    except Refusal as error:
        db.session.rollback()
        # Refused by the workshop's state (already open, no next question, another tab
        # moved on) or a timer out of range: the region as it now is, with the reason.
        return refused(error, back, fragment=fragment, notice_category="error",
                       **context_for(workshop))
    db.session.commit()
    return done(back, message, fragment=fragment, notice_category="success",
                **context_for(workshop))


@bp.route("/workshops/<int:workshop_id>/answers/<int:response_id>/hide", methods=["POST"])
@require_action_form
def hide_answer(workshop_id: int, response_id: int):
    """Hide an open-text answer from the shared screen, or show it again."""
    workshop = load_workshop(workshop_id)
    answer = load_answer(workshop, response_id)
    hide = request.form.get("hidden", "1") == "1"
    participants.set_response_hidden(answer, current_user, hide)
    db.session.commit()
    flash("Answer hidden from the screen." if hide else "Answer shown again.", "success")
    if request.form.get("back") in ("console", "present"):
        return redirect(url_for("workshops.console", workshop_id=workshop.id)
                        + "#moderation")
    return redirect(url_for("workshops.results", workshop_id=workshop.id)
                    + f"#question-{answer.question_id}")


@bp.route("/workshops/<int:workshop_id>/end", methods=["POST"])
@require_action_form
def end(workshop_id: int):
    """End the workshop: questions close and the code stops working."""
    workshop = load_workshop(workshop_id)
    try:
        services.end_workshop(workshop, current_user)
    except Refusal as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("The workshop has ended. Its results are below.", "success")
    return redirect(url_for("workshops.results", workshop_id=workshop.id))
