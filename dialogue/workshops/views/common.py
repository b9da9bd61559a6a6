"""What the workshop views share: loading what a URL names, the live state (closing a
question whose timer has run out), and the polled responses' headers."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort
from flask_login import current_user

from dialogue.auth.permissions import can_run_workshop
from dialogue.extensions import db
from dialogue.transactions import reads_first, write_transaction
from dialogue.workshops import live, timers
from dialogue.workshops.live import LiveState
from dialogue.workshops.models import Question, Response, Workshop


def load_workshop(workshop_id: int) -> Workshop:
    """The workshop, for its owner or an admin; 404 if missing, 403 for anyone else."""
    workshop = db.get_or_404(Workshop, workshop_id)
    if not can_run_workshop(current_user, workshop):
        abort(403)
    return workshop


def load_question(workshop: Workshop, question_id: int) -> Question:
    """One of this workshop's questions, or 404."""
    question = db.get_or_404(Question, question_id)
    if question.workshop_id != workshop.id:
        abort(404)
    return question


def load_answer(workshop: Workshop, response_id: int) -> Response:
    """An answer to one of this workshop's questions, or 404."""
    answer = db.get_or_404(Response, response_id)
    if answer.question.workshop_id != workshop.id:
        abort(404)
    return answer


def polled(response: FlaskResponse, etag: str) -> FlaskResponse:
    """A poll's answer: its ETag, and revalidated every time by the browser only."""
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def not_modified(etag: str) -> FlaskResponse:
    """304: the poller's ETag is still current."""
    return polled(FlaskResponse(status=304), etag)


def current_live_state(workshop: Workshop, state: LiveState | None = None) -> LiveState:
    """The workshop's live numbers (``state`` if already read), after closing the current
    question if its timer has run out: the first request to ask after the deadline does
    it, so no background thread is needed."""
    if state is None:
        with reads_first():
            state = live.live_state(workshop.code)
    if state is not None and state.time_is_up():
        # End the reading transaction, so the close takes SQLite's write lock up front
        # (a room of phones asks at the same moment); only one finds it still to do.
        db.session.rollback()
        with write_transaction():
            timers.close_if_time_is_up(workshop)
            db.session.commit()
        state = live.live_state(workshop.code)
    return state
