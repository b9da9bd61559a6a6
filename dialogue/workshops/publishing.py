"""Publishing a workshop's results card: a thread in its locality's space, the findings it
checked, the phones of the people who took part.

The thread is started with the forums' own service (``forums.services.create_thread``), so
it is an ordinary thread: open for replies, followed by its author, moderated, searchable.
This is the workshops feature's one arrow to forums (see docs/architecture.md).
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Text, cast, exists, select, union

from dialogue import audit
from dialogue.auth.models import User
from dialogue.briefings.models import Finding, Reaction
from dialogue.discussion.models import Post, PostStatus
from dialogue.extensions import db
from dialogue.forums import services as forums
from dialogue.forums.services import MAX_TITLE
from dialogue.localities import Locality
from dialogue.notifications.services import notify
from dialogue.refusals import InvalidTransition, Unprocessable
from dialogue.workshops.card_models import MAX_INTRO, ResultsCard
from dialogue.workshops.models import Participant, Workshop, WorkshopState
from dialogue.workshops.results_card import Card, build_card, card_markdown

NATIONAL = "national"
THREAD_PREFIX = "Workshop results: "


class CardRefused(Unprocessable):
    """The card cannot be published or changed as asked (422 unless a state says 409)."""


def card_space(workshop: Workshop) -> Locality | None:
    """Where the card is posted: the workshop's locality, else the national space."""
    if workshop.locality is not None:
        return workshop.locality
    return db.session.scalar(select(Locality).where(Locality.slug == NATIONAL))


def card_for(workshop: Workshop) -> ResultsCard | None:
    return db.session.scalar(select(ResultsCard)
                             .where(ResultsCard.workshop_id == workshop.id))


def thread_title(workshop: Workshop) -> str:
    """The thread's title, "Workshop results: <title>", shortened to fit a thread's title."""
    title = THREAD_PREFIX + workshop.title.strip()
    if len(title) <= MAX_TITLE:
        return title
    return title[:MAX_TITLE - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def publish_refusal(workshop: Workshop, card: ResultsCard | None) -> str | None:
    """Why the card cannot be published now, or None if it can."""
    if card is not None and card.is_published:
        return "These results have already been published."
    if workshop.state != WorkshopState.CLOSED:
        return "The results can be published once the workshop has ended."
    if card_space(workshop) is None:
        return ("This workshop has no locality and there is no national space to post "
                "its results in. Give the workshop a locality first.")
    return None


def _check_intro(intro: str) -> str:
    if len(intro) > MAX_INTRO:
        raise CardRefused(f"The introduction must be {MAX_INTRO:,} characters or fewer.")
    return intro


def save_intro(workshop: Workshop, actor, intro: str) -> ResultsCard:
    """Keep the facilitator's introduction (before or after publishing; the figures stay)."""
    card = card_for(workshop)
    if card is None:
        card = ResultsCard(workshop_id=workshop.id, intro="")
        db.session.add(card)
    card.intro = _check_intro(intro)
    db.session.flush()
    audit.record("workshops", "results_card_intro", actor, "workshop", workshop.id)
    return card


def publish_card(workshop: Workshop, actor, intro: str) -> ResultsCard:
    """Publish the results card once: start its thread, keep its figures, tell the
    signed-in participants and the people who reacted to or commented on the findings
    it checked."""
    card = card_for(workshop)
    refusal = publish_refusal(workshop, card)
    if refusal is not None:
        raise InvalidTransition(refusal)
    card = save_intro(workshop, actor, intro)
    figures = build_card(workshop)
    thread, _post = forums.create_thread(actor, card_space(workshop), thread_title(workshop),
                                         card_markdown(figures, card.intro))
    card.publish(figures.to_dict(), figures.finding_keys, actor.id, thread.id)
    db.session.flush()
    audit.record("workshops", "results_card_published", actor, "workshop", workshop.id,
                 thread_id=thread.id, locality_id=thread.locality_id)
    link = url_for("forums.thread", thread_id=thread.id)
    for user in people_to_tell(workshop, actor, figures.finding_keys, thread.locality_id):
        notify(user, f"The results of the workshop \u201c{workshop.title}\u201d are "
                "published", link)
    return card


def people_to_tell(workshop: Workshop, actor, finding_keys: list[str],
                   locality_id: int) -> list[User]:
    """Everyone the card is news for, each once, apart from the person publishing: the
    signed-in participants, whoever reacted to or commented on a finding it checked
    (the card appears on those findings' pages), and whoever posted in a thread of the
    space it is published in (issue 17, point 4). Inactive accounts are not told, as
    with responses and thread replies."""
    findings = select(Finding.id).where(Finding.key.in_(finding_keys or [""]))
    told = union(
        select(Participant.user_id).where(Participant.workshop_id == workshop.id),
        select(Reaction.user_id).where(Reaction.finding_id.in_(findings)),
        select(Post.author_id).where(Post.finding_id.in_(findings)),
        forums.thread_posters(locality_id),
    ).subquery()
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(told.c[0]).where(told.c[0].is_not(None))),
                           User.id != actor.id, User.active.is_(True)).order_by(User.id)))


def is_public():
    """A published card is shown (on findings, to phones) once its thread's post is: a new
    facilitator's post waits for a moderator like anyone's, and a hidden one hides the card."""
    return ResultsCard.published_at.is_not(None) & exists().where(
        Post.thread_id == ResultsCard.thread_id, Post.status == PostStatus.VISIBLE)


def public_thread_id(workshop: Workshop) -> int | None:
    """The thread of the workshop's published card, once it is public."""
    return db.session.scalar(select(ResultsCard.thread_id).where(
        ResultsCard.workshop_id == workshop.id, is_public()))


def cards_for_finding(key: str) -> list[tuple[ResultsCard, Card]]:
    """Published cards that checked this finding, newest first.

    ``finding_keys`` is a short JSON list: the database narrows by its text (the same on
    SQLite and PostgreSQL, no JSON operators), and the exact match is made here."""
    quoted = '"' + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
    rows = db.session.scalars(
        select(ResultsCard).where(is_public(),
                                  cast(ResultsCard.finding_keys, Text)
                                  .like(f"%{quoted}%", escape="\\"))
        .order_by(ResultsCard.published_at.desc(), ResultsCard.id.desc()))
    return [(row, Card.from_dict(row.figures)) for row in rows if key in (row.finding_keys or [])]
