"""The workshop's consensus map: the facilitator's page, the phones' voting and the audience
screen's live map, and the sections the workshop pages show (``page_sections`` receivers).

The screen's poll follows the workshops' version pattern: it carries the numbers it shows
(``?v=``: the conversation's and the kept map's versions, and whether it is on screen)
and gets 204 while they are unchanged (one indexed read); a new map comes from the job
worker's kept result, never computed here.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from dialogue.auth import permissions
from dialogue.consensus import bp, maps, present, room, services
from dialogue.consensus.forms import RoomMapForm, StatementForm, VoteForm, seed_lines
from dialogue.consensus.models import Conversation, Statement, StatementStatus
from dialogue.extensions import db, htmx
from dialogue.forms import form_status
from dialogue.localities import all_localities
from dialogue.ratelimits import exempt, participant_limit
from dialogue.refusals import Refusal, Unprocessable
from dialogue.responses import done, refused, require_action_form, show
from dialogue.workshops import cookies, participants
from dialogue.workshops.models import Workshop

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}
SCREEN_SHOWN = 3  # consensus and divisive statements on the audience screen
PHONE_VOTE = "consensus/room/_vote.html"
PHONE_ADD = "consensus/room/_statement_form.html"
SCREEN = "consensus/room/_screen.html"


# --- the facilitator ------------------------------------------------------------------


def _facilitated(workshop_id: int) -> Workshop:
    workshop = db.get_or_404(Workshop, workshop_id)
    if not permissions.can_run_workshop(current_user, workshop):
        abort(403)
    return workshop


def _manage_url(workshop: Workshop) -> str:
    return url_for("consensus.room_manage", workshop_id=workshop.id)


@bp.route("/workshops/<int:workshop_id>/map", methods=["GET", "POST"])
@login_required
def room_manage(workshop_id: int):
    """The workshop's consensus map: start one (seeded), or see how it is going."""
    workshop = _facilitated(workshop_id)
    conversation = room.workshop_map(workshop.id)
    form = RoomMapForm()
    if conversation is None and form.validate_on_submit():
        try:
            conversation = room.start_map(
                workshop, current_user, title=form.title.data, prompt=form.prompt.data or "",
                seeds=seed_lines(form.seeds.data),
                requires_approval=form.requires_approval.data)
        except Unprocessable as error:
            db.session.rollback()
            form.seeds.errors = [error.message]
        except Refusal as error:
            db.session.rollback()
            return refused(error, _manage_url(workshop))
        else:
            db.session.commit()
            return done(_manage_url(workshop),
                        "The consensus map is open and on the audience screen.")
    if conversation is not None and request.method == "POST":
        return refused(Refusal("This workshop already has a consensus map."),
                       _manage_url(workshop), status=409)
    return show("consensus/room/manage.html", status=form_status(form), workshop=workshop,
                conversation=conversation, form=form,
                summary=_summary(conversation) if conversation else None)


def _summary(conversation: Conversation) -> dict:
    kept = maps.map_of(conversation)
    result = (kept.result or {}) if kept is not None else {}
    return {"statements": len(services.statements_of(conversation)),
            "held": len(services.statements_of(conversation,
                                               statuses=(StatementStatus.HELD,))),
            "people": result.get("participants", 0),
            "groups": len(result.get("groups", [])) if result.get("placed") else 0}


@bp.route("/workshops/<int:workshop_id>/map/screen", methods=["POST"])
@login_required
@require_action_form
def room_screen_toggle(workshop_id: int):
    """Show the map on the audience screen, or take it off."""
    workshop = _facilitated(workshop_id)
    conversation = room.workshop_map(workshop.id) or abort(404)
    shown = request.form.get("shown") == "1"
    back = request.form.get("back") == "console"
    url = (url_for("workshops.console", workshop_id=workshop.id) if back
           else _manage_url(workshop))
    try:
        room.set_on_screen(conversation, current_user, shown)
    except Refusal as error:
        db.session.rollback()
        return refused(error, url)
    db.session.commit()
    return done(url, "The map is on the audience screen." if shown
                else "The map is off the audience screen.")


# --- the audience screen ---------------------------------------------------------------


def _screen_key(state: tuple[int, int, int, bool] | None) -> str:
    if state is None:
        return "none"
    conversation_id, version, drawn, shown = state
    return f"{conversation_id}.{version}.{drawn}.{int(shown)}" if shown else "off"


def _screen_context(workshop: Workshop, state) -> dict:
    context = {"workshop": workshop, "key": _screen_key(state), "results": None,
               "conversation": None}
    if state is None or not state[3]:
        return context
    conversation = db.session.get(Conversation, state[0])
    visible = {s.id: s for s in services.statements_of(conversation)}
    context.update(conversation=conversation, shown=SCREEN_SHOWN,
                   results=present.map_view(conversation, maps.map_of(conversation), visible,
                                            all_localities(), None))
    return context


@bp.route("/workshops/<int:workshop_id>/map/screen")
@exempt  # the projector polls it every 2 s
def room_screen(workshop_id: int):
    """The audience screen's map region: 204 while unchanged, else the new region."""
    workshop = _facilitated(workshop_id)
    state = room.screen_state(workshop.id)
    key = _screen_key(state)
    etag = f'"cm{workshop.id}-{key}"'
    if request.if_none_match.contains_weak(etag.strip('"')):
        return _polled(Response(status=304), etag)
    if request.args.get("v") == key:
        return _polled(Response(status=204), etag)
    return _polled(Response(render_template(SCREEN, **_screen_context(workshop, state))),
                   etag)


def _polled(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- the phones -------------------------------------------------------------------------


def _joined(code: str):
    """(workshop, its map, the participant holding its cookie or None); 404 without a map."""
    workshop = participants.find_workshop_by_code(code)
    if workshop is None:
        abort(404)
    conversation = room.workshop_map(workshop.id)
    if conversation is None:
        abort(404)
    token = cookies.read_token(current_app.config["SECRET_KEY"],
                               request.cookies.get(cookies.cookie_name(workshop.code)))
    return workshop, conversation, participants.find_participant(workshop.id, token)


def _join_first(workshop: Workshop):
    flash("Join the workshop first.", "error")
    return redirect(url_for("workshops.join_code", code=workshop.code))


def _phone_context(workshop, conversation, participant, form=None) -> dict:
    kept = maps.map_of(conversation)
    points = (kept.result or {}).get("points", []) if kept is not None else []
    labels = [g["label"] for g in (kept.result or {}).get("groups", [])] if kept else []
    me = maps.participant_key(participant.id)
    mine = next((p for p in points if p[0] == me), None)
    return {
        "workshop": workshop, "participant": participant, "conversation": conversation,
        "next_statement": services.next_statement(conversation, None,
                                                  participant_id=participant.id)
        if conversation.is_open else None,
        "progress": services.progress(conversation, None, participant_id=participant.id),
        "vote_form": VoteForm(formdata=None),
        "statement_form": form or StatementForm(formdata=None),
        "max_statement": services.MAX_STATEMENT,
        "your_group": labels[mine[3]] if mine is not None and len(labels) > 1 else None,
    }


def _phone_url(workshop: Workshop, anchor: str = "") -> str:
    return url_for("consensus.room_phone", code=workshop.code) + anchor


@bp.route("/j/<code>/map")
def room_phone(code: str):
    """The phone's map: one statement at a time, and a statement of one's own."""
    workshop, conversation, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    return show("consensus/room/phone.html",
                **_phone_context(workshop, conversation, participant))


@bp.route("/j/<code>/map/vote")
@exempt  # polled every 5 s by a phone that has voted on everything
def room_phone_vote(code: str):
    """The phone's vote section, polled while waiting for new statements (204 until the
    map's version moves)."""
    workshop, conversation, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    if request.args.get("v", type=int) == conversation.version:
        return Response(status=204)
    return render_template(PHONE_VOTE, **_phone_context(workshop, conversation, participant))


@bp.route("/j/<code>/map/statements/<int:statement_id>/vote", methods=["POST"])
@participant_limit(cookies.COOKIE_PREFIX)
def room_vote(code: str, statement_id: int):
    """Agree, disagree or pass; htmx swaps in the next statement."""
    workshop, conversation, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    statement = db.get_or_404(Statement, statement_id)
    form = VoteForm()
    try:
        if not form.validate_on_submit():
            raise Unprocessable("Choose agree, disagree or pass.")
        room.cast_room_vote(conversation, statement, workshop, participant,
                            VOTE_VALUES[form.vote.data])
    except Refusal as error:
        db.session.rollback()
        return refused(error, _phone_url(workshop, "#vote"), fragment=PHONE_VOTE,
                       **_phone_context(workshop, conversation, participant))
    db.session.commit()
    return done(_phone_url(workshop, "#vote"), None, fragment=PHONE_VOTE,
                **_phone_context(workshop, conversation, participant))


@bp.route("/j/<code>/map/statements", methods=["POST"])
@participant_limit(cookies.COOKIE_PREFIX)
def room_add_statement(code: str):
    """Add a statement of one's own (held for the facilitator when the map asks for it)."""
    workshop, conversation, participant = _joined(code)
    if participant is None:
        return _join_first(workshop)
    form = StatementForm()
    status = 422
    if form.validate_on_submit():
        try:
            statement = room.add_room_statement(conversation, workshop, participant,
                                                form.text.data)
        except Refusal as error:
            db.session.rollback()
            form.text.errors = [error.message]
            status = error.status
        else:
            db.session.commit()
            message = ("Thank you. Your statement is waiting for the facilitator's approval."
                       if statement.is_held
                       else "Thank you. Your statement has been added for the room to vote on.")
            return done(_phone_url(workshop, "#add-statement"), message, fragment=PHONE_ADD,
                        **_phone_context(workshop, conversation, participant))
    context = _phone_context(workshop, conversation, participant, form)
    if htmx:
        return render_template(PHONE_ADD, **context), status
    return render_template("consensus/room/phone.html", **context), status


# --- the workshop pages' sections (page_sections receivers) -------------------------------


def console_section(sender, workshop, **_extra) -> Markup | str:
    """On the facilitator's console: the map's state and the screen switch."""
    conversation = room.workshop_map(workshop.id)
    return Markup(render_template(  # noqa: S704 - our own template, escaped
        "consensus/room/_console.html", workshop=workshop, conversation=conversation,
        summary=_summary(conversation) if conversation else None))


def screen_section(sender, workshop, **_extra) -> Markup | str:
    """On the audience screen: the live map region (polled by itself)."""
    state = room.screen_state(workshop.id)
    return Markup(render_template(  # noqa: S704 - our own template, escaped
        SCREEN, **_screen_context(workshop, state)))


def phone_section(sender, workshop, **_extra) -> Markup | str:
    """On the phones' live region: the way to the room's map, when there is one."""
    found = room.phone_link(workshop.id)
    if found is None:
        return ""
    title, is_open = found
    return Markup(render_template(  # noqa: S704 - our own template, escaped
        "consensus/room/_phone_link.html", workshop=workshop, title=title, is_open=is_open))
