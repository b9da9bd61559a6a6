"""Workshop verbs. Each flushes and never commits; the view commits once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from dialogue import audit
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops import live
from dialogue.workshops.models import (
    AGREE_VALUES,
    KINDS_WITH_OPTIONS,
    SCALE_LABELS,
    InvalidTransition,
    Option,
    Participant,
    Question,
    QuestionKind,
    QuestionState,
    Response,
    Workshop,
    WorkshopState,
)

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: a code read off a projector is typed correctly.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
# A code keeps working until the end of the day after the workshop's date.
CODE_GRACE = timedelta(days=2)
MAX_TEXT = 500

__all__ = ["AGREE_VALUES", "SCALE_LABELS", "AnswerRefused", "InvalidTransition"]


class AnswerRefused(ValueError):
    """An answer that cannot be stored; the message is shown to the participant."""


def normalise_code(text: str) -> str:
    """Upper-case, without spaces or dashes, as people type codes off a screen."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _code_expiry(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) + CODE_GRACE


def _unique_code() -> str:
    # 25^6 codes: a clash is rare, and the unique constraint still guards the insert.
    for _ in range(20):
        code = _new_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code
    raise RuntimeError("could not find a free workshop code")


def create_workshop(owner, *, title: str, date: dt.date, locality_id: int | None,
                    briefing_slugs: Sequence[str] = ()) -> Workshop:
    """Create a draft workshop owned by ``owner``."""
    workshop = Workshop(title=title, date=date, locality_id=locality_id, owner_id=owner.id,
                        code=_unique_code(), code_expires_at=_code_expiry(date),
                        briefing_slugs=list(briefing_slugs), state=WorkshopState.DRAFT)
    db.session.add(workshop)
    db.session.flush()
    audit.record("workshops", "create", owner, "workshop", workshop.id,
                 locality_id=locality_id, title=title)
    return workshop


def update_workshop(workshop: Workshop, actor, *, title: str, date: dt.date,
                    locality_id: int | None, briefing_slugs: Sequence[str]) -> None:
    """Change a workshop's details (its code keeps working until the new date's end)."""
    workshop.title = title
    workshop.date = date
    workshop.locality_id = locality_id
    workshop.briefing_slugs = list(briefing_slugs)
    if workshop.state != WorkshopState.CLOSED:
        workshop.code_expires_at = _code_expiry(date)
    db.session.flush()


def _set_options(question: Question, labels: Sequence[str]) -> None:
    existing = {option.label: option for option in question.options}
    question.options = [existing.get(label) or Option(label=label) for label in labels]
    for position, option in enumerate(question.options):
        option.position = position


def add_question(workshop: Workshop, actor, *, kind: str, prompt: str,
                 options: Sequence[str] = (), max_choices: int | None = None,
                 finding_key: str | None = None, results_hidden: bool = False,
                 section: str = "") -> Question:
    """Add a question at the end of the workshop."""
    question = Question(kind=QuestionKind(kind), prompt=prompt, section=section,
                        results_hidden=results_hidden, state=QuestionState.PENDING)
    _apply_question_fields(question, kind, options, max_choices, finding_key)
    question.position = len(workshop.questions)
    workshop.questions.append(question)
    db.session.flush()
    live.bump(workshop)
    return question


def _apply_question_fields(question, kind, options, max_choices, finding_key) -> None:
    question.kind = QuestionKind(kind)
    _set_options(question, options if kind in KINDS_WITH_OPTIONS else [])
    question.max_choices = max_choices if kind == QuestionKind.MULTIPLE else None
    question.finding_key = finding_key if kind == QuestionKind.FINDING_CHECK else None


def update_question(question: Question, actor, *, kind: str, prompt: str,
                    options: Sequence[str] = (), max_choices: int | None = None,
                    finding_key: str | None = None, results_hidden: bool = False,
                    section: str = "") -> None:
    """Edit a question. Its kind and options are fixed once it has answers."""
    answered = response_count(question) > 0
    if answered and (kind != question.kind
                     or list(options) != [o.label for o in question.options]):
        raise InvalidTransition("This question has answers, so its type and options "
                                "can no longer change.")
    question.prompt = prompt
    question.section = section
    question.results_hidden = results_hidden
    _apply_question_fields(question, kind, options, max_choices, finding_key)
    db.session.flush()
    live.bump(question.workshop, state_changed=True)


def move_question(question: Question, actor, direction: str) -> bool:
    """Swap a question with its neighbour ("up" or "down"); False at either end."""
    questions = list(question.workshop.questions)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(questions):
        return False
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions):
        item.position = position
    db.session.flush()
    db.session.expire(question.workshop, ["questions"])
    live.bump(question.workshop, state_changed=True)
    return True


def delete_question(question: Question, actor) -> None:
    """Remove a question (and any answers) from a workshop."""
    workshop = question.workshop
    if workshop.current_question_id == question.id:
        workshop.current_question_id = None
    workshop.questions.remove(question)
    for position, item in enumerate(workshop.questions):
        item.position = position
    db.session.flush()
    live.bump(workshop, state_changed=True)


def duplicate_workshop(workshop: Workshop, actor, *, title: str | None = None,
                       date: dt.date | None = None) -> Workshop:
    """A new draft copy of a workshop's details and questions, without any answers."""
    copy = create_workshop(actor, title=title or f"{workshop.title} (copy)",
                           date=date or dt.date.today(), locality_id=workshop.locality_id,
                           briefing_slugs=workshop.briefing_slugs)
    for question in workshop.questions:
        add_question(copy, actor, kind=question.kind, prompt=question.prompt,
                     options=[o.label for o in question.options],
                     max_choices=question.max_choices, finding_key=question.finding_key,
                     results_hidden=question.results_hidden, section=question.section)
    audit.record("workshops", "duplicate", actor, "workshop", copy.id, source=workshop.id)
    return copy


def create_from_template(actor, *, date: dt.date, locality_id: int | None,
                         title: str | None = None) -> Workshop:
    """A new draft workshop from the ready-made template, for the facilitator to adapt."""
    from dialogue.workshops.template import TEMPLATE

    workshop = create_workshop(actor, title=title or TEMPLATE["title"], date=date,
                               locality_id=locality_id,
                               briefing_slugs=TEMPLATE["briefing_slugs"])
    for section, questions in TEMPLATE["sections"]:
        for item in questions:
            add_question(workshop, actor, section=section, **item)
    return workshop


# --- Running a workshop ------------------------------------------------------------


def start_workshop(workshop: Workshop, actor) -> None:
    """Make a draft workshop live; "next" then shows the first question."""
    workshop.start()
    audit.record("workshops", "start", actor, "workshop", workshop.id)
    db.session.flush()
    live.bump(workshop, state_changed=True)


def end_workshop(workshop: Workshop, actor) -> None:
    """End a workshop: every open question closes and its code stops working."""
    for question in workshop.questions:
        if question.state == QuestionState.OPEN:
            question.close()
    workshop.close()
    audit.record("workshops", "close", actor, "workshop", workshop.id)
    db.session.flush()
    live.bump(workshop, state_changed=True)


CONTROL_ACTIONS = ("open", "close", "reveal", "hide_results", "next", "previous")


def control(workshop: Workshop, actor, action: str) -> str:
    """Apply a presenter control; return a short sentence saying what happened."""
    if action not in CONTROL_ACTIONS:
        raise InvalidTransition("Unknown action.")
    if workshop.state == WorkshopState.CLOSED:
        raise InvalidTransition("This workshop has ended.")
    if workshop.state == WorkshopState.DRAFT:
        start_workshop(workshop, actor)
    question = workshop.current_question
    if action in ("next", "previous"):
        message = _move_current(workshop, 1 if action == "next" else -1)
    elif question is None:
        raise InvalidTransition("There is no current question.")
    elif action == "open":
        question.open()
        message = "Question opened: participants can answer."
    elif action == "close":
        question.close()
        message = "Question closed: no more answers."
    elif action == "reveal":
        question.reveal()
        message = "Results revealed."
    else:
        question.hide_results()
        message = "Results hidden."
    db.session.flush()
    live.bump(workshop, state_changed=True)
    return message


def _move_current(workshop: Workshop, step: int) -> str:
    """Go to the next or previous question, closing the one left and opening a new one.

    Participants only ever see the current question, so one left open would collect
    no more answers anyway; closing it makes that explicit in the results.
    """
    questions = workshop.questions
    if not questions:
        raise InvalidTransition("This workshop has no questions yet.")
    ids = [q.id for q in questions]
    current = workshop.current_question
    index = ids.index(current.id) if current is not None else -1
    target = index + step
    if target < 0 or target >= len(questions):
        raise InvalidTransition("There is no next question." if step > 0
                                else "This is the first question.")
    if current is not None and current.state == QuestionState.OPEN:
        current.close()
    new = questions[target]
    if new.state == QuestionState.PENDING:
        new.open()
    workshop.current_question_id = new.id
    workshop.current_question = new
    return f"Now showing question {target + 1} of {len(questions)}."


# --- Participants and answers ---------------------------------------------------------


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
    return participant


# Built once: they run on polls from every phone in the room (the last two on a plain
# connection, in the poll shortcut).
_PARTICIPANT_BY_TOKEN = select(Participant).where(
    Participant.token == bindparam("token"), Participant.workshop_id == bindparam("workshop_id"))
PARTICIPANT_ID_BY_TOKEN = select(Participant.id).where(
    Participant.token == bindparam("token"), Participant.workshop_id == bindparam("workshop_id"))
ANSWER_EXISTS = select(Response.id).where(
    Response.question_id == bindparam("question_id"),
    Response.participant_id == bindparam("participant_id")).limit(1)


def find_participant(workshop_id: int, token: str | None) -> Participant | None:
    """The participant with this token in this workshop, or None."""
    if not token:
        return None
    return db.session.scalar(_PARTICIPANT_BY_TOKEN, {"token": token, "workshop_id": workshop_id})


def parse_answer(question: Question, form) -> dict:
    """Check a submitted answer against the question; return the Response columns.

    ``form`` is a MultiDict: ``option`` (one, or several for multiple choice),
    ``value`` (1-5), ``ranking`` (every option id, best first) or ``text``.
    """
    option_ids = [option.id for option in question.options]

    def _ints(values: list[str]) -> list[int]:
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError):
            raise AnswerRefused("That answer is not one of the choices.") from None

    kind = question.kind
    if kind == QuestionKind.SINGLE:
        chosen = _ints(form.getlist("option"))
        if len(chosen) != 1:
            raise AnswerRefused("Choose one answer.")
        if chosen[0] not in option_ids:
            raise AnswerRefused("That answer is not one of this question's choices.")
        return {"option_id": chosen[0]}
    if kind == QuestionKind.MULTIPLE:
        chosen = _ints(form.getlist("option"))
        if not chosen:
            raise AnswerRefused("Choose at least one answer.")
        if len(set(chosen)) != len(chosen) or not set(chosen) <= set(option_ids):
            raise AnswerRefused("Those answers are not this question's choices.")
        limit = question.max_choices or len(option_ids)
        if len(chosen) > limit:
            raise AnswerRefused(f"Choose no more than {limit}.")
        return {"choices": sorted(chosen, key=option_ids.index)}
    if kind in (QuestionKind.SCALE, QuestionKind.FINDING_CHECK):
        values = _ints(form.getlist("value"))
        if len(values) != 1:
            raise AnswerRefused("Choose how far you agree.")
        if values[0] not in SCALE_LABELS:
            raise AnswerRefused("Choose a point on the scale from 1 to 5.")
        return {"value": values[0]}
    if kind == QuestionKind.RANKING:
        order = _ints(form.getlist("ranking"))
        if sorted(order) != sorted(option_ids):
            raise AnswerRefused("Put every item in order: the ranking was incomplete.")
        return {"choices": order}
    text = (form.get("text") or "").strip()
    if not text:
        raise AnswerRefused("Enter your answer.")
    if len(text) > MAX_TEXT:
        raise AnswerRefused(f"Keep your answer to {MAX_TEXT} characters or fewer.")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise AnswerRefused("Remove the invisible control characters from your answer.")
    return {"text": text}


_UPSERTS: dict[str, object] = {}
_ANSWER_COLUMNS = ("option_id", "value", "choices", "text")


def _upsert(dialect_name: str):
    """INSERT ... ON CONFLICT (question, participant) DO UPDATE, built once per dialect
    (building it costs more than running it, and it runs under the write lock)."""
    statement = _UPSERTS.get(dialect_name)
    if statement is None:
        if dialect_name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(Response).values(
            question_id=bindparam("question_id"), participant_id=bindparam("participant_id"),
            hidden=False, created_at=bindparam("now"), updated_at=bindparam("now"),
            **{name: bindparam(name, type_=Response.__table__.c[name].type)
               for name in _ANSWER_COLUMNS})
        statement = statement.on_conflict_do_update(
            index_elements=["question_id", "participant_id"],
            set_={**{name: statement.excluded[name] for name in _ANSWER_COLUMNS},
                  "updated_at": statement.excluded.updated_at})
        _UPSERTS[dialect_name] = statement
    return statement


def submit_response(question: Question, participant: Participant, form) -> None:
    """Store (or change) this participant's answer to an open question.

    The answer is checked first (that only reads). Then the version bump: on PostgreSQL
    it locks the workshop row, so a close committed by the facilitator is seen by the
    state check below. One row per participant and question is kept by the unique
    constraint through an upsert, so simultaneous submissions leave exactly one answer.
    """
    if question.workshop_id != participant.workshop_id:
        raise AnswerRefused("That question is not part of your workshop.")
    columns = dict.fromkeys(_ANSWER_COLUMNS)
    columns.update(parse_answer(question, form))
    workshop = question.workshop
    live.bump(workshop)
    state = db.session.scalar(select(Question.state).where(Question.id == question.id)
                              .execution_options(populate_existing=True))
    workshop_state, current_id = db.session.execute(
        select(Workshop.state, Workshop.current_question_id).where(Workshop.id == workshop.id)
    ).one()
    if state == QuestionState.PENDING and workshop_state == WorkshopState.LIVE:
        raise AnswerRefused("This question is not open yet, so your answer was not saved.")
    if state != QuestionState.OPEN or workshop_state != WorkshopState.LIVE:
        raise AnswerRefused("This question is closed, so your answer was not saved.")
    if current_id != question.id:
        raise AnswerRefused("The facilitator has moved on to another question.")
    try:
        db.session.execute(_upsert(db.session.get_bind().dialect.name), {
            "question_id": question.id, "participant_id": participant.id, "now": utcnow(),
            **columns})
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
    from sqlalchemy import func

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
