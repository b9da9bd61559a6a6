"""The demo data: one finished locality conversation whose map shows two or more groups."""

from __future__ import annotations

from sqlalchemy import func, select

from dialogue.consensus import maps
from dialogue.consensus.demo import DEMO_FACILITATOR, DEMO_TITLE, seed_demo_conversation
from dialogue.consensus.models import Conversation
from dialogue.extensions import db


def test_the_demo_conversation_is_finished_with_groups_and_loads_once(factory, client):
    factory.locality()
    factory.user(role="facilitator", email=DEMO_FACILITATOR)
    assert seed_demo_conversation()
    db.session.commit()
    conversation = db.session.scalar(select(Conversation).where(Conversation.title == DEMO_TITLE))
    assert not conversation.is_open and conversation.locality.slug == "locality-c"
    kept = maps.map_of(conversation)
    assert kept.version == conversation.version
    assert len(kept.result["groups"]) >= 2 and kept.result["consensus"]
    assert kept.result["divisive"]
    page = client.get(f"/consensus/{conversation.id}").get_data(as_text=True)
    assert "<svg" in page and "Group B" in page
    assert seed_demo_conversation() == []
    assert db.session.scalar(select(func.count(Conversation.id))) == 1
