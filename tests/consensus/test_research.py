"""Consensus statements in the research exports: consent, moderation, the filters by
role and locality, and the small-group rule."""

from __future__ import annotations

import csv
import io

from dialogue.consensus import research
from dialogue.consensus import services as consensus
from dialogue.extensions import db
from dialogue.profiles import EducationRole


def _rows(**filters):
    return {row["statement"]: row for row in
            research.statement_rows(pseudonym=lambda uid: f"P-{uid}", **filters)}


def test_statements_count_consenting_votes_by_role_and_locality_with_small_groups_withheld(
        factory):
    owner = factory.user(role="facilitator")
    place, other = factory.locality(), factory.locality("locality-b")
    conversation = consensus.create_conversation(owner, title="Research", locality=place)
    seed = consensus.add_statement(conversation, owner, "A seed everyone sees.", seed=True)
    refuser = factory.user(consent=False)
    private = consensus.add_statement(conversation, refuser, "Written without consent.")
    hidden = consensus.add_statement(conversation, owner, "Hidden later.", seed=True)
    consensus.hide_statement(hidden, owner, "Off-topic")
    teachers = [factory.user(education_role=EducationRole.TEACHER, locality_id=place.id)
                for _ in range(5)]
    heads = [factory.user(education_role=EducationRole.HEADTEACHER, locality_id=other.id)
             for _ in range(3)]
    for person in teachers:
        consensus.cast_vote(conversation, seed, person, 1)
    for person in heads:
        consensus.cast_vote(conversation, seed, person, -1)
    consensus.cast_vote(conversation, seed, refuser, -1)  # no consent: never counted
    db.session.commit()

    everyone = _rows()
    assert "Written without consent." not in everyone and "Hidden later." not in everyone
    assert private.id not in {r["statement_id"] for r in everyone.values()}
    row = everyone["A seed everyone sees."]
    assert (row["people"], row["agree"], row["disagree"], row["pass"]) == (8, 5, 3, 0)
    assert row["author"] == "research team" and row["space"] == place.name
    by_role = _rows(education_role="teacher")["A seed everyone sees."]
    assert (by_role["people"], by_role["agree"]) == (5, 5)
    by_locality = _rows(locality=other.id)["A seed everyone sees."]
    assert by_locality["people"] is None and by_locality["agree"] is None  # 3: withheld


def test_the_research_export_carries_a_consensus_file(client, login, factory):
    owner = factory.user(role="facilitator")
    conversation = consensus.create_conversation(owner, title="Export", locality=factory.locality())
    consensus.add_statement(conversation, owner, "=1+1 looks like a formula.", seed=True)
    db.session.commit()
    login(factory.user(role="researcher"))
    text = client.get("/research/export/consensus.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [c for c, _ in research.COLUMNS] == list(rows[0])
    assert rows[0]["statement"] == "'=1+1 looks like a formula." and rows[0]["people"] == "0"
    assert client.get("/research/export/consensus.csv?workshop=1").get_data(
        as_text=True).strip().count("\n") == 0  # a workshop filter leaves no statements
