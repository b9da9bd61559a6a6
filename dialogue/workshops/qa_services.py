"""Audience Q&A verbs: ask, upvote and withdraw, and the facilitator's moderation.

Each flushes and never commits; the view commits once. Every write first moves the
workshop's Q&A version on (``_bump``): on PostgreSQL that UPDATE locks the settings row,
so two writes to one workshop's Q&A (two pins from two tabs, a double-sent question)
run one after the other and the second sees the first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dialogue import audit, refusals
from dialogue.auth.permissions import can_run_workshop
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops.models import Participant, Workshop, WorkshopState
from dialogue.workshops.participants import profile_of
from dialogue.workshops.qa import AudienceQuestion, QASettings, QAStatus, Upvote

MAX_QUESTION = 280
MAX_REASON = 1000
SORTS = ("votes", "newest")


class QuestionRefused(refusals.Unprocessable):
    """The question's text cannot be used as it is (empty, too long); the text is kept."""


class WrongWorkshop(refusals.Unprocessable):
    """The question, or the vote, belongs to another workshop."""


class QAClosed(refusals.InvalidTransition):
    """The workshop has ended, so its Q&A takes no more questions or votes."""


class AlreadyDone(refusals.InvalidTransition):
    """The same question asked twice, an upvote sent twice: nothing is stored again."""


class NotFacilitator(refusals.NotPermitted):
    """Only the workshop's facilitator (or an admin) moderates its Q&A."""


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
VERSION_BY_CODE = (
    select(Workshop.id, func.coalesce(QASettings.version, 0))
    .outerjoin(QASettings, QASettings.workshop_id == Workshop.id)
    .where(Workshop.code == bindparam("code")))


def _insert(model):
    return _INSERTS[db.session.get_bind().dialect.name](model)


# --- settings and the version ---------------------------------------------------------


def settings(workshop: Workshop) -> QASettings:
    """The workshop's Q&A settings row, made on first use."""
    found = db.session.get(QASettings, workshop.id)
    if found is None:
        _ensure_settings(workshop.id)
        found = db.session.get(QASettings, workshop.id)
    return found


def _ensure_settings(workshop_id: int) -> None:
    # Two first writes at once: the second insert does nothing.
    db.session.execute(_insert(QASettings).values(
        workshop_id=workshop_id, requires_approval=False, version=1)
        .on_conflict_do_nothing(index_elements=["workshop_id"]))


def _bump(workshop_id: int) -> int:
    """Move the Q&A version on inside the current transaction; return the new version."""
    _ensure_settings(workshop_id)
    version = db.session.execute(
        update(QASettings).where(QASettings.workshop_id == workshop_id)
        .values(version=QASettings.version + 1).returning(QASettings.version)
        .execution_options(synchronize_session=False)).scalar_one()
    found = db.session.identity_map.get((QASettings, (workshop_id,), None))
    if found is not None:
        db.session.expire(found, ["version"])
    return version


def workshop_ended(workshop_id: int) -> None:
    """Move the Q&A version on as the workshop ends: a phone polling the list then gets
    its last rendering, which says so and stops the polling, instead of "unchanged"."""
    _bump(workshop_id)


def version_for_code(code: str) -> tuple[int, int] | None:
    """(workshop id, Q&A version) for a join code: one indexed read, no ORM objects."""
    row = db.session.connection().execute(VERSION_BY_CODE, {"code": code}).one_or_none()
    return None if row is None else (row[0], row[1])


def version(workshop: Workshop) -> int:
    """The workshop's current Q&A version (0 before its first Q&A change)."""
    return db.session.scalar(select(QASettings.version)
                             .where(QASettings.workshop_id == workshop.id)) or 0


def set_requires_approval(workshop: Workshop, actor, required: bool) -> None:
    """Show new questions only once the facilitator approves them (or straight away)."""
    require_facilitator(workshop, actor)
    _bump(workshop.id)
    settings(workshop).requires_approval = required
    audit.record("workshops", "qa_approval_required" if required else "qa_approval_off",
                 actor, "workshop", workshop.id, locality_id=workshop.locality_id)
    db.session.flush()


# --- participants ---------------------------------------------------------------------


def check_text(text: str | None) -> str:
    """The question as it will be stored (as written; line endings made one), or a refusal."""
    text = (text or "").replace("\r\n", "\n")
    if not text.strip():
        raise QuestionRefused("Write your question.")
    if len(text) > MAX_QUESTION:
        raise QuestionRefused(f"A question must be {MAX_QUESTION} characters or fewer "
                              f"(this one has {len(text)}).")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise QuestionRefused("Write your question without control characters.")
    return text


def _require_open(workshop_id: int) -> None:
    state = db.session.scalar(select(Workshop.state).where(Workshop.id == workshop_id)
                              .execution_options(populate_existing=True))
    if state == WorkshopState.CLOSED:
        raise QAClosed("The workshop has ended, so its Q&A takes no more questions or votes.")


def ask(workshop: Workshop, participant: Participant, text: str | None) -> AudienceQuestion:
    """Store a participant's question, held for approval if the facilitator asked for that."""
    if participant.workshop_id != workshop.id:
        raise WrongWorkshop("You joined another workshop, so you cannot ask a question in "
                            "this one.")
    text = check_text(text)
    _bump(workshop.id)
    _require_open(workshop.id)
    wanted = " ".join(text.casefold().split())
    theirs = db.session.scalars(select(AudienceQuestion.text).where(
        AudienceQuestion.workshop_id == workshop.id,
        AudienceQuestion.participant_id == participant.id))
    if any(" ".join(other.casefold().split()) == wanted for other in theirs):
        raise AlreadyDone("You have already asked that question.")
    held = settings(workshop).requires_approval
    question = AudienceQuestion(workshop_id=workshop.id, participant_id=participant.id,
                                text=text, status=QAStatus.PENDING if held else QAStatus.VISIBLE)
    _copy_profile(question, participant)
    db.session.add(question)
    db.session.flush()
    return question


def _copy_profile(question: AudienceQuestion, participant: Participant) -> None:
    """The profile as the participant's answers keep it (``participants.profile_of``):
    taken now, so a later change of profile leaves the question as it was asked."""
    for name, value in profile_of(participant).items():
        setattr(question, name, value)


def _voteable(question: AudienceQuestion, participant: Participant) -> None:
    if question.workshop_id != participant.workshop_id:
        raise WrongWorkshop("That question belongs to another workshop.")
    _bump(question.workshop_id)
    _require_open(question.workshop_id)
    db.session.refresh(question, ["status"])


def upvote(question: AudienceQuestion, participant: Participant) -> None:
    """Add this participant's upvote. UNIQUE(question, participant) keeps it to one, even
    for two requests at once: the second inserts nothing and is told so."""
    _voteable(question, participant)
    if question.status != QAStatus.VISIBLE:
        raise refusals.InvalidTransition(
            "This question has been answered, so it takes no more votes."
            if question.status == QAStatus.ANSWERED
            else "This question is not showing, so it cannot be upvoted.")
    added = db.session.execute(
        _insert(Upvote).values(question_id=question.id, participant_id=participant.id,
                               created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["question_id", "participant_id"])
        .returning(Upvote.id)).scalar()
    if added is None:
        raise AlreadyDone("You have already upvoted this question.")


def withdraw(question: AudienceQuestion, participant: Participant) -> None:
    """Take back this participant's upvote."""
    _voteable(question, participant)
    removed = db.session.execute(
        delete(Upvote).where(Upvote.question_id == question.id,
                             Upvote.participant_id == participant.id)
        .returning(Upvote.id)).scalar()
    if removed is None:
        raise AlreadyDone("You have not upvoted this question, so there is nothing to "
                          "withdraw.")


# --- the facilitator ------------------------------------------------------------------


def require_facilitator(workshop: Workshop, actor) -> None:
    if not can_run_workshop(actor, workshop):
        raise NotFacilitator("Only the workshop's facilitator can moderate its questions, "
                             "pin one to the screen or mark one answered.")


def _moderated(question: AudienceQuestion, actor) -> Workshop:
    workshop = db.session.get(Workshop, question.workshop_id)
    require_facilitator(workshop, actor)
    _bump(workshop.id)
    db.session.refresh(question)
    return workshop


def _record(action: str, actor, question: AudienceQuestion, workshop: Workshop,
            **detail) -> None:
    audit.record("workshops", f"qa_{action}", actor, "workshop_qa_question", question.id,
                 locality_id=workshop.locality_id, workshop_id=workshop.id, **detail)
    db.session.flush()


def approve(question: AudienceQuestion, actor) -> str:
    """Show a waiting (or hidden) question to the room."""
    workshop = _moderated(question, actor)
    question.approve()
    _record("approve", actor, question, workshop)
    return "Question approved: the room can see it."


def hide(question: AudienceQuestion, actor, reason: str = "") -> str:
    """Take a question out of the room's list, with a reason (the text is kept)."""
    reason = (reason or "").strip()
    if not reason:
        raise refusals.Unprocessable("Give a reason for hiding the question.")
    if len(reason) > MAX_REASON:
        raise refusals.Unprocessable(f"The reason must be {MAX_REASON} characters or fewer.")
    workshop = _moderated(question, actor)
    question.hide(actor.id, reason)
    _record("hide", actor, question, workshop, reason=reason)
    return "Question hidden from the room."


def pin(question: AudienceQuestion, actor) -> str:
    """Put a question on the audience screen, taking any other one off."""
    workshop = _moderated(question, actor)
    if workshop.state == WorkshopState.CLOSED:
        raise QAClosed("The workshop has ended, so nothing can go on its screen.")
    if not question.pinned:
        db.session.execute(update(AudienceQuestion).where(
            AudienceQuestion.workshop_id == workshop.id, AudienceQuestion.pinned.is_(True))
            .values(pinned=False).execution_options(synchronize_session="fetch"))
    question.pin()
    _record("pin", actor, question, workshop)
    return "Question pinned to the screen."


def unpin(question: AudienceQuestion, actor) -> str:
    """Take a question off the audience screen."""
    workshop = _moderated(question, actor)
    question.unpin()
    _record("unpin", actor, question, workshop)
    return "Question taken off the screen."


def mark_answered(question: AudienceQuestion, actor) -> str:
    """Mark a question answered: it stays in the list, marked, and leaves the screen."""
    workshop = _moderated(question, actor)
    question.mark_answered()
    _record("answered", actor, question, workshop)
    return "Question marked as answered."


MODERATION = {"approve": approve, "hide": hide, "pin": pin, "unpin": unpin,
              "answered": mark_answered}


def moderate(question: AudienceQuestion, actor, action: str, reason: str = "") -> str:
    """Apply one moderation step by name; return what happened, in a sentence."""
    step = MODERATION.get(action)
    if step is None:
        raise refusals.Unprocessable("Unknown Q&A action.")
    return step(question, actor, reason) if step is hide else step(question, actor)


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A question as a list shows it: with its upvotes and whether this participant's is one."""

    question: AudienceQuestion
    votes: int
    mine: bool = False


def _votes():
    return (select(Upvote.question_id, func.count(Upvote.id).label("n"))
            .group_by(Upvote.question_id).subquery())


def _listed(where, order, participant_id: int | None = None) -> list[Listed]:
    votes = _votes()
    mine = (select(Upvote.id).where(Upvote.question_id == AudienceQuestion.id,
                                    Upvote.participant_id == (participant_id or 0))
            .exists())
    rows = db.session.execute(
        select(AudienceQuestion, func.coalesce(votes.c.n, 0), mine)
        .outerjoin(votes, votes.c.question_id == AudienceQuestion.id)
        .where(*where).order_by(*order(votes))).all()
    return [Listed(question, count, bool(voted)) for question, count, voted in rows]


def _by_votes(votes):
    return (func.coalesce(votes.c.n, 0).desc(), AudienceQuestion.created_at.desc(),
            AudienceQuestion.id.desc())


def _newest(votes):
    return (AudienceQuestion.created_at.desc(), AudienceQuestion.id.desc())


def questions_for(workshop: Workshop, participant: Participant | None,
                  sort: str = "votes") -> list[Listed]:
    """What a phone lists: the room's questions, and the participant's own that wait for
    approval or were hidden (only they see those), by votes or newest first."""
    shown = AudienceQuestion.status.in_((QAStatus.VISIBLE, QAStatus.ANSWERED))
    if participant is not None:
        shown = shown | (AudienceQuestion.participant_id == participant.id)
    return _listed((AudienceQuestion.workshop_id == workshop.id, shown),
                   _newest if sort == "newest" else _by_votes,
                   participant.id if participant is not None else None)


def moderation_lists(workshop: Workshop) -> dict[str, list[Listed]]:
    """Every question of the workshop by status, for the facilitator's console."""
    lists: dict[str, list[Listed]] = {status.value: [] for status in QAStatus}
    for item in _listed((AudienceQuestion.workshop_id == workshop.id,), _by_votes):
        lists[item.question.status].append(item)
    return lists


def pinned(workshop: Workshop) -> Listed | None:
    """The question on the audience screen, with its upvotes, or None."""
    found = _listed((AudienceQuestion.workshop_id == workshop.id,
                     AudienceQuestion.pinned.is_(True)), _by_votes)
    return found[0] if found else None


def load_question(workshop: Workshop, question_id: int | None) -> AudienceQuestion | None:
    """One of this workshop's Q&A questions, or None (missing, or another workshop's)."""
    question = db.session.get(AudienceQuestion, question_id or 0)
    return question if question is not None and question.workshop_id == workshop.id else None


# --- results, exports and erasure -----------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One question the room saw, for the results page, PDF and research."""

    text: str
    votes: int
    answered: bool
    asked_at: datetime
    education_role: str | None
    phase: str | None


def qa_summary(workshop: Workshop) -> list[SummaryRow]:
    """The questions the room saw (never waiting or hidden ones), most upvoted first."""
    shown = AudienceQuestion.status.in_((QAStatus.VISIBLE, QAStatus.ANSWERED))
    return [SummaryRow(item.question.text, item.votes,
                       item.question.status == QAStatus.ANSWERED, item.question.created_at,
                       item.question.education_role, item.question.phase)
            for item in _listed((AudienceQuestion.workshop_id == workshop.id, shown),
                                _by_votes)]


def qa_export_rows(workshop: Workshop) -> list[list]:
    """Every question as rows in the columns of the workshop's results CSV
    (``exports.CSV_HEADER``): question "Q&A", type "audience_question", the question
    as the answer, its upvotes as the value, hidden "yes" unless the room saw it."""
    rows = []
    for item in _listed((AudienceQuestion.workshop_id == workshop.id,), _newest):
        question = item.question
        changed = question.answered_at or question.hidden_at or question.created_at
        rows.append(["Q&A", "Audience Q&A", "", "audience_question",
                     f"P{question.participant_id}", question.education_role or "",
                     question.phase or "", question.text, item.votes,
                     "no" if question.is_shown else "yes", question.created_at.isoformat(),
                     changed.isoformat()])
    rows.reverse()  # oldest first, as the answers are
    return rows


def erase(user_id: int) -> None:
    """Delete the questions and upvotes of every participant row linked to the person."""
    theirs = select(Participant.id).where(Participant.user_id == user_id)
    db.session.execute(delete(Upvote).where(Upvote.participant_id.in_(theirs)))
    db.session.execute(delete(AudienceQuestion).where(
        AudienceQuestion.participant_id.in_(theirs)))
