"""A consensus map as a workshop activity: the facilitator starts it from the console, the
room's phones vote and add statements with their workshop cookie, and the audience screen
polls its live map (204 while unchanged, the kept map when it moves)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dialogue.consensus import maps, room, services
from dialogue.consensus.models import Conversation, Statement, StatementStatus, Vote
from dialogue.extensions import db
from dialogue.workshops import cookies, participants
from dialogue.workshops import services as workshops

HTMX = {"HX-Request": "true"}
SEEDS = ["Schools should share subject leaders.", "Trusts know their schools best.",
         "The local authority should convene every school."]


@pytest.fixture
def facilitator(factory):
    return factory.user(role="facilitator", name="Fran Facilitator")


@pytest.fixture
def workshop(factory, facilitator):
    w = factory.workshop_of_every_kind(facilitator)
    workshops.control(w, facilitator, "next")
    db.session.commit()
    return w


@pytest.fixture
def started(app, workshop, facilitator, login):
    """The facilitator started the workshop's map through the page, with three seeds."""
    client = login(facilitator)
    response = client.post(f"/workshops/{workshop.id}/map", data={
        "title": "The room's map", "prompt": "What should the system mean here?",
        "seeds": "\n".join(SEEDS)})
    assert response.status_code == 302, response.data
    return client, room.workshop_map(workshop.id)


def _phone(app, workshop, **about):
    client = app.test_client()
    response = client.post("/join", data={"code": workshop.code, **about})
    assert response.status_code == 302, response.data
    token = cookies.read_token(app.config["SECRET_KEY"],
                               client.get_cookie(cookies.cookie_name(workshop.code)).value)
    return client, participants.find_participant(workshop.id, token)


def _vote(client, workshop, statement, vote, **kwargs):
    return client.post(f"/j/{workshop.code}/map/statements/{statement.id}/vote",
                       data={"vote": vote}, **kwargs)


def test_the_facilitator_starts_a_map_that_the_console_screen_and_phones_show(
        app, workshop, started):
    client, conversation = started
    assert conversation.workshop_id == workshop.id and conversation.on_screen
    assert [s.text for s in services.statements_of(conversation)] == SEEDS
    console = client.get(f"/workshops/{workshop.id}/console").get_data(as_text=True)
    assert "Take the map off the screen" in console
    screen = client.get(f"/workshops/{workshop.id}/present").get_data(as_text=True)
    assert 'id="consensus-screen"' in screen and "What should the system mean here?" in screen
    phone, _ = _phone(app, workshop)
    page = phone.get(f"/j/{workshop.code}").get_data(as_text=True)
    assert "Vote on the room\u2019s statements" in page and "The room&#39;s map" in page


def test_a_second_map_for_the_same_workshop_is_refused(app, workshop, started):
    client, _ = started
    response = client.post(f"/workshops/{workshop.id}/map", data={"title": "Another"})
    assert response.status_code == 302  # flashed, not made
    assert db.session.scalar(select(func.count(Conversation.id)).where(
        Conversation.workshop_id == workshop.id)) == 1


def test_phones_vote_once_per_statement_and_can_change_their_vote(app, workshop, started):
    _, conversation = started
    phone, participant = _phone(app, workshop, education_role="teacher")
    first = services.next_statement(conversation, None, participant_id=participant.id)
    assert _vote(phone, workshop, first, "agree", headers=HTMX).status_code == 200
    assert _vote(phone, workshop, first, "disagree").status_code == 302
    votes = db.session.scalars(select(Vote).where(Vote.statement_id == first.id)).all()
    assert [(v.participant_id, v.user_id, v.value, v.education_role) for v in votes] == [
        (participant.id, None, -1, "teacher")]
    # The next statement is one this phone has not voted on.
    following = services.next_statement(conversation, None, participant_id=participant.id)
    assert following.id != first.id
    assert services.progress(conversation, None, participant_id=participant.id) == (1, 3)


def test_refused_votes_say_why(app, workshop, started, facilitator, locality):
    _, conversation = started
    phone, _ = _phone(app, workshop)
    statement = services.statements_of(conversation)[0]
    services.hide_statement(statement, facilitator, "Off topic")
    other = services.create_conversation(facilitator, title="Elsewhere", locality=locality)
    elsewhere = services.add_statement(other, facilitator, "Another map's statement", seed=True)
    db.session.commit()
    hidden = _vote(phone, workshop, statement, "agree", headers=HTMX)
    assert hidden.status_code == 409 and "hidden by a moderator" in hidden.get_data(as_text=True)
    wrong = _vote(phone, workshop, elsewhere, "agree", headers=HTMX)
    assert wrong.status_code == 422 and "another conversation" in wrong.get_data(as_text=True)
    services.close_conversation(conversation, facilitator)
    db.session.commit()
    closed = _vote(phone, workshop, services.statements_of(conversation)[1], "agree",
                   headers=HTMX)
    assert closed.status_code == 409 and "closed" in closed.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_phone_that_has_not_joined_is_sent_to_join(app, workshop, started):
    _, conversation = started
    response = _vote(app.test_client(), workshop, services.statements_of(conversation)[0],
                     "agree")
    assert response.status_code == 302 and f"/j/{workshop.code}" in response.location
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_accounts_vote_on_a_workshop_map_only_in_the_room(app, workshop, started, factory,
                                                          login):
    _, conversation = started
    client = login(factory.user(role="practitioner"))
    statement = services.statements_of(conversation)[0]
    response = client.post(f"/consensus/{conversation.id}/statements/{statement.id}/vote",
                           data={"vote": "agree"}, headers=HTMX)
    assert response.status_code == 409
    assert "voted on in its workshop" in response.get_data(as_text=True)


def test_a_phones_statement_is_held_when_the_map_asks_and_kept_verbatim(
        app, workshop, facilitator, login):
    client = login(facilitator)
    client.post(f"/workshops/{workshop.id}/map", data={
        "title": "Held map", "seeds": SEEDS[0], "requires_approval": "y"})
    conversation = room.workshop_map(workshop.id)
    phone, participant = _phone(app, workshop)
    text = "  Peer review <b>works</b> when heads trust each other "
    response = phone.post(f"/j/{workshop.code}/map/statements", data={"text": text},
                          headers=HTMX)
    assert response.status_code == 200
    assert "waiting for the facilitator" in response.get_data(as_text=True)
    statement = db.session.scalar(select(Statement).where(
        Statement.participant_id == participant.id))
    assert statement.text == text and statement.status == StatementStatus.HELD
    assert statement.author_id is None and not statement.is_seed
    again = phone.post(f"/j/{workshop.code}/map/statements", data={"text": SEEDS[0]})
    assert again.status_code == 422 and "already in this conversation" in again.get_data(
        as_text=True)
    assert conversation.id == statement.conversation_id


def test_the_screen_polls_the_kept_map_and_answers_204_while_unchanged(app, workshop, started):
    client, conversation = started
    url = f"/workshops/{workshop.id}/map/screen"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    key = first.headers["ETag"].strip('"').split("-", 1)[1]
    assert client.get(url, query_string={"v": key}).status_code == 204
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Four phones vote on every statement (two agree with everything, two disagree):
    # the job (inline in tests) draws the map and the screen shows it.
    for value in ("agree", "agree", "disagree", "disagree"):
        phone, _ = _phone(app, workshop)
        for statement in services.statements_of(conversation):
            assert _vote(phone, workshop, statement, value).status_code == 302
    moved = client.get(url, query_string={"v": key})
    assert moved.status_code == 200
    body = moved.get_data(as_text=True)
    assert "<strong>4</strong> people have voted" in body and "<svg" in body
    kept = maps.map_of(db.session.get(Conversation, conversation.id))
    assert sorted(p[0] for p in kept.result["points"]) == sorted(
        -p for p in db.session.scalars(select(Vote.participant_id).distinct()))


def test_taking_the_map_off_the_screen_empties_the_region(app, workshop, started):
    client, conversation = started
    response = client.post(f"/workshops/{workshop.id}/map/screen", data={"shown": "0"})
    assert response.status_code == 302
    body = client.get(f"/workshops/{workshop.id}/map/screen").get_data(as_text=True)
    assert "consensus-screen--off" in body and "consensus-screen__title" not in body
    again = client.post(f"/workshops/{workshop.id}/map/screen", data={"shown": "0"})
    assert again.status_code == 302  # refused with its message: already off
    assert not db.session.get(Conversation, conversation.id).on_screen


def test_only_the_facilitator_reaches_the_map_controls_and_screen(app, workshop, started,
                                                                 factory, login):
    other = login(factory.user(role="facilitator"))
    assert other.get(f"/workshops/{workshop.id}/map").status_code == 403
    assert other.get(f"/workshops/{workshop.id}/map/screen").status_code == 403
    assert other.post(f"/workshops/{workshop.id}/map/screen",
                      data={"shown": "0"}).status_code == 403
