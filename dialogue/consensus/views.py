"""Consensus-map pages: the list, opening one, voting, adding and moderating statements.

Views load, check, call a service, commit once and answer through
``dialogue.responses``. The map is read as the worker kept it, never computed here.
"""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from dialogue.auth import permissions
from dialogue.consensus import bp, flags, maps, polis, present, services, tasks
from dialogue.consensus.forms import (
    NATIONAL,
    ConversationForm,
    HideStatementForm,
    StatementForm,
    VoteForm,
    seed_lines,
)
from dialogue.consensus.models import Conversation, Statement, StatementStatus
from dialogue.extensions import db
from dialogue.forms import choices, form_status
from dialogue.localities import Locality, all_localities
from dialogue.moderation.forms import FlagForm
from dialogue.ratelimits import posting_limit, reaction_limit
from dialogue.refusals import Refusal, Unprocessable
from dialogue.responses import done, refused, require_action_form, show
from dialogue.transactions import commit_keeping_loaded, write_transaction

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


def _conversation(conversation_id: int) -> Conversation:
    return db.get_or_404(Conversation, conversation_id)


def _statement(conversation: Conversation, statement_id: int) -> Statement:
    statement = db.get_or_404(Statement, statement_id)
    if statement.conversation_id != conversation.id:
        abort(404)
    return statement


def _spaces() -> list[Locality]:
    # The national space is "no locality"; the locality named National is not offered twice.
    return [loc for loc in all_localities() if loc.slug != NATIONAL]


def _page_url(conversation: Conversation, anchor: str = "") -> str:
    return url_for("consensus.conversation", conversation_id=conversation.id) + anchor


@bp.route("/consensus/")
def index():
    """Every space's consensus maps: the national space first, then each locality."""
    spaces = [(None, services.conversations_in(None))]
    spaces += [(loc, services.conversations_in(loc)) for loc in _spaces()]
    return show("consensus/index.html", spaces=spaces,
                may_start=permissions.can_start_conversation(current_user))


@bp.route("/consensus/new", methods=["GET", "POST"])
@login_required
def new():
    """Open a consensus map with its seed statements: facilitators and researchers."""
    if not permissions.can_start_conversation(current_user):
        abort(403)
    spaces = _spaces()
    form = ConversationForm()
    form.space.choices = choices([(NATIONAL, "The national space")]
                                 + [(loc.slug, loc.name) for loc in spaces])
    if form.validate_on_submit():
        locality = next((loc for loc in spaces if loc.slug == form.space.data), None)
        try:
            conversation = services.create_conversation(
                current_user, title=form.title.data, prompt=form.prompt.data or "",
                locality=locality, requires_approval=form.requires_approval.data)
            for line in seed_lines(form.seeds.data):
                services.add_statement(conversation, current_user, line, seed=True)
        except Unprocessable as error:
            db.session.rollback()
            form.seeds.errors = [error.message]
        else:
            db.session.commit()
            return done(_page_url(conversation), "Your consensus map is open.")
    return show("consensus/new.html", status=form_status(form), form=form)


def _vote_context(conversation: Conversation) -> dict:
    signed_in = current_user.is_authenticated
    return {
        "conversation": conversation,
        "next_statement": services.next_statement(conversation, current_user)
        if signed_in and conversation.is_open and conversation.workshop_id is None else None,
        "progress": services.progress(conversation, current_user),
        "vote_form": VoteForm(formdata=None),
        "may_vote": permissions.can_vote_in_conversation(current_user, conversation),
    }


def _results_context(conversation: Conversation) -> dict:
    kept = maps.map_of(conversation)
    if kept is not None and kept.version < conversation.version and tasks.request_is_stale(kept):
        # Nothing on its way (the first visit, or a lost job): ask once, briefly holding
        # the write lock, and show what is kept meanwhile.
        commit_keeping_loaded()
        with write_transaction():
            tasks.request_map(conversation.id)
            commit_keeping_loaded()
    visible = {s.id: s for s in services.statements_of(conversation)}
    viewer = current_user.id if current_user.is_authenticated else None
    return {"conversation": conversation,
            "results": present.map_view(conversation, kept, visible, all_localities(), viewer)}


def _statement_context(conversation: Conversation, form: StatementForm | None = None) -> dict:
    return {"conversation": conversation,
            "statement_form": form or StatementForm(formdata=None),
            "max_statement": services.MAX_STATEMENT,
            "may_vote": permissions.can_vote_in_conversation(current_user, conversation)}


@bp.route("/consensus/<int:conversation_id>")
def conversation(conversation_id: int):
    """A consensus map: vote on one statement at a time, add one, see the map."""
    item = _conversation(conversation_id)
    may_moderate = permissions.can_moderate_conversation(current_user, item)
    context = {**_vote_context(item), **_results_context(item), **_statement_context(item)}
    return show(
        "consensus/conversation.html", **context,
        may_moderate=may_moderate,
        may_run=permissions.can_run_conversation(current_user, item),
        may_export=permissions.can_export_conversation(current_user, item),
        held=services.statements_of(item, statuses=(StatementStatus.HELD,))
        if may_moderate else [],
        flagged=flags.flagged_statements(item) if may_moderate else [],
        visible=services.statements_of(item) if may_moderate else [])


@bp.route("/consensus/<int:conversation_id>/results")
def results(conversation_id: int):
    """The results section alone, which the page polls while the map is being drawn."""
    item = _conversation(conversation_id)
    return show("consensus/_results.html", **_results_context(item))


@bp.route("/consensus/<int:conversation_id>/statements/<int:statement_id>/vote",
          methods=["POST"])
@login_required
@reaction_limit
def vote(conversation_id: int, statement_id: int):
    """Agree, disagree or pass on one statement; htmx swaps in the next one."""
    item = _conversation(conversation_id)
    statement = db.get_or_404(Statement, statement_id)
    form = VoteForm()
    back = _page_url(item, "#vote")
    try:
        if not form.validate_on_submit():
            raise Unprocessable("Choose agree, disagree or pass.")
        services.cast_vote(item, statement, current_user, VOTE_VALUES[form.vote.data])
    except Refusal as error:
        db.session.rollback()
        return refused(error, back, fragment="consensus/_vote.html", **_vote_context(item))
    db.session.commit()
    return done(back, None, fragment="consensus/_vote.html", **_vote_context(item))


@bp.route("/consensus/<int:conversation_id>/statements", methods=["POST"])
@login_required
@posting_limit
def add_statement(conversation_id: int):
    """Add a statement of one's own (held for approval when the owner asks for that)."""
    item = _conversation(conversation_id)
    form = StatementForm()
    status = 422
    if form.validate_on_submit():
        try:
            statement = services.add_statement(item, current_user, form.text.data)
        except Refusal as error:
            db.session.rollback()
            form.text.errors = [error.message]
            status = error.status
        else:
            db.session.commit()
            message = ("Thank you. Your statement is waiting for approval; others will see "
                       "it once it is approved." if statement.is_held
                       else "Thank you. Your statement has been added for others to vote on.")
            return done(_page_url(item, "#add-statement"), message,
                        fragment="consensus/_statement_form.html", **_statement_context(item))
    return show("consensus/statement.html", "consensus/_statement_form.html", status=status,
                **_statement_context(item, form))


def _moderate(conversation_id: int, statement_id: int) -> tuple[Conversation, Statement]:
    item = _conversation(conversation_id)
    if not permissions.can_moderate_conversation(current_user, item):
        abort(403)
    return item, _statement(item, statement_id)


@bp.route("/consensus/<int:conversation_id>/statements/<int:statement_id>/approve",
          methods=["POST"])
@login_required
@require_action_form
def approve(conversation_id: int, statement_id: int):
    """Approve a held statement (or show a hidden one again)."""
    item, statement = _moderate(conversation_id, statement_id)
    back = _page_url(item, "#moderation")
    was_visible = statement.is_visible
    try:
        services.approve_statement(statement, current_user)
    except Refusal as error:
        db.session.rollback()
        return refused(error, back)
    db.session.commit()
    return done(back, "The statement stays and its flags are dismissed." if was_visible
                else "The statement is now visible.")


@bp.route("/consensus/<int:conversation_id>/statements/<int:statement_id>/hide",
          methods=["POST"])
@login_required
def hide(conversation_id: int, statement_id: int):
    """Hide a statement from the voting and the map, with a reason (asked for again, with
    what was typed, when it is missing)."""
    item, statement = _moderate(conversation_id, statement_id)
    back = _page_url(item, "#moderation")
    form = HideStatementForm()
    if not form.validate_on_submit():
        return show("consensus/hide.html", status=form_status(form), conversation=item,
                    statement=statement, form=form)
    try:
        services.hide_statement(statement, current_user, form.reason.data)
    except Refusal as error:
        db.session.rollback()
        return refused(error, back)
    db.session.commit()
    return done(back, "The statement has been hidden.")


@bp.route("/consensus/<int:conversation_id>/statements/<int:statement_id>/flag",
          methods=["GET", "POST"])
@login_required
def flag(conversation_id: int, statement_id: int):
    """Tell the moderators a statement needs their attention (the posts' form and rules)."""
    item = _conversation(conversation_id)
    statement = _statement(item, statement_id)
    if not statement.is_visible and not permissions.can_moderate_conversation(current_user,
                                                                                item):
        abort(404)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            hidden = flags.flag_statement(statement, current_user, form.reason.data,
                                          form.detail.data or "")
        except Refusal as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            db.session.commit()
            return done(_page_url(item, "#vote"),
                        "Thank you. A moderator will look at this statement"
                        + (", and it is hidden until they do." if hidden else "."))
    return show("consensus/flag.html", status=form_status(form), conversation=item,
                statement=statement, form=form)


@bp.route("/consensus/<int:conversation_id>/state", methods=["POST"])
@login_required
@require_action_form
def change_state(conversation_id: int):
    """Close the conversation to statements and votes, or open it again."""
    item = _conversation(conversation_id)
    if not permissions.can_run_conversation(current_user, item):
        abort(403)
    back = _page_url(item)
    try:
        if item.is_open:
            services.close_conversation(item, current_user)
        else:
            services.reopen_conversation(item, current_user)
    except Refusal as error:
        db.session.rollback()
        return refused(error, back)
    db.session.commit()
    return done(back, "The conversation is open again." if item.is_open
                else "The conversation is closed. Its map stays.")


@bp.route("/consensus/<int:conversation_id>/polis-export.zip")
@login_required
def polis_export(conversation_id: int):
    """The votes in Polis' export format, for researchers: consenting people, visible
    statements, groups as on the kept map."""
    item = _conversation(conversation_id)
    if not permissions.can_export_conversation(current_user, item):
        abort(403)
    kept = maps.map_of(item)
    points = (kept.result or {}).get("points", []) if kept is not None else []
    files = polis.polis_files(item, {p[0]: p[3] for p in points},
                              url_for("consensus.conversation", conversation_id=item.id,
                                      _external=True))
    response = Response(polis.polis_zip(files), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consensus-{item.id}-polis.zip"')
    response.headers["Cache-Control"] = "no-store"
    return response


def moderation_queue_section(sender, moderator, **_extra) -> Markup | str:
    """The maps with statements waiting, for the moderation queue (a signal receiver)."""
    waiting = flags.waiting_for(moderator)
    if not waiting:
        return ""
    return Markup(render_template(  # noqa: S704 - our own template, escaped
        "consensus/_queue_section.html", waiting=waiting))
