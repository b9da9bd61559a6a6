"""Participants and their answers: joining a workshop by its code, finding a phone's
participant on each poll, and storing answers (one per participant and question)."""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from dialogue import audit
from dialogue.auth.models import User
from dialogue.db import upsert_statement, utcnow
from dialogue.extensions import db
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.workshops import live, timers
from dialogue.workshops.answers import (
    ANSWER_COLUMNS,
    AnswerRefused,
    QuestionNotOpen,
    parse_answer,
)
from dialogue.workshops.codes import normalise_code
from dialogue.workshops.models import (
    InvalidTransition,
    Participant,
    Question,
    QuestionState,
    Response,
    Workshop,
    WorkshopState,
)


def find_workshop_by_code(code: str) -> Workshop | None:
    """The workshop with this code (usable or not), or None."""
    return db.session.scalar(select(Workshop).where(Workshop.code == normalise_code(code)))


def join(workshop: Workshop, user, *, education_role: str | None = None,
         phase: str | None = None) -> Participant:
    """Add a participant; a signed-in user is linked (and rejoining reuses the link)."""
    if not workshop.code_is_usable():
        raise InvalidTransition("This workshop has ended, so its code no longer works.")
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in:
        existing = db.session.scalar(select(Participant).where(
            Participant.workshop_id == workshop.id, Participant.user_id == user.id))
        if existing is not None:
            existing.education_role = education_role or existing.education_role
            existing.phase = phase or existing.phase
            return existing
    participant = Participant(workshop_id=workshop.id, token=secrets.token_urlsafe(24),
                              user_id=user.id if signed_in else None,
                              education_role=education_role or None, phase=phase or None)
    db.session.add(participant)
    db.session.flush()
    # No version bump: the screen's "N people have joined" polls on the count itself
    # (``live.presenter_version``), so a room joining does not queue on the workshop row.
    return participant


def participant_count(workshop: Workshop) -> int:
    """How many people have joined the workshop."""
    return db.session.scalar(select(func.count()).select_from(Participant)
                             .where(Participant.workshop_id == workshop.id)) or 0


# Built once: they run on polls from every phone in the room (the last two on a plain
# connection, in the poll shortcut).
_PARTICIPANT_BY_TOKEN = select(Participant).where(
    Participant.token == bindparam("token"), Participant.workshop_id == bindparam("workshop_id"))
PARTICIPANT_ID_BY_TOKEN = select(Participant.id).where(
    Participant.token == bindparam("token"), Participant.workshop_id == bindparam("workshop_id"))
ANSWER_EXISTS = select(Response.id).where(
    Response.question_id == bindparam("question_id"),
    Response.participant_id == bindparam("participant_id")).limit(1)
# The answer path's read of the participant: their id and what their answer's profile
# snapshot takes (``answer_profile``), in the one statement that finds them by token. The
# account comes by its primary key in the same statement, so the snapshot costs an answer
# no extra round trip.
ANSWERER_BY_TOKEN = (
    select(Participant.id,
           func.coalesce(Participant.education_role, User.education_role)
           .label("education_role"),
           func.coalesce(Participant.phase, User.phase).label("phase"),
           User.school_type.label("school_type"))
    .outerjoin(User, User.id == Participant.user_id)
    .where(Participant.token == bindparam("token"),
           Participant.workshop_id == bindparam("workshop_id")))
PROFILE_COLUMNS = ("education_role", "phase", "school_type")


def find_participant(workshop_id: int, token: str | None) -> Participant | None:
    """The participant with this token in this workshop, or None."""
    if not token:
        return None
    return db.session.scalar(_PARTICIPANT_BY_TOKEN, {"token": token, "workshop_id": workshop_id})


def _member(enum_class, value):
    """``value`` as a member of the vocabulary, or None (not given, or no longer in it)."""
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def answer_profile(education_role, phase, school_type) -> dict:
    """The profile snapshot a contribution from the room keeps (``Response``,
    ``AudienceQuestion``): the role and phase the participant gave on joining, else their
    account's, and the account's school type, as read for it (``ANSWERER_BY_TOKEN``)."""
    return {"education_role": _member(EducationRole, education_role),
            "phase": _member(Phase, phase), "school_type": _member(SchoolType, school_type)}


def profile_of(participant: Participant) -> dict:
    """``answer_profile`` for a participant loaded through the ORM (the linked account by
    its primary key: from the session's identity map when it is the signed-in user)."""
    user = db.session.get(User, participant.user_id) if participant.user_id else None
    return answer_profile(participant.education_role or (user and user.education_role),
                          participant.phase or (user and user.phase),
                          user and user.school_type)


_UPSERTS: dict[str, object] = {}


def _upsert(dialect_name: str):
    """INSERT ... ON CONFLICT (question, participant) DO UPDATE, built once per dialect
    (building it costs more than running it, and it runs under the write lock)."""
    statement = _UPSERTS.get(dialect_name)
    if statement is None:
        statement = upsert_statement(
            dialect_name, Response,
            {"question_id": bindparam("question_id"),
             "participant_id": bindparam("participant_id"), "hidden": False,
             "created_at": bindparam("now"), "updated_at": bindparam("now"),
             **{name: bindparam(name, type_=Response.__table__.c[name].type)
                for name in (*ANSWER_COLUMNS, *PROFILE_COLUMNS)}},
            # A changed answer takes the profile again, as a changed reaction does: the
            # snapshot is of the person when they last answered.
            key=("question_id", "participant_id"),
            update=(*ANSWER_COLUMNS, *PROFILE_COLUMNS, "updated_at"),
            # Every write moves the presenter's version on (``live.presenter_version``).
            also={"revision": Response.__table__.c.revision + 1})
        _UPSERTS[dialect_name] = statement
    return statement


# The answer's check, in the write transaction: the question's state with the workshop's
# beside it. On PostgreSQL FOR SHARE OF the question's row: answers share it (none waits
# for another), while closing the question (an UPDATE of that row, by Next, Close, End or
# the timer) waits for the answers holding it, and an answer arriving after the close's
# UPDATE waits for its commit and then reads the closed state. Every way a question stops
# taking answers (Close, Next, Previous, End, the timer) closes that row, and deleting the
# question deletes it, so the row's own state decides; the workshop's columns beside it
# are as the statement first read them. SQLite renders no FOR SHARE; its write lock
# (BEGIN IMMEDIATE) already orders every write.
_ANSWERABLE = (
    select(Question.workshop_id, Question.state, Workshop.state.label("workshop_state"),
           Workshop.current_question_id, Workshop.closes_at)
    .join(Workshop, Workshop.id == Question.workshop_id)
    .where(Question.id == bindparam("question_id"))
    .with_for_update(read=True, of=Question))


def submit_response(question: Question, participant: Participant, form) -> None:
    """Check ``form`` as an answer to ``question`` and store it (``store_answer``)."""
    store_answer(question.id, participant.id, participant.workshop_id,
                 parse_answer(question, form), profile=profile_of(participant))


def store_answer(question_id: int, participant_id: int, workshop_id: int,
                 columns: dict, *, profile: dict) -> None:
    """Store (or change) a participant's checked answer (``parse_answer``'s columns) with
    the profile snapshot it keeps (``answer_profile``, read with the participant).

    Two statements on the session's connection: the state check (which orders the answer
    against a close, see ``_ANSWERABLE``) and the upsert. One row per participant and
    question is kept by the unique constraint, so simultaneous submissions leave exactly
    one answer. Nothing here touches the workshop's row.
    """
    connection = db.session.connection()
    row = connection.execute(_ANSWERABLE, {"question_id": question_id}).one_or_none()
    if row is None or row.workshop_id != workshop_id:
        raise AnswerRefused("That question is not part of your workshop.")
    state, workshop_state = row.state, row.workshop_state
    current_id, closes_at = row.current_question_id, row.closes_at
    if state == QuestionState.OPEN and timers.time_is_up(closes_at):
        raise QuestionNotOpen("Time is up: this question is closed, so your answer was not "
                              "saved.")
    if state == QuestionState.PENDING and workshop_state == WorkshopState.LIVE:
        raise QuestionNotOpen("This question is not open yet, so your answer was not saved.")
    if state != QuestionState.OPEN or workshop_state != WorkshopState.LIVE:
        raise QuestionNotOpen("This question is closed, so your answer was not saved.")
    if current_id != question_id:
        raise QuestionNotOpen("The facilitator has moved on to another question.")
    try:
        connection.execute(_upsert(connection.dialect.name), {
            "question_id": question_id, "participant_id": participant_id, "now": utcnow(),
            **columns, **profile})
    except IntegrityError:
        raise AnswerRefused("That answer could not be saved; try again.") from None


def my_response(question: Question, participant: Participant | None) -> Response | None:
    """This participant's stored answer to this question, if any."""
    if participant is None:
        return None
    return db.session.scalar(select(Response).where(
        Response.question_id == question.id, Response.participant_id == participant.id))


def response_count(question: Question) -> int:
    """How many participants have answered: a COUNT of the stored rows."""
    return db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.question_id == question.id)) or 0


def set_response_hidden(response: Response, actor, hidden: bool) -> None:
    """Hide an open-text answer from the shared screen (or show it again)."""
    response.hidden = hidden
    response.hidden_by_id = actor.id if hidden else None
    audit.record("workshops", "hide_answer" if hidden else "show_answer", actor,
                 "workshop_response", response.id,
                 locality_id=response.question.workshop.locality_id)
    db.session.flush()
    live.bump(response.question.workshop)
