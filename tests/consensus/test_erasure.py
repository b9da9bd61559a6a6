"""Removing one's data takes one's statements and votes out of every consensus map."""

from __future__ import annotations

from dialogue.consensus import maps
from dialogue.consensus import services as consensus
from dialogue.consensus.models import Conversation, Statement, Vote
from dialogue.extensions import db
from tests.factories import PASSWORD


def test_remove_deletes_statements_and_votes_and_redraws(client, login, factory, owner,
                                                         conversation, statements):
    person = factory.user()
    mine = consensus.add_statement(conversation, person, "Mine to take back.")
    consensus.cast_vote(conversation, statements[0], person, 1)
    other = factory.user()
    consensus.cast_vote(conversation, mine, other, -1)
    db.session.commit()
    ids = {"mine": mine.id, "seed": statements[0].id, "conversation": conversation.id}
    before = conversation.version
    login(person)
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Statement, ids["mine"]) is None
    assert db.session.get(Statement, ids["seed"]) is not None  # the research team's seed
    assert db.session.scalar(db.select(db.func.count(Vote.id))) == 0  # theirs and on theirs
    kept = maps.map_of(db.session.get(Conversation, ids["conversation"]))
    assert kept.version > before and kept.result["participants"] == 0


def test_remove_takes_what_the_person_did_in_a_workshops_map(client, login, factory, owner):
    import datetime as dt

    from dialogue.consensus import room
    from dialogue.workshops import participants
    from dialogue.workshops import services as workshops

    workshop = workshops.create_workshop(owner, title="Room", date=dt.date.today(),
                                         locality_id=None)
    workshops.add_question(workshop, owner, kind="open_text", prompt="Anything?")
    workshops.control(workshop, owner, "next")
    conversation = room.start_map(workshop, owner, title="Room map", seeds=["A seed."])
    seed = consensus.statements_of(conversation)[0]
    person = factory.user()
    mine = participants.join(workshop, person)
    stranger = participants.join(workshop, None)
    written = room.add_room_statement(conversation, workshop, mine, "Written in the room.")
    room.cast_room_vote(conversation, seed, workshop, mine, 1)
    room.cast_room_vote(conversation, seed, workshop, stranger, -1)
    db.session.commit()
    ids = (written.id, stranger.id)
    login(person)
    records = client.get("/account/data.json").get_json()["records"]
    assert {r["text"] for r in records["consensus_statements"]} == {"Written in the room."}
    assert [r["value"] for r in records["consensus_votes"]] == [1]
    response = client.post("/account/delete", data={"mode": "remove", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Statement, ids[0]) is None
    assert db.session.scalars(db.select(Vote.participant_id)).all() == [ids[1]]
