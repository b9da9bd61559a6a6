"""The contributions layer: every piece of stakeholder input as one uniform row.

Four sources (reactions to findings, comments on findings, forum posts, workshop
responses) become one ``UNION ALL`` with the same columns. Eligibility is applied
here, once, for every research output: only people who consented to research use,
and only visible material (never held, hidden or author-deleted posts, nor open-text
answers a facilitator hid). Everything downstream (dashboard, CSV, PDF, API)
filters and aggregates this query in SQL.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    cast,
    exists,
    false,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import Select

from dialogue.auth.models import EducationRole, Phase, SchoolType, User
from dialogue.extensions import db
from dialogue.reports.models import Code, Coding

KIND_LABELS = {
    "reaction": "Reaction to a finding",
    "comment": "Comment on a finding",
    "post": "Forum post",
    "response": "Workshop response",
}

COLUMNS = ("kind", "id", "user_id", "education_role", "phase", "school_type", "locality_id",
           "finding_id", "thread_id", "workshop_id", "question_id", "answer", "text",
           "created_at", "status")


def _workshop_models():
    """The workshop models, if that feature has landed (it is built alongside this one)."""
    try:
        from dialogue.workshops import models as workshops
    except ImportError:  # pragma: no cover - the package exists; its models may not
        return None
    needed = ("Workshop", "Question", "Option", "Participant", "Response")
    return workshops if all(hasattr(workshops, name) for name in needed) else None


def _reactions() -> Select:
    from dialogue.briefings.models import Reaction

    return select(
        literal("reaction").label("kind"),
        Reaction.id.label("id"),
        Reaction.user_id.label("user_id"),
        cast(Reaction.education_role, String(30)).label("education_role"),
        cast(Reaction.phase, String(30)).label("phase"),
        cast(Reaction.school_type, String(30)).label("school_type"),
        Reaction.locality_id.label("locality_id"),
        Reaction.finding_id.label("finding_id"),
        cast(null(), Integer).label("thread_id"),
        cast(null(), Integer).label("workshop_id"),
        cast(null(), Integer).label("question_id"),
        cast(Reaction.answer, String(30)).label("answer"),
        cast(literal(""), Text).label("text"),
        Reaction.updated_at.label("created_at"),
        literal("visible").label("status"),
    ).join(User, User.id == Reaction.user_id).where(User.research_consent.is_(true()))


def _posts(with_text: bool = True) -> Select:
    from dialogue.forums.models import Thread
    from dialogue.moderation.models import Post, PostStatus

    return (
        select(
            cast(
                # Comments on findings and forum posts are one table, told apart here.
                db.case((Post.finding_id.is_not(None), literal("comment")),
                        else_=literal("post")),
                String(10),
            ).label("kind"),
            Post.id.label("id"),
            Post.author_id.label("user_id"),
            cast(Post.education_role, String(30)).label("education_role"),
            cast(Post.phase, String(30)).label("phase"),
            cast(Post.school_type, String(30)).label("school_type"),
            Post.author_locality_id.label("locality_id"),
            Post.finding_id.label("finding_id"),
            Post.thread_id.label("thread_id"),
            cast(null(), Integer).label("workshop_id"),
            cast(null(), Integer).label("question_id"),
            cast(literal(""), String(30)).label("answer"),
            (cast(Post.body, Text) if with_text else cast(literal(""), Text)).label("text"),
            Post.created_at.label("created_at"),
            cast(Post.status, String(10)).label("status"),
        )
        .join(User, User.id == Post.author_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .where(User.research_consent.is_(true()), Post.status == PostStatus.VISIBLE,
               Thread.deleted_at.is_(None))
    )


def _responses(with_text: bool = True) -> Select | None:
    workshops = _workshop_models()
    if workshops is None:
        return None
    return workshop_responses_select(workshops, with_text)


def workshop_responses_select(workshops, with_text: bool = True) -> Select:
    """Workshop responses from participants linked to a consenting account."""
    Workshop, Question, Option, Participant, Response = (
        workshops.Workshop, workshops.Question, workshops.Option, workshops.Participant,
        workshops.Response)
    # The answer as words: the option chosen, or the scale point. Multiple-choice and
    # ranking answers (lists of options) stay in the CSV's text column, not the counts.
    scale = db.case(*((Response.value == value, literal(label))
                      for value, label in workshops.SCALE_LABELS.items()), else_=literal(""))
    answer = cast(db.func.coalesce(Option.label, scale), String(300))
    text_column = Response.text if with_text else literal("")
    query = (
        select(
            literal("response").label("kind"),
            Response.id.label("id"),
            Participant.user_id.label("user_id"),
            cast(db.func.coalesce(cast(Participant.education_role, String(30)),
                                  cast(User.education_role, String(30))), String(30))
            .label("education_role"),
            cast(db.func.coalesce(cast(Participant.phase, String(30)),
                                  cast(User.phase, String(30))), String(30)).label("phase"),
            cast(User.school_type, String(30)).label("school_type"),
            Workshop.locality_id.label("locality_id"),
            cast(null(), Integer).label("finding_id"),
            cast(null(), Integer).label("thread_id"),
            Workshop.id.label("workshop_id"),
            Question.id.label("question_id"),
            answer.label("answer"),
            cast(db.func.coalesce(text_column, ""), Text).label("text"),
            Response.created_at.label("created_at"),
            literal("visible").label("status"),
        )
        .join(Participant, Participant.id == Response.participant_id)
        .join(User, User.id == Participant.user_id)
        .join(Question, Question.id == Response.question_id)
        .join(Workshop, Workshop.id == Question.workshop_id)
        .outerjoin(Option, Option.id == Response.option_id)
        .where(User.research_consent.is_(true()), Response.hidden.is_(false()))
    )
    return query


def all_contributions(*, with_text: bool = True):
    """The eligible contributions of every source as one subquery named ``c``.

    Aggregates pass ``with_text=False``: the database then carries an empty string
    instead of every body through the union, which it may have to materialise.
    """
    parts = [_reactions(), _posts(with_text)]
    responses = _responses(with_text)
    if responses is not None:
        parts.append(responses)
    return union_all(*parts).subquery("c")


# --- filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a researcher narrowed the data to; every output takes the same filters."""

    locality: int | None = None
    phase: str | None = None
    school_type: str | None = None
    education_role: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    briefing: int | None = None
    finding: int | None = None
    workshop: int | None = None
    code: int | None = None
    kind: str | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Parse query-string filters, ignoring values that are not valid choices."""

        def integer(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None

        def choice(name, allowed):
            value = (args.get(name) or "").strip()
            return value if value in allowed else None

        def day(name):
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        return cls(
            locality=integer("locality"),
            phase=choice("phase", {p.value for p in Phase}),
            school_type=choice("school_type", {s.value for s in SchoolType}),
            education_role=choice("education_role", {r.value for r in EducationRole}),
            date_from=day("date_from"),
            date_to=day("date_to"),
            briefing=integer("briefing"),
            finding=integer("finding"),
            workshop=integer("workshop"),
            code=integer("code"),
            kind=choice("kind", set(KIND_LABELS)),
        )

    def items(self) -> list[tuple[str, str]]:
        """The filters that are set, as (name, value) strings in a fixed order."""
        pairs = []
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value is not None:
                pairs.append((f.name, value.isoformat() if isinstance(value, date)
                              else str(value)))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.items())

    def is_empty(self) -> bool:
        return not self.items()


def apply_filters(query: Select, c, filters: Filters, *, skip: tuple[str, ...] = ()) -> Select:
    """Narrow a query over the contributions subquery ``c`` to ``filters``."""
    conditions = []
    if filters.locality is not None and "locality" not in skip:
        conditions.append(c.c.locality_id == filters.locality)
    if filters.phase and "phase" not in skip:
        conditions.append(c.c.phase == filters.phase)
    if filters.school_type:
        conditions.append(c.c.school_type == filters.school_type)
    if filters.education_role:
        conditions.append(c.c.education_role == filters.education_role)
    if filters.date_from:
        conditions.append(c.c.created_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        conditions.append(c.c.created_at < datetime.combine(filters.date_to, time.min, UTC)
                          + timedelta(days=1))
    if filters.finding is not None:
        conditions.append(c.c.finding_id == filters.finding)
    if filters.briefing is not None:
        from dialogue.briefings.models import Finding

        conditions.append(c.c.finding_id.in_(
            select(Finding.id).where(Finding.briefing_id == filters.briefing)))
    if filters.workshop is not None:
        conditions.append(c.c.workshop_id == filters.workshop)
    if filters.kind:
        conditions.append(c.c.kind == filters.kind)
    if filters.code is not None:
        # A theme includes the codes filed under it.
        code_ids = select(Code.id).where(or_(Code.id == filters.code,
                                             Code.parent_id == filters.code))
        conditions.append(exists().where(
            Coding.contribution_kind == c.c.kind, Coding.contribution_id == c.c.id,
            Coding.code_id.in_(code_ids)))
    return query.where(and_(true(), *conditions))


def filtered(filters: Filters, *, with_text: bool = True):
    """(subquery c, select of every column of c narrowed to the filters)."""
    c = all_contributions(with_text=with_text)
    return c, apply_filters(select(c), c, filters)


# --- people -------------------------------------------------------------------------


def pseudonym(user_id: int | None) -> str:
    """A stable pseudonym for a person: an HMAC of their id under the app's secret key.

    The same person gets the same pseudonym in every export and API response, and it
    cannot be turned back into an id without the key.
    """
    if user_id is None:
        return ""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"person:{user_id}".encode(), hashlib.sha256).hexdigest()
    return "P-" + digest[:12]


def is_eligible(kind: str, ident: int) -> bool:
    """Whether this contribution exists and research may use it (consent, visibility)."""
    c = all_contributions(with_text=False)
    return db.session.scalar(select(c.c.id).where(c.c.kind == kind, c.c.id == ident)
                             .limit(1)) is not None
