"""Shared form pieces, and the rule every form page keeps (issue #7): a refused
submission answers 422 with what was typed and the error messages; the empty form a
GET shows answers 200."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from dialogue.auth.services import make_reset_token
from dialogue.forms import form_status
from tests.access import World
from tests.routes import ALL_ROUTES, build_world

HTMX = {"HX-Request": "true"}


class NameForm(FlaskForm):
    name = StringField(validators=[DataRequired()])


@pytest.mark.parametrize(("method", "data", "status"), [
    ("GET", None, 200),  # the empty form
    ("POST", {"name": "Ada"}, 200),  # accepted (the view redirects or says so)
    ("POST", {"name": ""}, 422),  # refused
])
def test_form_status(app, method, data, status):
    with app.test_request_context("/", method=method, data=data):
        form = NameForm()
        form.validate_on_submit()
        assert form_status(form) == status


def test_form_status_counts_errors_a_view_adds_after_validating(app):
    with app.test_request_context("/", method="POST", data={"name": "Taken"}):
        form = NameForm()
        assert form.validate_on_submit()
        form.name.errors.append("That name is taken")
        assert form_status(form) == 422


def _reset_url(world: World) -> str:
    return f"/password/reset/{make_reset_token(world.users['practitioner'])}"


@dataclass(frozen=True)
class Refusal:
    """One refused submission of a form page, and what must come back in the answer."""

    endpoint: str
    role: str
    url: Callable[[World], str] | str
    data: Callable[[World], dict] | dict
    kept: str | None  # what was typed (None: nothing typed is shown again, e.g. passwords)
    htmx: bool = False  # the page also answers htmx with a fragment

    def build(self, world: World) -> tuple[str, dict]:
        url = self.url(world) if callable(self.url) else self.url
        return url, self.data(world) if callable(self.data) else dict(self.data)


TYPED = "Typed by Zoe"
BELL = "\x07"  # a control character: refused, while the words around it come back


def _flag(world: World) -> dict:
    prefix = f"flag-{world.other_post.id}"
    return {f"{prefix}-reason": "", f"{prefix}-detail": TYPED}


def _w(path: str = ""):
    return lambda w: f"/workshops/{w.workshop.id}{path}"


REFUSALS = [
    # auth and admin
    Refusal("auth.register", "anonymous", "/register",
            {"email": "zoe@example.org", "display_name": TYPED, "password": "",
             "research_consent": "yes"}, TYPED),
    Refusal("auth.login", "anonymous", "/login",
            {"email": "zoe@example.org", "password": ""}, "zoe@example.org"),
    Refusal("auth.profile", "practitioner", "/account", {"display_name": TYPED + BELL}, TYPED),
    Refusal("auth.consent", "practitioner", "/account/consent", {}, None),
    Refusal("notifications.email_settings", "practitioner", "/account/email",
            {"frequency": "hourly"}, None),
    Refusal("auth.change_password", "practitioner", "/account/password",
            {"current_password": ""}, None),
    Refusal("auth.forgot_password", "anonymous", "/password/forgot",
            {"email": "zoe-at-example"}, "zoe-at-example"),
    Refusal("auth.reset_password", "anonymous", _reset_url,
            {"new_password": "short", "confirm_password": "other"}, None),
    # an admin may not remove their own admin role (an error the view adds)
    Refusal("admin.user_detail", "admin", lambda w: f"/admin/users/{w.users['admin'].id}",
            {"roles": "moderator"}, None),
    Refusal("admin.localities", "admin", "/admin/localities",
            {"name": "", "description": TYPED}, TYPED),
    Refusal("admin.locality_detail", "admin", lambda w: f"/admin/localities/{w.locality.id}",
            {"name": "", "description": TYPED}, TYPED),
    # briefings
    Refusal("briefings.react", "practitioner", lambda w: f"/findings/{w.finding.key}/reaction",
            {"answer": "love-it"}, None, htmx=True),
    # forums and moderation
    Refusal("forums.new_thread", "practitioner",
            lambda w: f"/localities/{w.forum_locality.slug}/new", {"title": TYPED, "body": ""},
            TYPED),
    Refusal("forums.reply", "practitioner", lambda w: f"/threads/{w.thread.id}/reply",
            {"body": TYPED + BELL}, TYPED, htmx=True),
    Refusal("moderation.edit_post", "practitioner", lambda w: f"/posts/{w.own_post.id}/edit",
            {"body": TYPED + BELL}, TYPED, htmx=True),
    Refusal("moderation.flag_post", "practitioner", lambda w: f"/posts/{w.other_post.id}/flag",
            _flag, TYPED, htmx=True),
    Refusal("briefings.comment", "practitioner", lambda w: f"/findings/{w.finding.key}/comments",
            {"body": TYPED + BELL}, TYPED, htmx=True),
    Refusal("moderation.decide", "moderator",
            lambda w: f"/moderation/posts/{w.held_post.id}/hide", {"reason": ""}, None,
            htmx=True),
    Refusal("moderation.suspend_author", "moderator",
            lambda w: f"/moderation/posts/{w.held_post.id}/suspend",
            {"days": "", "reason": TYPED}, TYPED, htmx=True),
    # privacy: a wrong password deletes nothing
    Refusal("privacy.delete", "practitioner", "/account/delete",
            {"mode": "remove", "password": "not the password"}, None),
    # reports
    Refusal("reports.codebook", "researcher", "/research/codebook",
            {"code": TYPED, "definition": ""}, TYPED),
    Refusal("reports.edit_code", "researcher", lambda w: f"/research/codebook/{w.code.id}",
            {"code": TYPED, "definition": ""}, TYPED),
    Refusal("reports.tokens", "researcher", "/research/tokens", {"name": TYPED + BELL}, TYPED),
    # workshops
    Refusal("workshops.new", "facilitator", "/workshops/new", {"title": TYPED, "date": ""},
            TYPED),
    Refusal("workshops.from_template", "facilitator", "/workshops/from-template",
            {"date": "next tuesday"}, "next tuesday"),
    Refusal("workshops.edit", "facilitator", _w("/edit"), {"title": TYPED, "date": ""}, TYPED),
    Refusal("workshops.question_new", "facilitator", _w("/questions/new"),
            {"prompt": TYPED, "kind": ""}, TYPED),
    Refusal("workshops.question_edit", "facilitator",
            lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/edit",
            {"prompt": TYPED, "kind": ""}, TYPED),
    Refusal("workshops.results_card", "facilitator", _w("/results-card"),
            {"intro": TYPED + BELL}, TYPED),
    Refusal("workshops.results_card_publish", "facilitator", _w("/results-card/publish"),
            {"intro": TYPED + "x" * 2001}, TYPED),
    Refusal("workshops.join", "anonymous", "/join", {"code": "ZOE" * 8}, "ZOE" * 8),
    Refusal("workshops.join_code", "anonymous", lambda w: f"/j/{w.workshop.code}",
            {"education_role": "astronaut"}, None),
    Refusal("workshops.word_merge", "facilitator",
            lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/words/merge",
            lambda w: {f"q{w.question.id}-word": "time", f"q{w.question.id}-into": "time"},
            None),
    # consensus maps
    Refusal("consensus.new", "facilitator", "/consensus/new",
            {"title": TYPED, "space": "national", "seeds": "x" * 300}, TYPED),
    Refusal("consensus.add_statement", "practitioner",
            lambda w: f"/consensus/{w.conversation.id}/statements", {"text": TYPED + BELL},
            TYPED, htmx=True),
    Refusal("consensus.hide", "moderator",
            lambda w: f"/consensus/{w.conversation.id}/statements/{w.hideable.id}/hide",
            {"reason": ""}, None),
    Refusal("consensus.flag", "practitioner",
            lambda w: f"/consensus/{w.conversation.id}/statements/{w.flaggable.id}/flag",
            {"reason": "", "detail": TYPED}, TYPED),
    Refusal("consensus.room_manage", "facilitator",
            lambda w: f"/workshops/{w.mapless_workshop.id}/map",
            {"title": TYPED, "seeds": "x" * 300}, TYPED),
    # you said, we did
    Refusal("loop.new", "researcher", "/research/responses/new",
            lambda w: {"target": f"finding:{w.finding.id}", "locality": "",
                       "title": TYPED, "body": BELL}, TYPED),
    Refusal("loop.edit", "researcher", lambda w: f"/research/responses/{w.loop_draft.id}/edit",
            lambda w: {"target": f"briefing:{w.finding.briefing_id}", "locality": "",
                       "title": TYPED, "body": ""}, TYPED),
    Refusal("loop.review", "researcher",
            lambda w: f"/research/responses/{w.loop_draft.id}/review",
            {"published_on": TYPED}, TYPED),
]

# POST routes with nothing to type: buttons (their CSRF token is all they carry), the
# workshop answer (its refusals are tested in tests/workshops/test_participating.py) and
# the coding toggle (a hidden field: a bad one is a bad request, 400).
NOT_FORMS = {
    # A participant's Q&A question needs a joined phone, which this sweep has not: its
    # refusal keeps the text (tests/workshops/test_qa.py, the too-long question).
    "workshops.qa_ask",
    # Likewise a phone's statement and vote on the workshop's consensus map
    # (tests/consensus/test_room.py: the duplicate statement keeps its text, 422).
    "consensus.room_add_statement", "consensus.room_vote", "consensus.room_screen_toggle",
    "consensus.approve", "consensus.vote", "consensus.change_state", "workshops.leave",
    "workshops.qa_upvote", "workshops.qa_settings", "workshops.word_undo",
    "workshops.qa_moderate", "workshops.word_hide",
    # A button: its link's refusals are 400s (tests/auth/test_registration.py).
    "auth.confirm_registration",
    "auth.logout", "admin.lift_suspension", "forums.thread_subscription",
    "forums.locality_subscription",
    "forums.moderate_thread", "moderation.delete_post", "notifications.mark_read",
    "notifications.unsubscribe",  # a button; refusals of its token are 404s (test_email.py)
    "reports.code_contribution", "reports.seed_codebook", "reports.start_synthesis",
    "reports.retry_synthesis", "reports.revoke_token", "workshops.duplicate",
    "workshops.question_move", "workshops.question_delete", "workshops.end",
    "workshops.control", "workshops.hide_answer", "workshops.answer",
}


def test_every_form_has_a_refusal_row():
    posts = {route.endpoint for route in ALL_ROUTES if route.method == "POST"}
    rows = {refusal.endpoint for refusal in REFUSALS}
    assert posts - rows - NOT_FORMS == set(), "add a Refusal row (or a NOT_FORMS entry)"
    assert (rows | NOT_FORMS) - posts == set(), "stale rows"


def test_a_failed_form_answers_422_with_what_was_typed(app, factory, login):
    """Every form page: 200 for the empty form, 422 with the typed text and the error
    once refused; with htmx the fragment is swapped where it was (not into #alerts)."""
    world = build_world(factory)
    gets = {route.endpoint for route in ALL_ROUTES if route.method == "GET"}
    problems = []
    for refusal in REFUSALS:
        for headers in ([{}, HTMX] if refusal.htmx else [{}]):
            client = app.test_client()
            if refusal.role != "anonymous":
                login(world.users[refusal.role], client)
            url, data = refusal.build(world)
            where = f"{refusal.endpoint} {url}{' (htmx)' if headers else ''}"
            if refusal.endpoint in gets and not headers:
                shown = client.get(url)
                if shown.status_code != 200:
                    problems.append(f"{where}: GET answered {shown.status_code}")
            response = client.post(url, data=data, headers=headers)
            body = response.get_data(as_text=True)
            if response.status_code != 422:
                problems.append(f"{where}: answered {response.status_code}, not 422")
            if "govuk-error" not in body:
                problems.append(f"{where}: no error message")
            if refusal.kept is not None and refusal.kept not in body:
                problems.append(f"{where}: what was typed ({refusal.kept!r}) is lost")
            if "HX-Retarget" in response.headers:
                problems.append(f"{where}: retargeted to {response.headers['HX-Retarget']}")
    assert not problems, "\n".join(problems)
