"""What an answer may be: a submitted form checked against its question, and the refusals.

``parse_answer`` only reads the question it is given, so the answer view runs it before
taking SQLite's write lock, once per request; ``participants.store_answer`` then writes what
it returned.
"""

from __future__ import annotations

from collections.abc import Callable

from dialogue.refusals import Unprocessable
from dialogue.workshops.models import SCALE_LABELS, InvalidTransition, Question, QuestionKind

MAX_TEXT = 500
ANSWER_COLUMNS = ("option_id", "value", "choices", "text")


class AnswerRefused(Unprocessable):
    """An answer that cannot be stored as sent (422); the message is shown to the participant."""


class QuestionNotOpen(InvalidTransition):
    """The question is not taking answers now: not open yet, closed, or moved on from (409)."""


def _ints(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise AnswerRefused("That answer is not one of the choices.") from None


def _single(question: Question, form) -> dict:
    chosen = _ints(form.getlist("option"))
    if len(chosen) != 1:
        raise AnswerRefused("Choose one answer.")
    if chosen[0] not in {option.id for option in question.options}:
        raise AnswerRefused("That answer is not one of this question's choices.")
    return {"option_id": chosen[0]}


def _multiple(question: Question, form) -> dict:
    option_ids = [option.id for option in question.options]
    chosen = _ints(form.getlist("option"))
    if not chosen:
        raise AnswerRefused("Choose at least one answer.")
    if len(set(chosen)) != len(chosen) or not set(chosen) <= set(option_ids):
        raise AnswerRefused("Those answers are not this question's choices.")
    limit = question.max_choices or len(option_ids)
    if len(chosen) > limit:
        raise AnswerRefused(f"Choose no more than {limit}.")
    return {"choices": sorted(chosen, key=option_ids.index)}


def _scale(question: Question, form) -> dict:
    values = _ints(form.getlist("value"))
    if len(values) != 1:
        raise AnswerRefused("Choose how far you agree.")
    if values[0] not in SCALE_LABELS:
        raise AnswerRefused("Choose a point on the scale from 1 to 5.")
    return {"value": values[0]}


def _ranking(question: Question, form) -> dict:
    order = _ints(form.getlist("ranking"))
    if sorted(order) != sorted(option.id for option in question.options):
        raise AnswerRefused("Put every item in order: the ranking was incomplete.")
    return {"choices": order}


def _text(question: Question, form) -> dict:
    text = (form.get("text") or "").strip()
    if not text:
        raise AnswerRefused("Enter your answer.")
    if len(text) > MAX_TEXT:
        raise AnswerRefused(f"Keep your answer to {MAX_TEXT} characters or fewer.")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise AnswerRefused("Remove the invisible control characters from your answer.")
    return {"text": text}


_PARSERS: dict[str, Callable[[Question, object], dict]] = {
    QuestionKind.SINGLE: _single,
    QuestionKind.MULTIPLE: _multiple,
    QuestionKind.SCALE: _scale,
    QuestionKind.FINDING_CHECK: _scale,
    QuestionKind.RANKING: _ranking,
    QuestionKind.OPEN_TEXT: _text,
}


def parse_answer(question: Question, form) -> dict:
    """Check a submitted answer against the question; return every Response answer column.

    ``form`` is a MultiDict: ``option`` (one, or several for multiple choice),
    ``value`` (1-5), ``ranking`` (every option id, best first) or ``text``.
    """
    columns = dict.fromkeys(ANSWER_COLUMNS)
    columns.update(_PARSERS[question.kind](question, form))
    return columns
