"""The contributions layer: every piece of stakeholder input as one uniform row.

Five sources (reactions to findings, comments on findings, forum posts, workshop
responses, questions asked in a workshop's Q&A) become one ``UNION ALL`` with the same
columns. Eligibility is applied here, once, for every research output: only people who
consented to research use, and only visible material (never held, hidden or
author-deleted posts, nor open-text answers a facilitator hid, nor Q&A questions the
room never saw: waiting for approval, or hidden). Everything downstream (dashboard,
CSV, PDF, API) filters and aggregates this query in SQL.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import Integer, String, Text, cast, false, literal, null, select, true, union_all
from sqlalchemy.sql import Select

from dialogue.auth.models import User
from dialogue.briefings.models import Reaction
from dialogue.discussion.models import Post, PostStatus
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.localities import Locality
from dialogue.reports.filters import Filters, apply_filters
from dialogue.workshops.models import (
    SCALE_LABELS,
    Option,
    Participant,
    Question,
    Response,
    Workshop,
)
from dialogue.workshops.qa import AudienceQuestion, QAStatus

COLUMNS = ("kind", "id", "user_id", "education_role", "phase", "school_type", "locality_id",
           "finding_id", "thread_id", "workshop_id", "question_id", "answer", "text",
           "created_at", "status")


def _reactions() -> Select:
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


def _responses(with_text: bool = True) -> Select:
    """Workshop responses from participants linked to a consenting account."""
    # The answer as words: the option chosen, or the scale point. Multiple-choice and
    # ranking answers (lists of options) stay in the CSV's text column, not the counts.
    scale = db.case(*((Response.value == value, literal(label))
                      for value, label in SCALE_LABELS.items()), else_=literal(""))
    answer = cast(db.func.coalesce(Option.label, scale), String(300))
    text_column = Response.text if with_text else literal("")
    query = (
        select(
            literal("response").label("kind"),
            Response.id.label("id"),
            Participant.user_id.label("user_id"),
            # The snapshot taken with the answer, never the account as it is now.
            cast(Response.education_role, String(30)).label("education_role"),
            cast(Response.phase, String(30)).label("phase"),
            cast(Response.school_type, String(30)).label("school_type"),
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


def _qa_questions(with_text: bool = True) -> Select:
    """Questions asked in a workshop's Q&A that the room saw, from participants linked to
    a consenting account: the same consent rule as their answers."""
    text_column = AudienceQuestion.text if with_text else literal("")
    return (
        select(
            literal("qa").label("kind"),
            AudienceQuestion.id.label("id"),
            Participant.user_id.label("user_id"),
            # The snapshot taken when they asked (as their answers keep one).
            cast(AudienceQuestion.education_role, String(30)).label("education_role"),
            cast(AudienceQuestion.phase, String(30)).label("phase"),
            cast(AudienceQuestion.school_type, String(30)).label("school_type"),
            Workshop.locality_id.label("locality_id"),
            cast(null(), Integer).label("finding_id"),
            cast(null(), Integer).label("thread_id"),
            Workshop.id.label("workshop_id"),
            cast(null(), Integer).label("question_id"),
            cast(literal(""), String(30)).label("answer"),
            cast(text_column, Text).label("text"),
            AudienceQuestion.created_at.label("created_at"),
            literal("visible").label("status"),
        )
        .join(Participant, Participant.id == AudienceQuestion.participant_id)
        .join(User, User.id == Participant.user_id)
        .join(Workshop, Workshop.id == AudienceQuestion.workshop_id)
        .where(User.research_consent.is_(true()),
               AudienceQuestion.status.in_((QAStatus.VISIBLE, QAStatus.ANSWERED)))
    )


def all_contributions(*, with_text: bool = True):
    """The eligible contributions of every source as one subquery named ``c``.

    Aggregates pass ``with_text=False``: the database then carries an empty string
    instead of every body through the union, which it may have to materialise.
    """
    return union_all(_reactions(), _posts(with_text), _responses(with_text),
                     _qa_questions(with_text)).subquery("c")


def filtered(filters: Filters, *, with_text: bool = True):
    """(subquery c, select of every column of c narrowed to the filters)."""
    c = all_contributions(with_text=with_text)
    return c, apply_filters(select(c), c, filters)


def scoped_to(filters: Filters, *, with_text: bool = False):
    """(subquery c, a function that narrows any query over c to the filters)."""
    c = all_contributions(with_text=with_text)
    return c, (lambda query: apply_filters(query, c, filters))


def locality_names() -> dict[int, str]:
    """Every locality's name by id."""
    return dict(db.session.execute(select(Locality.id, Locality.name)).all())


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
