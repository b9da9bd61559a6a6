"""Audience Q&A: phones ask and upvote, the facilitator moderates, the screen shows the pin.

Three fragments, each loadable by its URL (``hx-get``) into another page: the phone's
panel (``qa_panel``), the console's moderation (``qa_moderation``) and the screen's
pinned question (``qa_pinned``). Their polls compare the workshop's Q&A version
(``?v=``, and the ETag): an unchanged poll is one indexed read and a 204 or 304.
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
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_htmx.responses import make_response as htmx_response
from flask_login import current_user

from dialogue.extensions import db, htmx
from dialogue.ratelimits import exempt, participant_limit
from dialogue.refusals import InvalidTransition, Refusal, Unprocessable
from dialogue.responses import (
    client_redirect,
    done,
    refused,
    require_action_form,
    show,
    stop_polling,
)
from dialogue.workshops import bp, codes, cookies, participants, qa_services
from dialogue.workshops.models import Workshop, WorkshopState
from dialogue.workshops.participating import published_thread_id
from dialogue.workshops.qa import AudienceQuestion, QAStatus
from dialogue.workshops.views.common import not_modified, polled

PANEL = "workshops/qa/_panel.html"
LIST = "workshops/qa/_list.html"
MODERATION = "workshops/qa/_moderation.html"
PINNED = "workshops/qa/_pinned.html"


def _sort() -> str:
    sort = request.args.get("sort", "votes")
    return sort if sort in qa_services.SORTS else "votes"


def _unchanged(etag: str, version: int) -> FlaskResponse | None:
    """304 for a current ETag, 204 for a poll that holds the current version, else None."""
    if request.if_none_match.contains_weak(etag.strip('"')):
        return not_modified(etag)
    if request.args.get("v", type=int) == version:
        return FlaskResponse(status=204)
    return None


def _polled_fragment(template: str, etag: str, **context):
    """A poll's fragment; once the workshop has ended, the last one (htmx stops polling)."""
    body = render_template(template, **context)
    if context["workshop"].state == WorkshopState.CLOSED:
        return polled(stop_polling(body), etag)
    return polled(make_response(body), etag)


# --- participants ---------------------------------------------------------------------


def _joined(code: str):
    """The workshop the code names (or 404) and the participant holding its cookie (or None)."""
    workshop = participants.find_workshop_by_code(code)
    if workshop is None:
        abort(404)
    token = cookies.read_token(current_app.config["SECRET_KEY"],
                               request.cookies.get(cookies.cookie_name(workshop.code)))
    return workshop, participants.find_participant(workshop.id, token)


def _join_first(workshop: Workshop):
    url = url_for("workshops.join_code", code=workshop.code)
    if htmx:
        return client_redirect(url)
    flash("Join the workshop first.", "error")
    return redirect(url)


def _panel_context(workshop: Workshop, participant, *, sort: str | None = None,
                   **extra) -> dict:
    sort = sort or _sort()
    return {"workshop": workshop, "participant": participant, "sort": sort,
            "items": qa_services.questions_for(workshop, participant, sort),
            "version": qa_services.version(workshop),
            "requires_approval": qa_services.settings(workshop).requires_approval
            if workshop.state != WorkshopState.CLOSED else False,
            "max_question": qa_services.MAX_QUESTION, "text": "", "ask_error": None,
            "results_thread_id": published_thread_id(workshop), **extra}


def _panel_url(workshop: Workshop) -> str:
    return url_for("workshops.qa_panel", code=workshop.code)


@bp.route("/j/<code>/qa")
def qa_panel(code: str):
    """The phone's Q&A: ask a question, and see and upvote the room's."""
    workshop, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    return show("workshops/qa/page.html", PANEL, **_panel_context(workshop, participant))


@bp.route("/j/<code>/qa/list")
@exempt  # polled by every phone; an unchanged poll costs one indexed read
def qa_list(code: str):
    """Poll for the phone's Q&A list: 204 while unchanged, else the list."""
    found = qa_services.version_for_code(codes.normalise_code(code))
    if found is None:
        abort(404)
    workshop_id, version = found
    sort = _sort()
    etag = f'"qa{workshop_id}-{version}-{sort}"'
    unchanged = _unchanged(etag, version)
    if unchanged is not None:
        return unchanged
    workshop, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    context = _panel_context(workshop, participant, sort=sort)
    if workshop.state == WorkshopState.CLOSED:
        # The last poll: the whole panel in the list's place, so the ask form goes too
        # and the ended notice says where to go now (htmx stops polling).
        body = render_template(PANEL, ended_now=True, **context)
        return polled(htmx_response(body, HTMX_STOP_POLLING, retarget="#qa-panel",
                                    reswap="outerHTML"), etag)
    return _polled_fragment(LIST, etag, **context)


@bp.route("/j/<code>/qa/ask", methods=["POST"])
@participant_limit(cookies.COOKIE_PREFIX)
def qa_ask(code: str):
    """Ask a question; refused ones come back with the text kept and the reason."""
    workshop, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    text = request.form.get("text", "")
    try:
        question = qa_services.ask(workshop, participant, text)
    except Refusal as error:
        db.session.rollback()
        return show("workshops/qa/page.html", PANEL, status=error.status,
                    **_panel_context(workshop, participant, text=text, ask_error=error.message))
    held = question.status == QAStatus.PENDING
    db.session.commit()
    message = ("Your question has been sent. It will show once the facilitator approves it."
               if held else "Your question has been added.")
    return done(_panel_url(workshop), message, fragment=PANEL,
                **_panel_context(workshop, participant))


@bp.route("/j/<code>/qa/<int:question_id>/upvote", methods=["POST"])
@participant_limit(cookies.COOKIE_PREFIX)
def qa_upvote(code: str, question_id: int):
    """Upvote a question (``vote=1``) or withdraw the upvote (``vote=0``)."""
    workshop, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    question = db.get_or_404(AudienceQuestion, question_id)
    adding = request.form.get("vote", "1") != "0"
    try:
        if adding:
            qa_services.upvote(question, participant)
        else:
            qa_services.withdraw(question, participant)
    except Refusal as error:
        db.session.rollback()
        return refused(error, _panel_url(workshop), fragment=LIST,
                       **_panel_context(workshop, participant, notice_category="error"))
    db.session.commit()
    return done(_panel_url(workshop), "Upvoted." if adding else "Upvote withdrawn.",
                fragment=LIST, **_panel_context(workshop, participant))


# --- the facilitator ------------------------------------------------------------------


def _facilitated(workshop_id: int) -> Workshop:
    """The workshop, for its facilitator (or an admin); a clear 403 for anyone else."""
    workshop = db.get_or_404(Workshop, workshop_id)
    qa_services.require_facilitator(workshop, current_user)
    return workshop


def _moderation_context(workshop: Workshop, **extra) -> dict:
    return {"workshop": workshop, "lists": qa_services.moderation_lists(workshop),
            "version": qa_services.version(workshop),
            "requires_approval": qa_services.settings(workshop).requires_approval,
            "notice_category": "success", **extra}


def _moderation_url(workshop: Workshop) -> str:
    return url_for("workshops.qa_moderation", workshop_id=workshop.id)


@bp.route("/workshops/<int:workshop_id>/qa")
@exempt  # polled by the console
def qa_moderation(workshop_id: int):
    """The console's Q&A moderation: approve, hide, pin and mark answered (polled)."""
    workshop = _facilitated(workshop_id)
    version = qa_services.version(workshop)
    etag = f'"qam{workshop.id}-{version}"'
    if htmx:
        unchanged = _unchanged(etag, version)
        if unchanged is not None:
            return unchanged
        return _polled_fragment(MODERATION, etag, **_moderation_context(workshop))
    return render_template("workshops/qa/moderate.html", **_moderation_context(workshop))


@bp.route("/workshops/<int:workshop_id>/qa/settings", methods=["POST"])
@require_action_form
def qa_settings(workshop_id: int):
    """Require approval before a question is shown, or stop requiring it."""
    workshop = _facilitated(workshop_id)
    required = request.form.get("requires_approval") == "1"
    qa_services.set_requires_approval(workshop, current_user, required)
    db.session.commit()
    message = ("New questions now wait for your approval." if required
               else "New questions now show straight away.")
    return done(_moderation_url(workshop), message, fragment=MODERATION,
                **_moderation_context(workshop))


@bp.route("/workshops/<int:workshop_id>/qa/<int:question_id>", methods=["POST"])
@require_action_form
def qa_moderate(workshop_id: int, question_id: int):
    """One moderation step on a question: approve, hide (with a reason), pin, unpin, answered."""
    workshop = _facilitated(workshop_id)
    question = qa_services.load_question(workshop, question_id)
    if question is None:
        abort(404)
    try:
        message = qa_services.moderate(question, current_user, request.form.get("action", ""),
                                       request.form.get("reason", ""))
    except (InvalidTransition, Unprocessable) as error:  # a 403 goes to the error page
        db.session.rollback()
        return refused(error, _moderation_url(workshop), fragment=MODERATION,
                       **_moderation_context(workshop, notice_category="error"))
    db.session.commit()
    return done(_moderation_url(workshop), message, fragment=MODERATION,
                **_moderation_context(workshop))


def console_qa(workshop: Workshop) -> dict:
    """What the console's included moderation panel needs (``qa`` in its context)."""
    return {"lists": qa_services.moderation_lists(workshop),
            "version": qa_services.version(workshop),
            "requires_approval": qa_services.settings(workshop).requires_approval}


def screen_qa(workshop: Workshop) -> dict:
    """What the audience screen's included pinned question needs (``qa`` in its context)."""
    return {"pinned": qa_services.pinned(workshop), "version": qa_services.version(workshop)}


@bp.route("/workshops/<int:workshop_id>/qa/pinned")
@exempt  # polled by the audience screen
def qa_pinned(workshop_id: int):
    """The audience screen's pinned question (polled); without htmx, a page of its own."""
    workshop = _facilitated(workshop_id)
    version = qa_services.version(workshop)
    etag = f'"qap{workshop.id}-{version}"'
    context = {"workshop": workshop, "version": version}
    if htmx:
        unchanged = _unchanged(etag, version)
        if unchanged is not None:
            return unchanged
        return _polled_fragment(PINNED, etag, pinned=qa_services.pinned(workshop), **context)
    return render_template("workshops/qa/screen.html", pinned=qa_services.pinned(workshop),
                           **context)
