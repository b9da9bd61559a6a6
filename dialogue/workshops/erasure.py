"""What workshops erase when someone removes their data (privacy's "remove" mode): the
answers they gave while signed in. Their participant rows stay, unlinked from the
account (``SET NULL``), as in "anonymise" mode."""

from __future__ import annotations

from sqlalchemy import delete, select

from dialogue.auth import erasure as registry
from dialogue.extensions import db
from dialogue.workshops import qa_services
from dialogue.workshops.models import Participant, Response


def erase(user_id: int) -> None:
    """Delete the answers of every participant row linked to the person."""
    theirs = select(Participant.id).where(Participant.user_id == user_id)
    db.session.execute(delete(Response).where(Response.participant_id.in_(theirs)))


def register() -> None:
    """Tell privacy what workshops erase, and that a participant's answers are theirs."""
    registry.register_eraser("workshops", erase)
    registry.register_eraser("workshops_qa", qa_services.erase)
    registry.register_owned_rows("workshop_responses", "participant_id",
                                 "workshop_participants")
    registry.register_owned_rows("workshop_qa_questions", "participant_id",
                                 "workshop_participants")
    registry.register_owned_rows("workshop_qa_upvotes", "participant_id",
                                 "workshop_participants")
