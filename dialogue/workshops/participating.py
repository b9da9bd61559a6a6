"""What a participant's phone shows: the current question, their answer, any results."""

from __future__ import annotations

from dataclasses import dataclass

from dialogue.workshops import participants, timers
from dialogue.workshops.answerable import Answerable, AnswerView
from dialogue.workshops.models import (
    Participant,
    Question,
    QuestionState,
    Response,
    Workshop,
    WorkshopState,
)
from dialogue.workshops.publishing import public_thread_id
from dialogue.workshops.results import Results, question_results

# Fewer people than this behind a figure and it is not shown on phones after the workshop.
SMALL_GROUP = 5


def participant_context(workshop: Workshop, participant: Participant, *,
                        message: str | None = None, error: str | None = None,
                        ranking: list[int] | None = None, draft=None) -> dict:
    """The participant page's context; ``ranking`` is an order being moved without JS,
    ``draft`` the refused form (so what was ticked or typed is shown again)."""
    question = workshop.current_question if workshop.state == WorkshopState.LIVE else None
    context = {"participant": participant, "question": question, "message": message,
               "results_thread_id": published_thread_id(workshop),
               "error": error, "mine": None, "results": None, "ranking_order": None,
               "state_version": workshop.state_version, "draft": _draft(draft),
               "seconds_left": None, "closes_at": None}
    if question is None:
        return context
    context["mine"] = participants.my_response(question, participant)
    if phones_see_results(question):
        context["results"] = question_results(question)
    if question.kind == "ranking":
        order = ranking or context["draft"].get("ranking")
        context["ranking_order"] = ranking_order(question, context["mine"], order)
    if question.state == QuestionState.OPEN and workshop.closes_at is not None:
        context["seconds_left"] = timers.seconds_left(workshop)
        context["closes_at"] = workshop.closes_at.timestamp()
    return context


def confirmation_context(item: Answerable, mine: AnswerView, *, message: str) -> dict:
    """``participant_context`` for an answer just stored on the quick path, from the
    worker's copy of the open question (``answerable``): no results (they are not on the
    phones while it is open and not revealed) and no reads."""
    workshop, question = item.workshop, item.question
    closes_at = workshop.closes_at
    return {"workshop": workshop, "question": question, "message": message, "error": None,
            "results_thread_id": None, "mine": mine, "results": None,
            "ranking_order": (ranking_order(question, mine, None)
                              if question.kind == "ranking" else None),
            "state_version": workshop.state_version, "draft": {},
            "seconds_left": timers.seconds_left(workshop) if closes_at else None,
            "closes_at": closes_at.timestamp() if closes_at else None}


def published_thread_id(workshop: Workshop) -> int | None:
    """Once the workshop has ended and its results card is public: the card's thread."""
    if workshop.state != WorkshopState.CLOSED:
        return None
    return public_thread_id(workshop)


def phones_see_results(question: Question) -> bool:
    """Results reach phones when revealed, or when a question with visible results closes."""
    return question.revealed or (question.state == QuestionState.CLOSED
                                 and question.results_visible)


def _draft(form) -> dict:
    """What a refused answer said, to show it again (nothing when there is no form)."""
    if form is None:
        return {}
    draft: dict = {"text": form.get("text", "")}
    for name in ("option", "ranking"):
        try:
            draft[name] = [int(v) for v in form.getlist(name)]
        except ValueError:
            draft[name] = []
    value = form.get("value", "")
    draft["value"] = int(value) if value.isdigit() else None
    return draft


def ranking_order(question: Question, mine: Response | None, override: list[int] | None):
    """The options in the order to show: being moved, as answered, or as written."""
    options = {o.id: o for o in question.options}
    order = override or (mine.choices if mine and mine.choices else list(options))
    shown = [options[i] for i in order if i in options]
    return shown + [o for o in question.options if o not in shown]


def shows_blank_form(workshop: Workshop, context: dict) -> bool:
    """Whether the phone shows the open question's empty form (the same for the room)."""
    question = context["question"]
    return (workshop.state == WorkshopState.LIVE and question is not None
            and question.state == QuestionState.OPEN and context["mine"] is None
            and context["results"] is None and not context["draft"])


@dataclass
class EndedResult:
    """One question on the phones' results page after the workshop."""

    question: Question
    results: Results
    shown: bool  # False when fewer than SMALL_GROUP people answered


def ended_results(workshop: Workshop) -> list[EndedResult]:
    """Every question's aggregate results for participants (hidden answers left out)."""
    items = []
    for question in workshop.questions:
        results = question_results(question)
        items.append(EndedResult(question, results, results.total >= SMALL_GROUP))
    return items
