"""The pages: voting one statement at a time with and without htmx, adding a statement
with its character count, refusals shown in place, the map drawn from the kept result,
moderation by the owner, and opening a conversation."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from dialogue.consensus import services as consensus
from dialogue.consensus.demo import planted_votes
from dialogue.consensus.models import Conversation, Statement, Vote
from dialogue.extensions import db

HTMX = {"HX-Request": "true"}


def _page(conversation) -> str:
    return f"/consensus/{conversation.id}"


def _vote_url(conversation, statement) -> str:
    return f"/consensus/{conversation.id}/statements/{statement.id}/vote"


def test_the_list_shows_each_space(client, conversation):
    page = client.get("/consensus/").get_data(as_text=True)
    assert "National space" in page and "Locality A" in page
    assert conversation.title in page


def test_anonymous_visitors_read_and_are_asked_to_sign_in(client, conversation):
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "to vote" in page and "Sign in" in page
    assert "govuk-character-count" not in page


def test_voting_without_javascript_moves_to_the_next_statement(client, login, factory,
                                                              conversation, statements):
    login(factory.user())
    page = client.get(_page(conversation)).get_data(as_text=True)
    newest = statements[-1]
    assert newest.text in page and "You have voted on 0 of 3 statements" in page
    response = client.post(_vote_url(conversation, newest), data={"vote": "agree"})
    assert response.status_code == 302 and response.location.endswith("#vote")
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "You have voted on 1 of 3 statements" in page
    assert db.session.scalar(select(Vote.value).where(Vote.statement_id == newest.id)) == 1


def test_voting_with_htmx_swaps_in_the_next_statement(client, login, factory, conversation,
                                                      statements):
    login(factory.user())
    response = client.post(_vote_url(conversation, statements[-1]), data={"vote": "pass"},
                           headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="vote"')
    assert statements[-2].text in body and 'hx-post="' in body


def test_a_refused_vote_says_why_in_place_and_without_javascript(client, login, factory,
                                                                 owner, conversation,
                                                                 statements):
    consensus.hide_statement(statements[0], owner, "Off-topic")
    db.session.commit()
    login(factory.user())
    response = client.post(_vote_url(conversation, statements[0]), data={"vote": "agree"},
                           headers=HTMX)
    assert response.status_code == 409
    assert "hidden by a moderator" in response.get_data(as_text=True)
    response = client.post(_vote_url(conversation, statements[0]), data={"vote": "agree"},
                           follow_redirects=True)
    assert "hidden by a moderator" in response.get_data(as_text=True)
    response = client.post(_vote_url(conversation, statements[1]), data={"vote": "maybe"},
                           headers=HTMX)
    assert response.status_code == 422


def test_a_vote_on_a_closed_conversation_is_refused(client, login, factory, owner,
                                                    conversation, statements):
    consensus.close_conversation(conversation, owner)
    db.session.commit()
    login(factory.user())
    response = client.post(_vote_url(conversation, statements[0]), data={"vote": "agree"},
                           headers=HTMX)
    assert response.status_code == 409
    assert "has closed" in response.get_data(as_text=True)


def test_adding_a_statement_shows_the_character_count_and_refuses_long_text(
        client, login, factory, conversation):
    login(factory.user())
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert 'data-module="govuk-character-count"' in page and 'data-maxlength="280"' in page
    assert "You can enter up to 280 characters" in page
    url = f"/consensus/{conversation.id}/statements"
    response = client.post(url, data={"text": "x" * 300}, headers=HTMX)
    assert response.status_code == 422
    assert "280 characters or fewer (this one has 300)" in response.get_data(as_text=True)
    response = client.post(url, data={"text": "Governors need training too."}, headers=HTMX)
    assert response.status_code == 200
    assert "has been added" in response.get_data(as_text=True)
    response = client.post(url, data={"text": "x" * 300})
    assert response.status_code == 422  # without htmx: the page with the form and its error


def test_held_statements_wait_for_the_owner(client, login, factory, owner, conversation):
    conversation.requires_approval = True
    db.session.commit()
    login(factory.user())
    response = client.post(f"/consensus/{conversation.id}/statements",
                           data={"text": "Hold this one."}, follow_redirects=True)
    assert "waiting for approval" in response.get_data(as_text=True)
    held = db.session.scalar(select(Statement).where(Statement.text == "Hold this one."))
    assert held.is_held
    login(owner)
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "Waiting for approval (1)" in page and "Hold this one." in page
    client.post(f"/consensus/{conversation.id}/statements/{held.id}/approve")
    assert db.session.get(Statement, held.id).is_visible
    response = client.post(f"/consensus/{conversation.id}/statements/{held.id}/hide",
                           data={"reason": ""})
    assert response.status_code == 422  # the form again, with the error
    assert "Give a reason" in response.get_data(as_text=True)
    client.post(f"/consensus/{conversation.id}/statements/{held.id}/hide",
                data={"reason": "Names a colleague"})
    assert db.session.get(Statement, held.id).is_hidden


def test_the_owner_closes_and_reopens(client, login, owner, conversation):
    login(owner)
    client.post(f"/consensus/{conversation.id}/state")
    assert not db.session.get(Conversation, conversation.id).is_open
    client.post(f"/consensus/{conversation.id}/state")
    assert db.session.get(Conversation, conversation.id).is_open


@pytest.fixture
def voted(conversation, owner, factory):
    """Forty people from two planted groups voting on twelve statements."""
    for n in range(9):
        consensus.add_statement(conversation, owner, f"Seed statement number {n}.", seed=True)
    statements = consensus.statements_of(conversation)
    people = [factory.user(commit=False) for _ in range(40)]
    votes, _truth = planted_votes(len(people), len(statements), 2, rate=0.9, shared=1)
    for person, j, value in votes:
        consensus.cast_vote(conversation, statements[j], people[person], value)
    db.session.commit()
    return people


def test_the_map_shows_groups_and_where_you_are(client, login, conversation, voted):
    login(voted[0])
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "<svg" in page and "You are here" in page and "You are in group" in page
    assert "Opinion groups" in page and "(your group)" in page
    assert "What unites people" in page and "What divides people" in page
    assert "Agreement by locality" in page
    assert "The map is being drawn" not in page
    assert 'hx-trigger="every 5s"' not in page  # current: no polling


def test_without_a_kept_map_the_page_says_it_is_being_drawn(app, client, owner, locality):
    app.config["JOB_QUEUE_IMMEDIATE"] = False  # nothing runs the queued job in this test
    conversation = consensus.create_conversation(owner, title="Fresh", locality=locality)
    consensus.add_statement(conversation, owner, "A first statement.", seed=True)
    db.session.commit()
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "The map is being drawn" in page and 'hx-trigger="every 5s"' in page
    fragment = client.get(f"/consensus/{conversation.id}/results", headers=HTMX)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="results"')


def test_facilitators_open_a_conversation_with_seeds(client, login, owner):
    login(owner)
    form = client.get("/consensus/new").get_data(as_text=True)
    assert "The national space" in form
    response = client.post("/consensus/new", data={
        "title": "National priorities", "space": "national",
        "seeds": "First idea.\n\nSecond idea.\n"})
    assert response.status_code == 302
    created = db.session.scalar(select(Conversation).where(
        Conversation.title == "National priorities"))
    assert created.locality_id is None
    assert [s.text for s in consensus.statements_of(created)] == ["First idea.", "Second idea."]
    response = client.post("/consensus/new", data={"title": "Bad", "space": "national",
                                                   "seeds": "x" * 300})
    assert response.status_code == 422
    assert "Seed statement 1" in response.get_data(as_text=True)


def test_researchers_download_the_polis_files(client, login, factory, owner, conversation,
                                              voted):
    refuser = factory.user(consent=False)
    statements = consensus.statements_of(conversation)
    consensus.cast_vote(conversation, statements[0], refuser, 1)
    consensus.add_statement(conversation, refuser, "Not for research.")
    db.session.commit()
    login(factory.user(role="researcher"))
    response = client.get(f"/consensus/{conversation.id}/polis-export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert set(files) == {"comments.csv", "votes.csv", "participant-votes.csv", "summary.csv"}
    comments = list(csv.DictReader(io.StringIO(files["comments.csv"])))
    assert list(comments[0]) == ["timestamp", "datetime", "comment-id", "author-id", "agrees",
                                 "disagrees", "moderated", "comment-body"]
    assert len(comments) == len(statements)  # the non-consenting author's statement is out
    assert "Not for research." not in files["comments.csv"]
    votes = list(csv.DictReader(io.StringIO(files["votes.csv"])))
    assert list(votes[0]) == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert {v["voter-id"] for v in votes} == {str(n) for n in range(1, 41)}
    participants = list(csv.reader(io.StringIO(files["participant-votes.csv"])))
    assert participants[0][:6] == ["participant", "group-id", "n-comments", "n-votes",
                                   "n-agree", "n-disagree"]
    assert participants[0][6:] == [c["comment-id"] for c in comments]
    assert len(participants) == 41 and all(row[1] in {"0", "1"} for row in participants[1:])
    summary = dict(csv.reader(io.StringIO(files["summary.csv"])))
    assert summary["topic"] == conversation.title and summary["voters"] == "40"
    assert summary["comments"] == str(len(statements)) and summary["groups"] == "2"


def test_a_flag_from_the_page_reaches_the_moderation_queue_and_the_owner(
        client, login, factory, conversation, statements, owner):
    statement = statements[0]
    flag_url = f"/consensus/{conversation.id}/statements/{statement.id}/flag"
    login(factory.user())
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "Flag this statement for a moderator" in page
    refused = client.post(flag_url, data={"reason": "other", "detail": ""})
    assert refused.status_code == 422 and "Say what is wrong" in refused.get_data(as_text=True)
    response = client.post(flag_url, data={"reason": "abusive", "detail": "Rude <b>x</b>"})
    assert response.status_code == 302
    login(factory.user(role="moderator"))
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Consensus map statements" in queue and conversation.title in queue
    assert "0 waiting for approval, 1 flagged" in queue
    login(owner)
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "Flagged (1)" in page and "Abusive or offensive: Rude &lt;b&gt;x&lt;/b&gt;" in page
    keep = client.post(f"/consensus/{conversation.id}/statements/{statement.id}/approve")
    assert keep.status_code == 302
    page = client.get(_page(conversation)).get_data(as_text=True)
    assert "Flagged (0)" in page
