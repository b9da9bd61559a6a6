"""What consensus maps erase when someone removes their data (privacy's "remove" mode).

Their own statements go (with every vote on them, by the cascade) and so do their votes;
each conversation touched is redrawn. In the "anonymise" mode the account's deletion
cascades to the votes too, while statements stay without an author and are left out of
research exports (only seeds and consenting authors' statements go into them).

In a workshop's map the person voted and wrote as a participant: what their participant
rows linked to the account did goes too, as their workshop answers do (and is theirs in
the data download, ``register_owned_rows``).
"""

from __future__ import annotations

from sqlalchemy import delete, select

from dialogue.auth import erasure as registry
from dialogue.consensus.models import Conversation, Statement, Vote
from dialogue.consensus.services import bump_version
from dialogue.extensions import db


def erase(user_id: int) -> None:
    """Delete the person's statements and votes, and redraw the maps they were on."""
    # The participants table by name, as the models' foreign keys name it: erasure
    # needs its two columns, not the workshops package.
    participants = db.metadata.tables["workshop_participants"]
    rooms = select(participants.c.id).where(participants.c.user_id == user_id)
    theirs = (Statement.author_id == user_id) | Statement.participant_id.in_(rooms)
    voted = (Vote.user_id == user_id) | Vote.participant_id.in_(rooms)
    touched = set(db.session.scalars(select(Statement.conversation_id).where(theirs)))
    touched |= set(db.session.scalars(select(Vote.conversation_id).where(voted)))
    db.session.execute(delete(Vote).where(voted))
    db.session.execute(delete(Statement).where(theirs, Statement.is_seed.is_(False)))
    for conversation in db.session.scalars(
            select(Conversation).where(Conversation.id.in_(touched))):
        bump_version(conversation)
    db.session.flush()


def register() -> None:
    """Tell privacy what consensus maps erase."""
    registry.register_eraser("consensus", erase)
    registry.register_owned_rows("consensus_votes", "participant_id", "workshop_participants")
    registry.register_owned_rows("consensus_statements", "participant_id",
                                 "workshop_participants")
