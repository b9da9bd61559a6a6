"""The consensus map's background job, and the debounce that keeps it to one per burst.

A vote or statement change calls ``request_map`` inside its transaction. The first
change since the last drawing claims the map's ``requested_at`` and, after the commit,
queues ``compute_map`` a few seconds ahead; changes inside that window only bump the
version, and are drawn by the same job. A job that finds the version moved on while it
computed asks again, so the last change is always drawn. Pages read the kept map and
never compute. When the votes have settled the same job also keeps research's own map
(``research.research_map``), which the dashboard and the PDF read.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from dialogue.consensus import analysis, maps, research
from dialogue.consensus.models import ConversationMap
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.jobs import task
from dialogue.transactions import commit_keeping_loaded, on_commit, write_transaction

DEBOUNCE_SECONDS = 3
# A request older than this is taken as lost (a worker that stopped) and may be renewed.
STALE_REQUEST = timedelta(minutes=2)


def request_map(conversation_id: int) -> bool:
    """Ask, inside the caller's transaction, for the map to be drawn after the commit.

    Returns whether this call queued the job (False: one is already on its way)."""
    now = utcnow()
    claimed = db.session.execute(
        update(ConversationMap)
        .where(ConversationMap.conversation_id == conversation_id,
               or_(ConversationMap.requested_at.is_(None),
                   ConversationMap.requested_at < now - STALE_REQUEST))
        .values(requested_at=now)).rowcount
    if claimed:
        on_commit(lambda: _queue(conversation_id), key=("consensus-map", conversation_id))
    return bool(claimed)


def request_is_stale(kept: ConversationMap) -> bool:
    """Whether a page finding an old map should ask again (nothing asked, or asked long ago)."""
    return kept.requested_at is None or kept.requested_at < utcnow() - STALE_REQUEST


def _queue(conversation_id: int) -> None:
    if current_app.config["JOB_QUEUE_IMMEDIATE"]:
        compute_map(conversation_id)  # inline, now: a delayed job would never run
    else:
        compute_map.schedule(args=(conversation_id,), delay=DEBOUNCE_SECONDS)


@task
def compute_map(conversation_id: int) -> None:
    """Draw the conversation's map from its current votes and keep it with their version."""
    data = maps.load_input(conversation_id)
    db.session.commit()  # the reads end here: the computation holds no transaction
    if data is None:
        return
    result = None
    if data.version != data.drawn_version:
        result = analysis.compute_map(data.votes, data.statement_ids, data.profiles)
        result["version"] = data.version
    with write_transaction():
        if result is not None:
            maps.store(conversation_id, data.version, result)
        maps.clear_request(conversation_id)
        db.session.commit()
    # Changes that came while computing: draw again (debounced like any other change).
    with write_transaction():
        version, _drawn = maps.versions(conversation_id) or (0, 0)
        again = version > data.version
        if again:
            request_map(conversation_id)
        db.session.commit()
    if not again:
        _keep_research_map(conversation_id)


def _keep_research_map(conversation_id: int) -> None:
    # Research's map once the votes settle, after the room's is stored: the dashboard and
    # the PDF then read it instead of drawing it on every view. Consent and moderation
    # change its votes without moving the version, hence the fingerprint, not the version.
    votes = research.research_votes(conversation_id)
    kept_key = research.kept_fingerprint(conversation_id)
    db.session.commit()  # as above: the computation holds no transaction
    if kept_key == research.fingerprint(votes):
        return
    kept = research.research_map(votes)
    with write_transaction():
        research.store_research_map(conversation_id, kept)
        db.session.commit()


def refresh_research_maps(conversation_ids: list[int]) -> None:
    """A research view found these maps' kept research result stale: ask the worker once
    (as a page finding an old map does), briefly holding the write lock."""
    commit_keeping_loaded()
    with write_transaction():
        for conversation_id in conversation_ids:
            request_map(conversation_id)
        commit_keeping_loaded()
