"""The consensus maps in the research dashboard and the PDF: drawn again from consenting
votes within the filters, with the small-group rule on the whole map and on each group."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy import select

from dialogue.auth import services as accounts
from dialogue.auth.models import User
from dialogue.consensus import research, room, tasks
from dialogue.consensus import services as consensus
from dialogue.consensus.models import ConversationMap, Vote
from dialogue.extensions import db
from dialogue.profiles import EducationRole
from dialogue.reports import synthesis
from dialogue.reports.filters import Filters
from dialogue.workshops import participants
from dialogue.workshops import services as workshops

SHARED = "Every school gains from a partner school."
SPLIT = "Trusts should run the improvement work."
CAMP_A = ["Heads should lead the networks.", "Peer review should be mandatory.",
          "Local leaders know the schools best."]


def _map(factory, owner, camps: tuple[int, int], *, refusers: int = 0):
    """A map where everyone agrees with SHARED; camp 1 agrees with SPLIT and CAMP_A, camp
    2 disagrees. Camp sizes as given (teachers, then headteachers), all consenting."""
    conversation = consensus.create_conversation(owner, title="Research map",
                                                 locality=factory.locality())
    statements = [consensus.add_statement(conversation, owner, text, seed=True)
                  for text in [SHARED, SPLIT, *CAMP_A]]
    people = ([(factory.user(education_role=EducationRole.TEACHER), 1)
               for _ in range(camps[0])]
              + [(factory.user(education_role=EducationRole.HEADTEACHER), -1)
                 for _ in range(camps[1])]
              + [(factory.user(consent=False), 1) for _ in range(refusers)])
    for person, stance in people:
        consensus.cast_vote(conversation, statements[0], person, 1)
        for statement in statements[1:]:
            consensus.cast_vote(conversation, statement, person, stance)
    db.session.commit()
    return conversation


@pytest.fixture
def owner(factory):
    return factory.user(role="facilitator")


def test_two_camps_give_two_groups_what_unites_them_and_what_divides_them(factory, owner):
    conversation = _map(factory, owner, (6, 6), refusers=4)
    [summary] = research.map_summaries()
    assert summary["id"] == conversation.id
    assert summary["people"] == 12  # the four who refused consent are not counted
    assert sorted(g["size"] for g in summary["groups"]) == [6, 6]
    assert [text for text, direction, _ in summary["consensus"]] == [SHARED]
    assert SPLIT in [text for text, _nets in summary["divisive"]]
    assert "<svg" in summary["svg"]


def test_a_map_of_fewer_than_five_people_is_withheld(factory, owner):
    _map(factory, owner, (2, 2))
    [summary] = research.map_summaries()
    assert summary["withheld"] and summary["consensus"] == [] and summary["groups"] == []


def test_a_group_of_fewer_than_five_withholds_the_groups_and_their_statements(factory, owner):
    _map(factory, owner, (8, 3))
    [summary] = research.map_summaries()
    assert not summary["withheld"] and summary["people"] == 11
    assert summary["groups_withheld"]
    assert summary["groups"] == [] and summary["consensus"] == [] and summary["svg"] is None


def test_filters_narrow_the_votes(factory, owner):
    _map(factory, owner, (6, 6))
    [teachers] = research.map_summaries(education_role="teacher")
    assert teachers["people"] == 6 and [g["size"] for g in teachers["groups"]] == [6]
    assert research.map_summaries(date_from=None, locality=10_000) == []


def test_room_votes_count_only_from_participants_signed_in_with_consent(factory, owner):
    workshop = workshops.create_workshop(owner, title="Room", date=dt.date.today(),
                                         locality_id=None)
    workshops.add_question(workshop, owner, kind="open_text", prompt="Anything?")
    workshops.control(workshop, owner, "next")
    conversation = room.start_map(workshop, owner, title="Room map", seeds=[SHARED])
    statement = consensus.statements_of(conversation)[0]
    for n in range(7):
        user = factory.user() if n < 5 else None  # five signed in (consenting), two not
        participant = participants.join(workshop, user)
        room.cast_room_vote(conversation, statement, workshop, participant, 1)
    db.session.commit()
    [summary] = research.map_summaries(workshop=workshop.id)
    assert summary["people"] == 5 and summary["in_workshop"]
    assert len(db.session.scalars(select(Vote.id)).all()) == 7


def test_the_dashboard_and_the_pdf_show_the_maps(app, factory, owner, login):
    _map(factory, owner, (6, 6))
    client = login(factory.user(role="researcher"))
    page = client.get("/research/").get_data(as_text=True)
    assert "Consensus maps" in page and "Research map" in page
    assert "12 people voted, in 2 opinion groups" in page
    html = synthesis.build_html(Filters.from_args({}))
    assert 'id="consensus"' in html and "What divides them" in html and SHARED in html
    # A filter no vote can meet (a finding) leaves the section empty.
    assert 'id="consensus"' not in synthesis.build_html(
        Filters.from_args({"finding": "1"}))


# --- the map the job worker keeps for research ------------------------------------------


def _kept(conversation) -> dict | None:
    db.session.commit()  # end this session's read: see what the job's own session wrote
    return db.session.get(ConversationMap, conversation.id, populate_existing=True).research


def _mark(conversation, text: str) -> None:
    """Change the kept research map's consensus statement, keeping its fingerprint, so a
    summary shows whether it read the kept map or drew one afresh."""
    kept = copy.deepcopy(_kept(conversation))
    marked = next(s for s in consensus.statements_of(conversation) if s.text == text)
    kept["result"]["consensus"] = [{**kept["result"]["consensus"][0], "statement": marked.id}]
    research.store_research_map(conversation.id, kept)
    db.session.commit()


def test_the_worker_keeps_the_research_map_and_the_dashboard_reads_it(factory, owner):
    conversation = _map(factory, owner, (6, 6), refusers=4)
    kept = _kept(conversation)
    assert kept is not None and kept["key"] == research.fingerprint(
        research.research_votes(conversation.id))
    # The kept map is the one the summary would draw: same groups, statements and SVG.
    [from_kept] = research.map_summaries()
    research.store_research_map(conversation.id, None)
    db.session.commit()
    [drawn] = research.map_summaries()
    assert not from_kept.pop("drawn_here") and drawn.pop("drawn_here")
    assert from_kept == drawn and [text for text, _d, _p in drawn["consensus"]] == [SHARED]
    # A job with no new votes keeps it again (the fingerprint, not the version, says).
    tasks.compute_map.call_local(conversation.id)
    assert _kept(conversation) == kept
    # And it is read: a mark put in it shows.
    _mark(conversation, SPLIT)
    [summary] = research.map_summaries()
    assert [text for text, _d, _p in summary["consensus"]] == [SPLIT]


def test_a_dashboard_view_that_drew_a_map_asks_the_worker_to_keep_it(factory, owner, login):
    conversation = _map(factory, owner, (6, 6))
    accounts.set_consent(db.session.get(User, db.session.scalars(
        select(Vote.user_id).where(Vote.value == 1)).first()), False)
    db.session.commit()
    stale = _kept(conversation)["key"]
    client = login(factory.user(role="researcher"))
    assert "11 people voted, in 2 opinion groups" in client.get("/research/").get_data(
        as_text=True)
    assert _kept(conversation)["key"] not in (None, stale)
    [summary] = research.map_summaries()
    assert not summary["drawn_here"] and summary["people"] == 11


def test_a_kept_map_of_other_votes_is_not_used(factory, owner):
    """Filters and a consent withdrawn since the keep each change the votes in scope: the
    summary is drawn afresh from them, with the same small-group rule."""
    conversation = _map(factory, owner, (6, 6))
    _mark(conversation, SPLIT)
    [teachers] = research.map_summaries(education_role="teacher")
    assert teachers["people"] == 6
    assert [text for text, _d, _p in teachers["consensus"]] != [SPLIT]
    # A headteacher withdraws consent: 11 people, the groups 6 and 5.
    headteacher = db.session.get(User, db.session.scalars(
        select(Vote.user_id).where(Vote.value == -1)).first())
    accounts.set_consent(headteacher, False)
    db.session.commit()
    [summary] = research.map_summaries()
    assert summary["people"] == 11
    assert [text for text, _d, _p in summary["consensus"]] == [SHARED]
    assert sorted(g["size"] for g in summary["groups"]) == [5, 6]
    # Another withdraws: a group of 4 withholds the groups, though the kept map had 6.
    accounts.set_consent(db.session.get(User, db.session.scalars(
        select(Vote.user_id).where(Vote.value == -1, Vote.user_id != headteacher.id)).first()),
        False)
    db.session.commit()
    [summary] = research.map_summaries()
    assert summary["groups_withheld"] and summary["consensus"] == []


def test_a_withheld_map_is_kept_without_its_groups(factory, owner):
    conversation = _map(factory, owner, (2, 2))
    assert _kept(conversation)["result"] is None
    [summary] = research.map_summaries()
    assert summary["withheld"] and summary["groups"] == []
