"""Access rows for workshops.

Facilitator pages belong to the workshop's owner (the sweep's facilitator) and admins.
Participant pages are open to everyone, signed in or not: a participant is whoever holds
the workshop's join cookie, and without one these routes send people to the join page
(never to sign in), which the sweep counts as access.
"""

import datetime as dt

from dialogue.extensions import db
from dialogue.workshops import participants, qa_services, services
from dialogue.workshops.models import Response
from tests.access import ADMIN, EVERYONE, FACILITATOR, Route, World

RUNNERS = frozenset({FACILITATOR, ADMIN})


def setup(world: World) -> None:
    owner = world.users[FACILITATOR]
    workshop = services.create_workshop(owner, title="Sweep workshop", date=dt.date.today(),
                                        locality_id=None)
    world.question = services.add_question(workshop, owner, kind="open_text",
                                           prompt="What would help?")
    world.spare_question = services.add_question(workshop, owner, kind="single",
                                                 prompt="Spare", options=["A", "B"])
    services.control(workshop, owner, "next")
    participant = participants.join(workshop, None)
    from werkzeug.datastructures import MultiDict

    participants.submit_response(world.question, participant, MultiDict({"text": "More time"}))
    world.qa_question = qa_services.ask(workshop, participant, "Will the slides be shared?")

    world.response = db.session.scalar(db.select(Response))
    world.workshop = workshop


def _w(path: str = ""):
    return lambda w: f"/workshops/{w.workshop.id}{path}"


ROUTES = [
    Route("workshops.index", "GET", "/workshops/", RUNNERS),
    Route("workshops.new", "GET", "/workshops/new", RUNNERS),
    Route("workshops.new", "POST", "/workshops/new", RUNNERS),
    Route("workshops.from_template", "POST", "/workshops/from-template", RUNNERS),
    Route("workshops.detail", "GET", _w(), RUNNERS),
    Route("workshops.edit", "GET", _w("/edit"), RUNNERS),
    Route("workshops.edit", "POST", _w("/edit"), RUNNERS),
    Route("workshops.duplicate", "POST", _w("/duplicate"), RUNNERS),
    Route("workshops.question_new", "GET", _w("/questions/new"), RUNNERS),
    Route("workshops.question_new", "POST", _w("/questions/new"), RUNNERS),
    Route("workshops.question_edit", "GET",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/edit", RUNNERS),
    Route("workshops.question_edit", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/edit", RUNNERS),
    Route("workshops.question_move", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/move", RUNNERS,
          data={"direction": "down"}),
    Route("workshops.question_delete", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.spare_question.id}/delete",
          RUNNERS),
    Route("workshops.end", "POST", _w("/end"), RUNNERS),
    Route("workshops.present", "GET", _w("/present"), RUNNERS),
    Route("workshops.present_live", "GET", _w("/present/live"), RUNNERS),
    Route("workshops.console", "GET", _w("/console"), RUNNERS),
    Route("workshops.console_live", "GET", _w("/console/live"), RUNNERS),
    Route("workshops.control", "POST", _w("/control"), RUNNERS, data={"action": "reveal"}),
    Route("workshops.hide_answer", "POST",
          lambda w: f"/workshops/{w.workshop.id}/answers/{w.response.id}/hide", RUNNERS),
    Route("workshops.results", "GET", _w("/results"), RUNNERS),
    Route("workshops.results_csv_download", "GET", _w("/results.csv"), RUNNERS),
    Route("workshops.results_pdf_download", "GET", _w("/results.pdf"), RUNNERS),
    Route("workshops.results_card", "GET", _w("/results-card"), RUNNERS),
    Route("workshops.results_card", "POST", _w("/results-card"), RUNNERS,
          data={"intro": "From the sweep"}),
    Route("workshops.results_card_publish", "POST", _w("/results-card/publish"), RUNNERS,
          data={"intro": "From the sweep"}),
    Route("workshops.question_preview", "GET",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/preview", RUNNERS),
    Route("workshops.word_hide", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/words/hide",
          RUNNERS, data={"word": "time"}),
    Route("workshops.word_merge", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/words/merge",
          RUNNERS, data={"q0-word": "time", "q0-into": "more"}),
    Route("workshops.word_undo", "POST",
          lambda w: f"/workshops/{w.workshop.id}/questions/{w.question.id}/words/0/undo",
          RUNNERS),
    # Participants: anyone with the code.
    Route("workshops.join", "GET", "/join", EVERYONE),
    Route("workshops.join", "POST", "/join", EVERYONE, data=lambda w: {"code": w.workshop.code}),
    Route("workshops.join_code", "GET", lambda w: f"/j/{w.workshop.code}", EVERYONE),
    Route("workshops.join_code", "POST", lambda w: f"/j/{w.workshop.code}", EVERYONE),
    Route("workshops.participant_live", "GET", lambda w: f"/j/{w.workshop.code}/live",
          EVERYONE),
    Route("workshops.participant_results", "GET", lambda w: f"/j/{w.workshop.code}/results",
          EVERYONE),
    Route("workshops.leave", "POST", lambda w: f"/j/{w.workshop.code}/leave", EVERYONE),
    Route("workshops.answer", "POST", lambda w: f"/j/{w.workshop.code}/answer", EVERYONE,
          data=lambda w: {"question_id": w.question.id, "text": "An answer"}),
    # Audience Q&A: phones with the code; moderation and the screen's pin for runners.
    Route("workshops.qa_panel", "GET", lambda w: f"/j/{w.workshop.code}/qa", EVERYONE),
    Route("workshops.qa_list", "GET", lambda w: f"/j/{w.workshop.code}/qa/list", EVERYONE),
    Route("workshops.qa_ask", "POST", lambda w: f"/j/{w.workshop.code}/qa/ask", EVERYONE,
          data={"text": "A question from the sweep?"}),
    Route("workshops.qa_upvote", "POST",
          lambda w: f"/j/{w.workshop.code}/qa/{w.qa_question.id}/upvote", EVERYONE),
    Route("workshops.qa_moderation", "GET", _w("/qa"), RUNNERS),
    Route("workshops.qa_pinned", "GET", _w("/qa/pinned"), RUNNERS),
    Route("workshops.qa_settings", "POST", _w("/qa/settings"), RUNNERS,
          data={"requires_approval": "1"}),
    Route("workshops.qa_moderate", "POST",
          lambda w: f"/workshops/{w.workshop.id}/qa/{w.qa_question.id}", RUNNERS,
          data={"action": "pin"}),
]
