"""Workshop verbs. Each flushes and never commits; the view commits once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, select

from dialogue import audit
from dialogue.auth.permissions import is_admin
from dialogue.extensions import db
from dialogue.workshops import codes, live, participants, qa_services, timers
from dialogue.workshops.models import (
    KINDS_WITH_OPTIONS,
    InvalidTransition,
    Option,
    Question,
    QuestionKind,
    QuestionState,
    Workshop,
    WorkshopState,
)
from dialogue.workshops.template import TEMPLATE


def workshops_listed_for(user) -> Select:
    """The workshops a facilitator's list shows, newest first: their own (an admin's: all)."""
    query = select(Workshop).order_by(Workshop.date.desc(), Workshop.id.desc())
    if not is_admin(user):
        query = query.where(Workshop.owner_id == user.id)
    return query


def create_workshop(owner, *, title: str, date: dt.date, locality_id: int | None,
                    briefing_slugs: Sequence[str] = ()) -> Workshop:
    """Create a draft workshop owned by ``owner``."""
    workshop = Workshop(title=title, date=date, locality_id=locality_id, owner_id=owner.id,
                        code=codes.unique_code(), code_expires_at=codes.code_expiry(date),
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
        workshop.code_expires_at = codes.code_expiry(date)
    db.session.flush()


def _set_options(question: Question, labels: Sequence[str]) -> None:
    existing = {option.label: option for option in question.options}
    question.options = [existing.get(label) or Option(label=label) for label in labels]
    for position, option in enumerate(question.options):
        option.position = position


def add_question(workshop: Workshop, actor, *, kind: str, prompt: str,
                 options: Sequence[str] = (), max_choices: int | None = None,
                 finding_key: str | None = None, results_hidden: bool = False,
                 section: str = "", timer_seconds: int | None = None) -> Question:
    """Add a question at the end of the workshop."""
    question = Question(kind=QuestionKind(kind), prompt=prompt, section=section,
                        results_hidden=results_hidden, state=QuestionState.PENDING,
                        timer_seconds=timers.check_seconds(timer_seconds))
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
                    section: str = "", timer_seconds: int | type(...) | None = ...) -> None:
    """Edit a question (its timer only when given). Its kind and options are fixed once it
    has answers."""
    answered = participants.response_count(question) > 0
    if answered and (kind != question.kind
                     or list(options) != [o.label for o in question.options]):
        raise InvalidTransition("This question has answers, so its type and options "
                                "can no longer change.")
    question.prompt = prompt
    question.section = section
    question.results_hidden = results_hidden
    if timer_seconds is not ...:
        question.timer_seconds = timers.check_seconds(timer_seconds)
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
                     results_hidden=question.results_hidden, section=question.section,
                     timer_seconds=question.timer_seconds)
    audit.record("workshops", "duplicate", actor, "workshop", copy.id, source=workshop.id)
    return copy


def create_from_template(actor, *, date: dt.date, locality_id: int | None,
                         title: str | None = None) -> Workshop:
    """A new draft workshop from the ready-made template, for the facilitator to adapt."""
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
    timers.stop(workshop)
    audit.record("workshops", "close", actor, "workshop", workshop.id)
    db.session.flush()
    live.bump(workshop, state_changed=True)
    qa_services.workshop_ended(workshop.id)


CONTROL_ACTIONS = ("open", "close", "reveal", "hide_results", "next", "previous")


def control(workshop: Workshop, actor, action: str, *, seconds: int | None = None) -> str:
    """Apply a presenter control; return a short sentence saying what happened.

    ``seconds`` times the question being opened (else its own timer, if it has one).
    """
    if action not in CONTROL_ACTIONS:
        raise InvalidTransition("Unknown action.")
    if workshop.state == WorkshopState.CLOSED:
        raise InvalidTransition("This workshop has ended.")
    if workshop.state == WorkshopState.DRAFT:
        start_workshop(workshop, actor)
    timers.close_if_time_is_up(workshop)
    question = workshop.current_question
    if action in ("next", "previous"):
        message = _move_current(workshop, 1 if action == "next" else -1)
    elif question is None:
        raise InvalidTransition("There is no current question.")
    else:
        message = _QUESTION_CONTROLS[action](workshop, question, seconds)
    db.session.flush()
    live.bump(workshop, state_changed=True)
    return message


def _open(workshop: Workshop, question: Question, seconds: int | None) -> str:
    question.open()
    timers.start(workshop, seconds or question.timer_seconds)
    if workshop.closes_at is not None:
        return f"Question opened: participants have {timers.seconds_left(workshop)} seconds."
    return "Question opened: participants can answer."


def _close(workshop: Workshop, question: Question, seconds: int | None) -> str:
    question.close()
    timers.stop(workshop)
    return "Question closed: no more answers."


def _reveal(workshop: Workshop, question: Question, seconds: int | None) -> str:
    question.reveal()
    return "Results revealed on the screen and on phones."


def _hide_results(workshop: Workshop, question: Question, seconds: int | None) -> str:
    question.hide_results()
    return "Results hidden."


_QUESTION_CONTROLS = {"open": _open, "close": _close, "reveal": _reveal,
                      "hide_results": _hide_results}


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
    timers.stop(workshop)
    new = questions[target]
    if new.state == QuestionState.PENDING:
        new.open()
        timers.start(workshop, new.timer_seconds)
    workshop.current_question_id = new.id
    workshop.current_question = new
    return f"Now showing question {target + 1} of {len(questions)}."
