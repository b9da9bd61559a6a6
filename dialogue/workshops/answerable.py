"""The current question as an answer needs it, kept per worker for each state version.

A room answers within seconds of *Next*, and every answer needs the same things: which
question is current, its kind and options (to check the answer) and its wording (for
the confirmation). Loading them through the ORM for each answer (the workshop, the
question, its options, then the workshop again for the page) was most of an answer's
cost. So the first answer after a change loads them once into plain frozen objects,
and the rest of the room's answers use those.

What makes this safe (the same reasoning as ``question_fragments``):
- An entry is keyed by the workshop's code, id and ``state_version``, which moves on in
  the same transaction as every change to the current question, its wording, options or
  state, the workshop's state and the timer (``live.bump``); an entry is never stale.
- It decides nothing on its own: the write re-checks the question's state, the current
  question and the deadline from the database under a share lock on the question's row
  (``participants.store_answer``). A copy that says "open" when the question has just
  closed only means that the answer is refused there, as it would have been anyway.
- Anything out of the ordinary (no current question, not open, results showing on the
  phones, a ranking being moved without JavaScript) is left to the ORM path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from dialogue.workshops.models import Question, QuestionKind, Workshop

MAX_ENTRIES = 256


@dataclass(frozen=True)
class OptionView:
    id: int
    label: str


@dataclass(frozen=True)
class QuestionView:
    """What ``answers.parse_answer`` and the answer form read of a question."""

    id: int
    workshop_id: int
    kind: str
    prompt: str
    max_choices: int | None
    state: str
    results_hidden: bool
    revealed: bool
    options: tuple[OptionView, ...]

    @property
    def uses_scale(self) -> bool:
        return self.kind in (QuestionKind.SCALE, QuestionKind.FINDING_CHECK)


@dataclass(frozen=True)
class WorkshopView:
    """What the participant's live region reads of a workshop."""

    id: int
    code: str
    title: str
    state: str
    state_version: int
    closes_at: datetime | None


@dataclass(frozen=True)
class Answerable:
    workshop: WorkshopView
    question: QuestionView | None  # the current question (None: there is none)


@dataclass(frozen=True)
class AnswerView:
    """An answer just written, for the confirmation (``Response``'s answer columns)."""

    option_id: int | None = None
    value: int | None = None
    choices: list | None = None
    text: str | None = None


def _question_view(question: Question) -> QuestionView:
    return QuestionView(question.id, question.workshop_id, str(question.kind),
                        question.prompt, question.max_choices, str(question.state),
                        question.results_hidden, question.revealed,
                        tuple(OptionView(o.id, o.label) for o in question.options))


def snapshot(workshop: Workshop) -> Answerable:
    """The workshop and its current question as loaded now (through the ORM)."""
    question = workshop.current_question
    return Answerable(
        WorkshopView(workshop.id, workshop.code, workshop.title, str(workshop.state),
                     workshop.state_version, workshop.closes_at),
        _question_view(question) if question is not None else None)


class AnswerableCache:
    """A small map of (code, workshop id, state version) -> Answerable for this process."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: dict[tuple[str, int, int], Answerable] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, code: str, workshop_id: int, state_version: int) -> Answerable | None:
        return self._entries.get((code, workshop_id, state_version))

    def put(self, item: Answerable) -> None:
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()  # old versions are never asked for again
            key = (item.workshop.code, item.workshop.id, item.workshop.state_version)
            self._entries[key] = item


answerables = AnswerableCache()
