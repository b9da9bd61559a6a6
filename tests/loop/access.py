"""Access rows for "You said, we did": the public list and pages, researchers' screens."""

import datetime as dt

from dialogue.extensions import db
from dialogue.loop.models import LoopResponse, ResponseStatus
from tests.access import ADMIN, EVERYONE, RESEARCHER, Route, World
from tests.factories import Factory

RESEARCHERS = frozenset({RESEARCHER, ADMIN})


def setup(world: World) -> None:
    """A published response and a draft by a researcher who is not the sweep's, so both
    the sweep's researcher and admin may publish it (the briefings rows made
    ``world.finding``)."""
    author = Factory().user(role="researcher", name="Sweep response author",
                             commit=False)
    finding = world.finding
    world.loop_published = LoopResponse(
        briefing_id=finding.briefing_id, finding_id=finding.id, title="Published response",
        body="We did this.", body_html="<p>We did this.</p>", author_id=author.id,
        status=ResponseStatus.PUBLISHED, published_on=dt.date(2026, 12, 1))
    world.loop_draft = LoopResponse(
        briefing_id=finding.briefing_id, title="Draft response", body="Draft.",
        body_html="<p>Draft.</p>", author_id=author.id, status=ResponseStatus.DRAFT)
    # Editing makes the editor the author (who may then not publish), so the edit rows
    # change a draft of their own and the review rows keep theirs.
    world.loop_edited = LoopResponse(
        briefing_id=finding.briefing_id, title="Draft to edit", body="Draft.",
        body_html="<p>Draft.</p>", author_id=author.id, status=ResponseStatus.DRAFT)
    db.session.add_all([world.loop_published, world.loop_draft, world.loop_edited])
    db.session.flush()


def _publish(world: World) -> dict:
    return {"published_on": "2026-12-02"}


def _response(world: World) -> dict:
    return {"target": f"finding:{world.finding.id}", "locality": "", "title": "A response",
            "body": "What we did."}


ROUTES = [
    Route("loop.index", "GET", "/you-said-we-did", EVERYONE),
    Route("loop.show", "GET", lambda w: f"/you-said-we-did/{w.loop_published.id}", EVERYONE),
    Route("loop.drafts", "GET", "/research/responses", RESEARCHERS),
    Route("loop.new", "GET", "/research/responses/new", RESEARCHERS),
    Route("loop.new", "POST", "/research/responses/new", RESEARCHERS, data=_response),
    Route("loop.edit", "GET", lambda w: f"/research/responses/{w.loop_edited.id}/edit",
          RESEARCHERS),
    Route("loop.edit", "POST", lambda w: f"/research/responses/{w.loop_edited.id}/edit",
          RESEARCHERS, data=_response),
    Route("loop.review", "GET", lambda w: f"/research/responses/{w.loop_draft.id}/review",
          RESEARCHERS),
    Route("loop.review", "POST", lambda w: f"/research/responses/{w.loop_draft.id}/review",
          RESEARCHERS, data=_publish),
]
