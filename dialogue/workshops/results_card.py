"""A workshop's results card: what the room answered, as aggregates fit to publish.

Built from the facilitator's own tallies (``dialogue.workshops.results``), under the rules
every output about people follows:

- a question fewer than 5 people answered shows no figures at all (``disclosure``), and its
  figures are not even kept in the card, so nothing published can give them away;
- breakdowns by role and phase are ``results.agreement_by``'s, which withhold small groups
  and the groups that would let them be worked out from the total (``suppression``);
- a question whose results the facilitator never showed the room is left out;
- no answer is quoted. Open-text questions show only the words used in the answers of at
  least 5 people, counted from visible answers (a hidden answer is left out) of
  participants whose account agreed to research use: the research outputs' consent rule
  (``reports.contributions``: a response counts when its participant is linked to a
  consenting account). A phone that joined without an account never agreed, so its words
  stay out; its choices count in the room's figures, as they did on the room's screen.

A plain function of the database, so tests build data and read the card without a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select, true

from dialogue.auth.models import User
from dialogue.disclosure import SMALL_CELL, SUPPRESSED, cell, is_small
from dialogue.extensions import db
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS
from dialogue.workshops.models import Participant, Question, QuestionKind, Workshop
from dialogue.workshops.results import (
    agreement_by,
    average_text,
    percent,
    percent_text,
    question_results,
)
from dialogue.workshops.wordcloud import edits_for, word_counts

BREAKDOWNS = (("phase", "By phase", PHASE_LABELS),
              ("education_role", "By role", EDUCATION_ROLE_LABELS))
MAX_CARD_WORDS = 10


@dataclass
class Row:
    """One answer of a question: its label, how many gave it and their share."""

    label: str
    count: int
    share: str


@dataclass
class GroupRow:
    """One group of a breakdown, as it may be shown ("fewer than 5", "Not shown")."""

    label: str
    answers: str
    agree: str


@dataclass
class Breakdown:
    title: str
    groups: list[GroupRow] = field(default_factory=list)


@dataclass
class National:
    """The research's figure for the finding the question checked."""

    value: str
    measures: str
    base: str
    source: str


@dataclass
class CardQuestion:
    """One question on the card. ``shown`` is False when too few answered: then every
    figure below is empty."""

    prompt: str
    kind: str
    answers: int
    shown: bool
    rows: list[Row] = field(default_factory=list)
    ranking: list[Row] = field(default_factory=list)  # share: the average position
    agree: str = ""
    finding_key: str | None = None
    finding_title: str = ""
    national: National | None = None
    breakdowns: list[Breakdown] = field(default_factory=list)
    words: list[Row] = field(default_factory=list)  # count: people who used the word

    @property
    def answers_text(self) -> str:
        if not self.shown:
            return f"{SUPPRESSED} answers"
        return f"{self.answers} {'answer' if self.answers == 1 else 'answers'}"


@dataclass
class Card:
    """The whole card: the workshop, how many took part, its questions, what was left out."""

    workshop_id: int
    title: str
    date: str
    place: str
    participants: str
    questions: list[CardQuestion] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def date_text(self) -> str:
        """The workshop's date as pages print it ("18 November 2026")."""
        day = dt.date.fromisoformat(self.date)
        return f"{day.day} {day:%B %Y}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Card:
        questions = []
        for q in data.get("questions", []):
            q = dict(q)
            q["rows"] = [Row(**r) for r in q.get("rows", [])]
            q["ranking"] = [Row(**r) for r in q.get("ranking", [])]
            q["words"] = [Row(**r) for r in q.get("words", [])]
            q["national"] = National(**q["national"]) if q.get("national") else None
            q["breakdowns"] = [Breakdown(b["title"], [GroupRow(**g) for g in b["groups"]])
                               for b in q.get("breakdowns", [])]
            questions.append(CardQuestion(**q))
        return cls(**{**data, "questions": questions})

    def for_finding(self, key: str) -> list[CardQuestion]:
        """The card's checks of this finding."""
        return [q for q in self.questions if q.finding_key == key]

    @property
    def finding_keys(self) -> list[str]:
        return sorted({q.finding_key for q in self.questions if q.finding_key})


def consenting_words(question: Question, answers) -> list[Row]:
    """The words of visible answers by consenting participants that at least SMALL_CELL
    people used, with the facilitator's word cloud edits applied."""
    participant_ids = [a.participant_id for a in answers]
    consenting = set(db.session.scalars(
        select(Participant.id).join(User, User.id == Participant.user_id)
        .where(Participant.id.in_(participant_ids), User.research_consent.is_(true()))))
    texts = [a.text or "" for a in answers if a.participant_id in consenting and not a.hidden]
    counted = word_counts(texts, edits_for(question))
    return [Row(word, n, "") for word, n in counted if n >= SMALL_CELL][:MAX_CARD_WORDS]


def _breakdowns(question: Question) -> list[Breakdown]:
    result = []
    for attribute, title, labels in BREAKDOWNS:
        groups = agreement_by(question, attribute)
        if len(groups) < 2:  # one group is the whole room, already shown
            continue
        result.append(Breakdown(title, [
            GroupRow(labels.get(g.key, g.key.capitalize()), g.answers_text, g.agree_text)
            for g in groups]))
    return result


def card_question(question: Question) -> CardQuestion | None:
    """The card's entry for one question, or None if nobody answered it."""
    results = question_results(question)
    if results.total == 0:
        return None
    entry = CardQuestion(prompt=question.prompt, kind=question.kind, answers=results.total,
                         shown=not is_small(results.total), finding_key=question.finding_key)
    if results.national is not None:
        entry.finding_title = results.national.finding_title
        entry.national = National(results.national.value, results.national.measures,
                                  results.national.base, results.national.source)
    if not entry.shown:
        entry.answers = 0  # the exact small number is not kept either
        return entry
    kind = question.kind
    if kind == QuestionKind.OPEN_TEXT:
        entry.words = consenting_words(question, results.answers)
        return entry
    if kind == QuestionKind.RANKING:
        entry.ranking = [Row(r["label"], r["first"], average_text(r["average_rank"]))
                         for r in results.ranking]
        return entry
    entry.rows = [Row(label, n, percent_text(percent(n, results.total)))
                  for label, n in results.rows]
    if question.uses_scale:
        entry.agree = results.agree_text
        entry.breakdowns = _breakdowns(question)
    return entry


def build_card(workshop: Workshop) -> Card:
    """The workshop's results card as it would be published now."""
    people = db.session.scalar(select(func.count(Participant.id))
                               .where(Participant.workshop_id == workshop.id)) or 0
    card = Card(workshop_id=workshop.id, title=workshop.title,
                date=workshop.date.isoformat(),
                place=workshop.locality.name if workshop.locality else "",
                participants=cell(people))
    never_shown = unanswered = 0
    for question in workshop.questions:
        if not question.results_visible:
            never_shown += 1
            continue
        entry = card_question(question)
        if entry is None:
            unanswered += 1
            continue
        card.questions.append(entry)
    if never_shown:
        card.left_out.append(_questions(never_shown) + " whose results were never shown "
                             "to the room")
    if unanswered:
        card.left_out.append(_questions(unanswered) + " nobody answered")
    return card


def _questions(n: int) -> str:
    return f"{n} {'question' if n == 1 else 'questions'}"


def card_markdown(card: Card, intro: str) -> str:
    """The card as the opening post of its thread (markdown, rendered as user text)."""
    lines = [intro.strip(), ""] if intro.strip() else []
    lines.append(f"Results of the workshop held on {card.date_text}, "
                 f"with {card.participants} participants. Figures for questions fewer "
                 "than 5 people answered, and for small groups, are not shown; no "
                 "answer is quoted.")
    for q in card.questions:
        lines += ["", f"**{_plain(q.prompt)}** ({q.answers_text})"]
        if not q.shown:
            continue
        if q.agree:
            lines.append("")
            lines.append(f"- Agreed: {q.agree}")
            if q.national is not None:
                lines.append(f"- National figure: {q.national.value} {_plain(q.national.measures)}"
                             f" ({_plain(q.national.source)})")
        else:
            lines.append("")
        for row in q.rows if not q.agree else []:
            lines.append(f"- {_plain(row.label)}: {row.count} ({row.share})")
        for rank, row in enumerate(q.ranking, start=1):
            lines.append(f"{rank}. {_plain(row.label)} (average position {row.share})")
        if q.kind == QuestionKind.OPEN_TEXT:
            lines.append("- Words used by at least 5 people who agreed to research use: "
                         + (", ".join(f"{w.label} ({w.count})" for w in q.words)
                            if q.words else "none"))
    if card.left_out:
        lines += ["", "Left out: " + "; ".join(card.left_out) + "."]
    return "\n".join(lines)


def _plain(text: str) -> str:
    """A label inside the post's markdown: its emphasis and link characters escaped, so a
    question's text reads as written."""
    for character in "\\*_[]`<>#":
        text = text.replace(character, "\\" + character)
    return " ".join(text.split())
