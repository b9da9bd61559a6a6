"""Closing the loop: what people said about a finding ("You said"), and the research
team's published responses ("We did").

"You said" reuses the research outputs' own query and rules: the contributions research
may use (``dialogue.reports.contributions``: consent, moderation) and the reaction shares
with small and complementary groups withheld (``dialogue.reports.reactions``, which calls
``dialogue.suppression``). Nothing here decides again who counts or what is withheld.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date

from flask import has_request_context, request
from sqlalchemy import bindparam, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from dialogue import audit
from dialogue.auth.models import User
from dialogue.auth.permissions import can_publish_loop_response, can_write_loop_response
from dialogue.briefings.models import Briefing, Finding, Reaction
from dialogue.db import upsert_statement, utcnow
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.loop.models import LoopResponse, LoopRevision, ResponseStatus, YouSaidCache
from dialogue.markdown import render_user_markdown
from dialogue.notifications.services import notify
from dialogue.refusals import InvalidTransition, NotPermitted
from dialogue.reports.contributions import scoped_to
from dialogue.reports.filters import Filters
from dialogue.reports.reactions import ANSWER_LABELS, ANSWERS, Shares, protected_reactions
from dialogue.workshops.models import QuestionKind

log = logging.getLogger(__name__)

# Bumped when the payload's shape or rule changes, so old cached rows are recomputed
# (2: the unfiltered outputs' withholding is taken as well).
PAYLOAD_FORMAT = "2"
# How long a page read waits for SQLite's write lock to store the cache, and the wait
# every other connection keeps (dialogue.transactions.configure_sqlite).
CACHE_LOCK_WAIT_MS = 200
SQLITE_BUSY_MS = 15000


# --- "You said" ------------------------------------------------------------------------


def _shown(shares: Shares) -> dict:
    """One group as the page may show it: a withheld group carries no numbers at all."""
    if shares.withheld:
        return {"label": shares.label, "withheld": True}
    return {"label": shares.label, "withheld": False, "people": shares.people,
            "percents": {a: shares.percent(a) for a in ANSWERS}}


def _withheld_as_everywhere(entry: dict, unfiltered: dict | None) -> dict:
    """The finding's figures protected as the outputs filtered to it are, with every
    group the unfiltered outputs withhold for it withheld too (the union of the two).

    Protected apart, the two views disagree: the unfiltered outputs protect the findings
    jointly (a small finding's total is withheld beside its complement, another finding),
    which the filtered view, holding one finding, cannot see; so the page showed the
    complement's total and the small one was the outputs' total less the others (seed 37
    of ``tests/loop/test_you_said_disclosure.py``). The cached request-wide ``Shares``
    are copied, never changed: other outputs of the request read them.
    """
    if unfiltered is None or unfiltered["overall"].withheld:
        return {"overall": replace(entry["overall"], withheld=True),
                "by_phase": [], "by_locality": []}
    hidden = {s.key for bucket in ("by_phase", "by_locality") for s in unfiltered[bucket]
              if s.withheld}
    listed = {s.key for bucket in ("by_phase", "by_locality") for s in unfiltered[bucket]}
    return {"overall": entry["overall"], **{
        bucket: [replace(s, withheld=True) if s.key in hidden or s.key not in listed else s
                 for s in entry[bucket]]
        for bucket in ("by_phase", "by_locality")}}


def compute_you_said(finding_id: int) -> dict:
    """What people said about a finding, as shown to everyone: people who reacted and the
    shares of each answer overall, by phase and by locality (the research outputs'
    suppression, filtered to the finding and unfiltered: whatever either withholds), and
    the number of comments research may use."""
    found, _ = protected_reactions(Filters(finding=finding_id))
    entry = next((f for f in found if f["id"] == finding_id), None)
    c, scoped = scoped_to(Filters(finding=finding_id))
    comments = db.session.scalar(scoped(select(func.count()).select_from(c)
                                        .where(c.c.kind == "comment"))) or 0
    if entry is None:
        return {"reactions": None, "comments": comments}
    everything, _ = protected_reactions(Filters())
    entry = _withheld_as_everywhere(
        entry, next((f for f in everything if f["id"] == finding_id), None))
    return {"reactions": {"overall": _shown(entry["overall"]),
                          "by_phase": [_shown(s) for s in entry["by_phase"]],
                          "by_locality": [_shown(s) for s in entry["by_locality"]]},
            "comments": comments}


_VERSION = """SELECT
  (SELECT count(*) FROM reactions WHERE finding_id = :f),
  (SELECT max(updated_at) FROM reactions WHERE finding_id = :f),
  (SELECT count(*) FROM posts WHERE finding_id = :f),
  (SELECT count(author_id) FROM posts WHERE finding_id = :f),
  (SELECT sum(moderation_version) FROM posts WHERE finding_id = :f),
  (SELECT count(*) FROM posts WHERE finding_id = :f AND status = 'visible'),
  (SELECT max(id) FROM consent_events),
  (SELECT count(*) FROM users),
  {localities}"""

# Every locality's id and name, the figures carrying their names (a rename must move
# the version; a handful of rows). Each dialect names its string aggregate its own way.
_LOCALITIES = {
    "sqlite": "(SELECT group_concat(id || ':' || name, '|') FROM "
              "(SELECT id, name FROM localities ORDER BY id))",
    "postgresql": "(SELECT string_agg(id || ':' || name, '|' ORDER BY id) FROM localities)",
}

# A workshop question's kind as a number, for the stamp of every question's kind: which
# answers the polls count, and so which localities the outputs withhold, follows it (the
# pages fix an answered question's kind, but a repair to the data must be seen too).
_KIND_CODES = " ".join(f"WHEN '{kind.value}' THEN {n}"
                       for n, kind in enumerate(QuestionKind, start=1))


# What the unfiltered research outputs' decisions read, for every finding at once: every
# finding's reactions (the findings are protected jointly) and every eligible
# contribution's locality (the localities table, whose withheld localities each
# finding's rows withhold too, and the people shown workshop questions place there).
# Whole-table stamps of the contributions layer's sources, in the manner of _VERSION:
# reactions given, changed or removed; posts and forum posts posted, moderated,
# deleted; threads deleted; workshop answers given, changed or hidden; participants
# linked to an account; Q&A questions seen or hidden; a workshop moved to another
# locality; a question's kind. (Consent, accounts and localities are in _VERSION.)
_EVERYWHERE = text(f"""SELECT
  (SELECT count(*) FROM reactions),
  (SELECT max(updated_at) FROM reactions),
  (SELECT count(*) FROM posts),
  (SELECT count(author_id) FROM posts),
  (SELECT count(deleted_at) FROM posts),
  (SELECT sum(moderation_version) FROM posts),
  (SELECT count(*) FROM posts WHERE status = 'visible'),
  (SELECT count(deleted_at) FROM threads),
  (SELECT count(*) FROM workshop_responses),
  (SELECT max(updated_at) FROM workshop_responses),
  (SELECT sum(revision) FROM workshop_responses),
  (SELECT count(*) FROM workshop_responses WHERE hidden),
  (SELECT count(user_id) FROM workshop_participants),
  (SELECT count(*) FROM workshop_qa_questions),
  (SELECT count(*) FROM workshop_qa_questions WHERE status IN ('visible', 'answered')),
  (SELECT coalesce(sum(id * coalesce(locality_id, 0)), 0) FROM workshops),
  (SELECT coalesce(sum(id * CASE kind {_KIND_CODES} ELSE 0 END), 0)
     FROM workshop_questions)""")  # noqa: S608 - the codes are the enum's own values
_BUILT: dict[str, object] = {}


def _version_statement():
    """_VERSION with the localities' names, written once for the database in use."""
    dialect = db.engine.dialect.name
    if dialect not in _BUILT:
        _BUILT[dialect] = text(_VERSION.format(localities=_LOCALITIES[dialect]))
    return _BUILT[dialect]


def data_version(finding_id: int) -> str:
    """Moves whenever anything "You said" counts or shows may have changed: a reaction
    given, changed or removed; a comment posted, moderated, deleted or orphaned;
    anyone's consent recorded; an account removed; a locality added or renamed.

    The figures also take what the unfiltered research outputs withhold for the finding,
    and those decisions read every finding's reactions and every contribution's locality,
    so the version takes ``_EVERYWHERE`` too: any contribution anywhere recomputes every
    finding's figures on its next view. Both are plain-SQL aggregates over whole tables
    (no union of the contributions, whose compiling alone costs more than the rest);
    docs/you-said-we-did.md gives the cost. The stamps are hashed: the localities' names
    and the tables' growth would otherwise outgrow the cache's version column.
    """
    row = db.session.execute(_version_statement(), {"f": finding_id}).one()
    everywhere = db.session.execute(_EVERYWHERE).one()
    stamps = "|".join("" if v is None else str(v) for v in (*row, *everywhere))
    return PAYLOAD_FORMAT + ":" + hashlib.blake2b(stamps.encode(), digest_size=16).hexdigest()


def you_said(finding_id: int) -> dict:
    """The finding's "You said" figures, from the shared cache when they are current.

    The cache lives in the database, so every worker sees the same rows. Only a page
    read (GET) writes it, on a connection of its own with a short lock wait: the request's
    own transaction writes nothing, and a state-changing request (which holds SQLite's
    write lock from its start) would wait on itself. A row not written only costs the
    next request the same computation.
    """
    version = data_version(finding_id)
    cached = db.session.execute(select(YouSaidCache.version, YouSaidCache.payload)
                                .where(YouSaidCache.finding_id == finding_id)).first()
    if cached is not None and cached.version == version:
        return cached.payload
    payload = compute_you_said(finding_id)
    if has_request_context() and request.method in ("GET", "HEAD"):
        _store(finding_id, version, payload)
    return payload


def _store(finding_id: int, version: str, payload: dict) -> None:
    values = {"finding_id": finding_id, "version": version, "payload": payload,
              "computed_at": utcnow()}
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        with db.engine.connect() as connection:
            if sqlite:  # another writer holds the lock: give up soon, the page is ready
                connection.exec_driver_sql(f"PRAGMA busy_timeout={CACHE_LOCK_WAIT_MS}")
            try:
                connection.execute(upsert_statement(
                    db.engine.dialect.name, YouSaidCache, values, key=("finding_id",),
                    update=("version", "payload", "computed_at")))
                connection.commit()
            finally:
                connection.rollback()
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
                    connection.commit()
    except SQLAlchemyError as error:
        log.warning("you-said cache not written for finding %s: %s", finding_id, error)


def answer_labels() -> list[tuple[str, str]]:
    return [(a, ANSWER_LABELS[a]) for a in ANSWERS]


# --- "We did": writing, reviewing, publishing -------------------------------------------


class NotYourResponseToPublish(NotPermitted):
    """Only another researcher or an admin may publish a response."""


@dataclass(frozen=True)
class Target:
    """What a response answers: a briefing, or one of its findings."""

    briefing: Briefing
    finding: Finding | None = None

    @property
    def title(self) -> str:
        return self.finding.title if self.finding else self.briefing.title


def _render(body: str) -> str:
    return render_user_markdown(body)


def create_response(author: User, target: Target, title: str, body: str,
                    locality_id: int | None = None) -> LoopResponse:
    """Save a new draft response by ``author``."""
    if not can_write_loop_response(author):
        raise NotPermitted("Only researchers can write responses.")
    response = LoopResponse(
        briefing_id=target.briefing.id,
        finding_id=target.finding.id if target.finding else None,
        locality_id=locality_id, title=title, body=body, body_html=_render(body),
        author_id=author.id, status=ResponseStatus.DRAFT)
    db.session.add(response)
    db.session.flush()
    audit.record("loop", "response_drafted", author, "loop_response", response.id)
    return response


def edit_response(editor: User, response: LoopResponse, title: str, body: str,
                  locality_id: int | None, target: Target | None = None) -> LoopResponse:
    """Replace a response's text (and what it answers, when ``target`` is given),
    keeping the old text as a revision. A published response goes back to draft: the
    public only reads reviewed text."""
    if not can_write_loop_response(editor):
        raise NotPermitted("Only researchers can edit responses.")
    db.session.add(LoopRevision(
        response_id=response.id, title=response.title, body=response.body,
        body_html=response.body_html, edited_by_id=editor.id,
        was_published_on=response.published_on if response.is_published else None))
    if target is not None:
        response.briefing_id = target.briefing.id
        response.finding_id = target.finding.id if target.finding else None
    response.title, response.body = title, body
    response.body_html = _render(body)
    response.locality_id = locality_id
    response.updated_at = utcnow()
    if response.is_published:
        response.back_to_draft()
    # Whoever changed the text is now its author, so they cannot approve it themselves.
    response.author_id = editor.id
    db.session.flush()
    audit.record("loop", "response_edited", editor, "loop_response", response.id)
    return response


def publish_response(reviewer: User, response: LoopResponse, on: date) -> list[User]:
    """Publish a draft written by someone else, dated ``on``; tell the people who
    reacted to or commented on what it answers, or posted in the threads of the locality
    it names. Returns the people told."""
    if response.is_published:
        raise InvalidTransition("This response is already published.")
    if not can_publish_loop_response(reviewer, response):
        raise NotYourResponseToPublish(
            "Another researcher or an admin must review and publish this response: "
            "you cannot approve your own.")
    response.publish(reviewer, on)
    db.session.flush()
    audit.record("loop", "response_published", reviewer, "loop_response", response.id,
                 locality_id=response.locality_id)
    people = people_to_tell(response, reviewer)
    url = response_url(response)
    about = response.finding.title if response.finding else response.briefing.title
    for person in people:
        # notify() adds the in-app row to this transaction and sends mail only after
        # it commits, so a rolled-back publication tells nobody.
        notify(person, f"The research team responded to what people said about "
                       f"“{about}”: “{response.title}”", url)
    return people


def _finding_ids(response: LoopResponse) -> list[int]:
    if response.finding_id is not None:
        return [response.finding_id]
    return list(db.session.scalars(select(Finding.id)
                                   .where(Finding.briefing_id == response.briefing_id)))


def people_to_tell(response: LoopResponse, publisher: User) -> list[User]:
    """Distinct signed-in accounts that reacted to, or commented on, what the response
    answers (the finding, or every finding of the briefing), or posted in a thread of
    the locality it names (it is published there: issue 17, point 4); never the
    person publishing it."""
    ids = _finding_ids(response)
    told = []
    if ids:
        told += [User.id.in_(select(Reaction.user_id).where(Reaction.finding_id.in_(ids))),
                 User.id.in_(select(Post.author_id).where(Post.finding_id.in_(ids),
                                                          Post.author_id.is_not(None),
                                                          Post.deleted_at.is_(None)))]
    if response.locality_id is not None:
        told.append(User.id.in_(forums.thread_posters(response.locality_id)))
    if not told:
        return []
    return list(db.session.scalars(
        select(User).where(or_(*told), User.active.is_(True), User.id != publisher.id)
        .order_by(User.id)))


def response_url(response: LoopResponse) -> str:
    """Where a response is read: its finding's page, or its briefing's."""
    if response.finding is not None:
        return f"/findings/{response.finding.key}#we-did"
    return f"/briefings/{response.briefing.slug}#we-did"


# --- reading -----------------------------------------------------------------------------


def published(*, briefing_id: int | None = None, finding_id: int | None = None,
              briefing_wide: bool = False, locality_id: int | None = None):
    """A select of published responses, newest first, narrowed as asked."""
    query = (select(LoopResponse).where(LoopResponse.status == ResponseStatus.PUBLISHED)
             .options(selectinload(LoopResponse.finding), selectinload(LoopResponse.briefing),
                      selectinload(LoopResponse.locality))
             .order_by(LoopResponse.published_on.desc(), LoopResponse.published_at.desc(),
                       LoopResponse.id.desc()))
    if briefing_id is not None:
        query = query.where(LoopResponse.briefing_id == briefing_id)
    if finding_id is not None:
        query = query.where(LoopResponse.finding_id == finding_id)
    if briefing_wide:
        query = query.where(LoopResponse.finding_id.is_(None))
    if locality_id is not None:
        query = query.where(LoopResponse.locality_id == locality_id)
    return query


# The pages ask on every view; most findings have no response, so a bare existence check
# comes first, and the full query is built once (building it costs more than running it).
_ANY_FOR_FINDING = text("SELECT 1 FROM loop_responses WHERE finding_id = :target "
                        "AND status = 'published' LIMIT 1")
_ANY_FOR_BRIEFING = text("SELECT 1 FROM loop_responses WHERE briefing_id = :target "
                         "AND status = 'published' LIMIT 1")
_STATEMENTS: dict[str, object] = {}


def _built(name: str):
    if name not in _STATEMENTS:
        column = LoopResponse.finding_id if name == "finding" else LoopResponse.briefing_id
        _STATEMENTS[name] = published().where(column == bindparam("target"))
    return _STATEMENTS[name]


def for_finding(finding: Finding) -> list[LoopResponse]:
    """Published responses to this finding."""
    if db.session.execute(_ANY_FOR_FINDING, {"target": finding.id}).first() is None:
        return []
    return list(db.session.scalars(_built("finding"), {"target": finding.id}))


def for_briefing(briefing_id: int) -> list[LoopResponse]:
    """Published responses to this briefing or any of its findings."""
    if db.session.execute(_ANY_FOR_BRIEFING, {"target": briefing_id}).first() is None:
        return []
    return list(db.session.scalars(_built("briefing"), {"target": briefing_id}))


_STAMP = text("SELECT count(*), max(updated_at), max(id), max(published_at) "
              "FROM loop_responses WHERE briefing_id = :b AND status = 'published'")


def pdf_stamp(briefing_id: int) -> str:
    """Changes when a response to this briefing is published, edited or withdrawn (plain
    SQL: the briefing page asks on every view)."""
    row = db.session.execute(_STAMP, {"b": briefing_id}).one()
    return "" if not row[0] else "loop:" + "|".join(str(v) for v in row)


def drafts() -> list[LoopResponse]:
    """Every draft, oldest first (the review queue)."""
    return list(db.session.scalars(
        select(LoopResponse).where(LoopResponse.status == ResponseStatus.DRAFT)
        .order_by(LoopResponse.updated_at, LoopResponse.id)))
