"""The results card: figures worked out by hand, small groups and hidden or non-consenting
words kept out, publishing into the locality's space, the finding page and the phones.

The room (8 people; figures by hand):
- p1-p5 signed in and consenting, p6 signed in and consenting, p7 signed in but withdrew
  consent, p8 joined from a phone without an account.
- Phases: p1-p4 and p8 primary, p5-p7 secondary. Roles: p1-p5 teacher, p6-p8 headteacher.
- Finding check (national figure 62%), answered by p1-p7: 5, 4, 4, 2, 3, 5, 1.
  Agree (4 or 5): p1, p2, p3, p6 = 4 of 7 = 57%. One person per point 1, 2, 3 (14%),
  two for 4 and for 5 (29%). By phase: primary 4 (p1-p4), secondary 3: both fewer than 5,
  so both withheld (the total 7 stays). By role: teacher 5, headteacher 2: headteacher is
  small and teacher goes with it, or it would be 7 - 5.
- Open text, everyone answers; p6's answer is hidden by the facilitator.
  "collaboration": p1-p5 (and hidden p6) -> 5 consenting visible answers: shown, 5.
  "time": p1-p3, hidden p6, withdrawn p7, phone p8 -> 3 that count: not shown
  (it would be 5 if withdrawn or phone words counted, 4 with the hidden one).
- A single choice answered by p1-p3 only: fewer than 5, no figures kept at all.
- A scale whose results were hidden from the screen and never revealed: left out.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.notifications.models import Notification
from dialogue.workshops import participants as joining
from dialogue.workshops import services
from dialogue.workshops.card_models import ResultsCard
from dialogue.workshops.models import Response
from dialogue.workshops.results_card import build_card, card_markdown
from tests.workshops.helpers import answer

FINDING = "room-check-finding"
OPEN_TEXT = {
    1: "Collaboration needs time", 2: "Collaboration and time", 3: "Time for collaboration",
    4: "Collaboration between trusts", 5: "Collaboration with funding",
    6: "Collaboration takes time", 7: "Time and funding", 8: "Time and funding",
}
CHECK = {1: 5, 2: 4, 3: 4, 4: 2, 5: 3, 6: 5, 7: 1}


@pytest.fixture
def room(factory, trusted):
    """The workshop above, ended; returns (workshop, facilitator, users by number, client
    of p8's phone)."""
    facilitator = factory.user(role="facilitator", name="Fran Facilitator")
    factory.finding(FINDING, "Collaboration depends on time", figure="62%")
    locality = factory.locality("locality-b")
    workshop = services.create_workshop(facilitator, title="Spring network meeting",
                                        date=dt.date.today(), locality_id=locality.id)
    add = services.add_question
    check = add(workshop, facilitator, kind="finding_check", prompt="Does this match?",
                finding_key=FINDING)
    words = add(workshop, facilitator, kind="open_text", prompt="What would help most?")
    single = add(workshop, facilitator, kind="single", prompt="Which day suits?",
                 options=["Monday", "Friday"])
    hidden = add(workshop, facilitator, kind="scale", prompt="Secret scale",
                 results_hidden=True)
    db.session.commit()
    users = {n: factory.user(name=f"Person {n}", consent=n != 7) for n in range(1, 8)}
    people = {}
    for n in range(1, 9):
        people[n] = joining.join(workshop, users.get(n),
                                 education_role="teacher" if n <= 5 else "headteacher",
                                 phase="secondary" if 5 <= n <= 7 else "primary")
    db.session.commit()
    for question, answers in ((check, {n: {"value": v} for n, v in CHECK.items()}),
                              (words, {n: {"text": t} for n, t in OPEN_TEXT.items()}),
                              (single, {n: {"option": single.options[0].id} for n in (1, 2, 3)}),
                              (hidden, {n: {"value": 4} for n in range(1, 9)})):
        services.control(workshop, facilitator, "next")
        db.session.commit()
        for n, fields in answers.items():
            answer(question, people[n], **fields)
    hidden_answer = db.session.scalar(select(Response).where(
        Response.question_id == words.id, Response.participant_id == people[6].id))
    joining.set_response_hidden(hidden_answer, facilitator, True)
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    return workshop, facilitator, users


def test_the_card_has_the_figures_worked_out_by_hand(room):
    workshop, _, _ = room
    card = build_card(workshop)
    assert card.participants == "8"
    assert card.place == "Locality B"
    assert [q.prompt for q in card.questions] == ["Does this match?", "What would help most?",
                                                  "Which day suits?"]
    check, words, _single = card.questions
    assert (check.answers, check.shown, check.agree) == (7, True, "57%")
    assert [(r.count, r.share) for r in check.rows] == [
        (1, "14%"), (1, "14%"), (1, "14%"), (2, "29%"), (2, "29%")]
    assert check.national.value == "62%"
    assert check.finding_key == FINDING
    # Only "collaboration": 5 consenting, visible answers (not the hidden one).
    assert [(w.label, w.count) for w in words.words] == [("collaboration", 5)]
    assert words.answers == 8  # the room's count, as the screen showed it
    assert card.left_out == ["1 question whose results were never shown to the room"]
    assert card.finding_keys == [FINDING]


def test_small_groups_cannot_be_recovered_from_the_card(room):
    workshop, _, _ = room
    card = build_card(workshop)
    check, _, single = card.questions
    by_phase, by_role = check.breakdowns
    assert [(g.label, g.answers, g.agree) for g in by_phase.groups] == [
        ("Primary", "fewer than 5", "Not shown"), ("Secondary", "fewer than 5", "Not shown")]
    # Teacher (5) is withheld too: with the total of 7 shown, headteacher would be 7 - 5.
    assert [(g.label, g.answers, g.agree) for g in by_role.groups] == [
        ("Headteacher", "fewer than 5", "Not shown"), ("Teacher", "Not shown", "Not shown")]
    # The 3 answers to the single choice are not kept anywhere in the card.
    assert (single.shown, single.answers, single.rows) == (False, 0, [])
    stored = json.dumps(card.to_dict())
    assert "Monday" not in stored and "Secret scale" not in stored
    text = card_markdown(card, "")
    assert "Monday" not in text and "time (" not in text and "Kestrel" not in text


def _publish(app, login, facilitator, workshop, intro="Thank you all for coming."):
    client = app.test_client()
    login(facilitator, client)
    return client, client.post(f"/workshops/{workshop.id}/results-card/publish",
                               data={"intro": intro})


def test_publishing_starts_a_thread_in_the_locality_with_the_card(app, room, login):
    workshop, facilitator, users = room
    client, response = _publish(app, login, facilitator, workshop)
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.title == "Workshop results: Spring network meeting"
    assert thread.locality.slug == "locality-b"
    assert thread.accepts_replies()
    assert response.headers["Location"].endswith(f"/threads/{thread.id}")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert opening.author_id == facilitator.id and opening.is_visible
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Thank you all for coming." in page
    assert "Agreed: 57%" in page and "National figure: 62%" in page
    assert "collaboration (5)" in page
    # Each signed-in participant is told once; the phone without an account cannot be.
    told = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(told) == sorted(u.id for u in users.values())
    # Someone else can reply: the thread is open for discussion.
    replier = users[1]
    other = app.test_client()
    login(replier, other)
    assert other.post(f"/threads/{thread.id}/reply",
                      data={"body": "Good to see this."}).status_code in (200, 302)
    assert db.session.query(Post).filter_by(thread_id=thread.id).count() == 2


def test_publishing_twice_or_before_the_end_is_refused(app, factory, room, login):
    workshop, facilitator, _ = room
    client, _ = _publish(app, login, facilitator, workshop)
    again = client.post(f"/workshops/{workshop.id}/results-card/publish", data={"intro": "x"})
    assert again.status_code == 409
    assert "already been published" in again.get_data(as_text=True)
    assert db.session.query(Thread).count() == 1
    live = services.create_workshop(facilitator, title="Still going", date=workshop.date,
                                    locality_id=None)
    db.session.commit()
    early = client.post(f"/workshops/{live.id}/results-card/publish",
                        data={"intro": "Typed first"})
    body = early.get_data(as_text=True)
    assert early.status_code == 409
    assert "once the workshop has ended" in body and "Typed first" in body
    # Editing the introduction afterwards is allowed; the figures stay as published.
    saved = client.post(f"/workshops/{workshop.id}/results-card", data={"intro": "Updated"})
    assert saved.status_code == 302
    assert db.session.scalar(select(ResultsCard.intro)) == "Updated"


def test_a_workshop_without_a_locality_posts_to_the_national_space(app, factory, trusted,
                                                                  login):
    facilitator = factory.user(role="facilitator")
    factory.locality()  # the default localities, with the national space
    workshop, _, _ = factory.workshop(facilitator)
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    _, response = _publish(app, login, facilitator, workshop)
    assert response.status_code == 302
    assert db.session.scalar(select(Thread)).locality.slug == "national"


def test_without_a_locality_or_a_national_space_it_says_why(app, factory, login):
    facilitator = factory.user(role="facilitator")
    workshop, _, _ = factory.workshop(facilitator)  # no localities exist at all
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    client = app.test_client()
    login(facilitator, client)
    page = client.get(f"/workshops/{workshop.id}/results-card").get_data(as_text=True)
    assert "no locality and there is no national space" in page
    _, response = _publish(app, login, facilitator, workshop)
    assert response.status_code == 409
    assert db.session.query(Thread).count() == 0


def test_the_finding_page_shows_the_card_beside_the_national_figure(app, client, room, login):
    workshop, facilitator, _ = room
    before = client.get(f"/findings/{FINDING}").get_data(as_text=True)
    assert f'id="workshop-results-{workshop.id}"' not in before
    _publish(app, login, facilitator, workshop)
    page = client.get(f"/findings/{FINDING}").get_data(as_text=True)
    assert f'id="workshop-results-{workshop.id}"' in page
    assert "Spring network meeting" in page and "57% agree" in page
    assert "<strong>62%</strong>" in page
    assert "What would help most?" not in page  # only the checks of this finding


def test_a_held_post_keeps_the_card_off_the_finding_until_approved(app, client, room, login):
    app.config["PRE_MODERATED_POSTS"] = 2  # the facilitator's account is new
    workshop, facilitator, _ = room
    _publish(app, login, facilitator, workshop)
    assert db.session.scalar(select(Post)).is_held
    page = client.get(f"/findings/{FINDING}").get_data(as_text=True)
    assert f'id="workshop-results-{workshop.id}"' not in page


def test_the_phone_links_to_the_published_card(app, factory, trusted, join, login):
    facilitator = factory.user(role="facilitator")
    locality = factory.locality()
    workshop, _, _ = factory.workshop(facilitator, locality)
    db.session.commit()
    phone = join(workshop)
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    ended = phone.get(f"/j/{workshop.code}").get_data(as_text=True)
    assert "The workshop has ended" in ended and "published results card" not in ended
    _publish(app, login, facilitator, workshop)
    thread = db.session.scalar(select(Thread))
    page = phone.get(f"/j/{workshop.code}").get_data(as_text=True)
    assert f'href="/threads/{thread.id}"' in page
    assert "Read the published results card" in page
