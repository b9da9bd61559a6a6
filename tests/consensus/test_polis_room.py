"""The Polis export of a workshop's map: the room's participants, counted as the
consenting accounts they signed in with; the expected rows are worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

from dialogue.consensus import maps, room
from dialogue.consensus import services as consensus
from dialogue.extensions import db
from dialogue.workshops import participants
from dialogue.workshops import services as workshops

# Five phones and three seeds. a, b and e signed in with consenting accounts, c with an
# account that refused, d did not sign in. Each phone's votes, in the order cast.
VOTES = {"a": [1, -1, 1], "b": [1, 1, None], "c": [-1, -1, -1], "d": [1, None, -1],
         "e": [None, 0, 1]}


def _rows(files, name):
    return list(csv.reader(io.StringIO(files[name])))


def test_a_workshop_maps_polis_files_hold_its_consenting_participants(client, factory,
                                                                      login):
    facilitator = factory.user(role="facilitator")
    workshop = workshops.create_workshop(facilitator, title="Room", date=dt.date.today(),
                                         locality_id=None)
    workshops.add_question(workshop, facilitator, kind="open_text", prompt="Anything?")
    workshops.control(workshop, facilitator, "next")
    conversation = room.start_map(workshop, facilitator, title="Room map",
                                  prompt="What unites us?", seeds=["S1", "S2", "S3"])
    s1, s2, s3 = consensus.statements_of(conversation)
    people = {"a": factory.user(), "b": factory.user(), "c": factory.user(consent=False),
              "d": None, "e": factory.user()}
    phones = {}
    for name, votes in VOTES.items():
        phones[name] = participants.join(workshop, people[name])
        for statement, value in zip((s1, s2, s3), votes, strict=True):
            if value is not None:
                room.cast_room_vote(conversation, statement, workshop, phones[name], value)
        db.session.commit()
    # A statement written on a phone has no account behind it: it and its votes stay out.
    phone_statement = room.add_room_statement(conversation, workshop, phones["a"],
                                              "Written on a phone.")
    room.cast_room_vote(conversation, phone_statement, workshop, phones["b"], 1)
    db.session.commit()

    login(factory.user(role="researcher"))
    response = client.get(f"/consensus/{conversation.id}/polis-export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}

    # Participant ids by first vote among the consenting: a 1, b 2, e 3; seeds by 0.
    comments = [row[2:] for row in _rows(files, "comments.csv")[1:]]
    assert comments == [[str(s1.id), "0", "2", "0", "0", "S1"],  # agree a, b
                        [str(s2.id), "0", "1", "1", "0", "S2"],  # agree b, disagree a; e passed
                        [str(s3.id), "0", "2", "0", "0", "S3"]]  # agree a, e
    votes = [row[2:] for row in _rows(files, "votes.csv")[1:]]
    assert votes == [[str(s1.id), "1", "1"], [str(s2.id), "1", "-1"], [str(s3.id), "1", "1"],
                     [str(s1.id), "2", "1"], [str(s2.id), "2", "1"],
                     [str(s2.id), "3", "0"], [str(s3.id), "3", "1"]]
    # Groups as on the kept map, where a phone is minus its participant id.
    kept = {p[0]: str(p[3]) for p in maps.map_of(conversation).result["points"]}
    group = {name: kept.get(maps.participant_key(phones[name].id), "") for name in "abe"}
    header, *rows = _rows(files, "participant-votes.csv")
    assert header == ["participant", "group-id", "n-comments", "n-votes", "n-agree",
                      "n-disagree", str(s1.id), str(s2.id), str(s3.id)]
    assert rows == [["1", group["a"], "0", "3", "2", "1", "1", "-1", "1"],
                    ["2", group["b"], "0", "2", "2", "0", "1", "1", ""],
                    ["3", group["e"], "0", "2", "1", "0", "", "0", "1"]]
    assert "Written on a phone." not in files["comments.csv"]
    summary = dict(_rows(files, "summary.csv"))
    assert summary["topic"] == "Room map" and summary["voters"] == "3"
    assert summary["voters-in-conv"] == str(sum(1 for name in "abe" if group[name] != ""))
    assert summary["commenters"] == "1" and summary["comments"] == "3"
    assert summary["conversation-description"] == "What unites us?"
