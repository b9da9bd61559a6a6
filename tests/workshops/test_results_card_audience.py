"""Who is told when a results card is published: the signed-in participants, the
people who reacted to or commented on a finding it checked (the card appears on those
findings' pages) and the people who posted in a thread of the space it is published in
(issue 17 point 4); each once, never the facilitator publishing it."""

from __future__ import annotations

from sqlalchemy import select

from dialogue.briefings.models import Finding
from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.notifications.models import Notification
from tests.workshops.test_results_card import FINDING, _publish, room  # noqa: F401 (fixture)


def test_people_who_reacted_or_commented_on_a_checked_finding_are_told(app, factory,
                                                                       room, login):  # noqa: F811
    workshop, facilitator, users = room
    finding = db.session.scalar(select(Finding).where(Finding.key == FINDING))
    other = factory.finding("another-finding", "Not checked by the workshop")
    reacted, commented, elsewhere = (factory.user(name=n) for n in ("R", "C", "E"))
    factory.reaction(reacted, finding, "partly")
    factory.post(commented, finding=finding)
    factory.reaction(elsewhere, other)
    factory.reaction(users[1], finding)  # a participant who also reacted: told once
    factory.reaction(facilitator, finding)  # the publisher is never told
    db.session.commit()

    _, response = _publish(app, login, facilitator, workshop)
    assert response.status_code == 302
    told = sorted(db.session.scalars(select(Notification.user_id)))
    assert told == sorted([*(u.id for u in users.values()), reacted.id, commented.id])
    texts = set(db.session.scalars(select(Notification.text)))
    assert texts == {"The results of the workshop “Spring network meeting” are published"}


def test_people_who_posted_in_the_spaces_threads_are_told(app, factory, room,  # noqa: F811
                                                          login):
    """The card is published in the workshop's locality space: whoever wrote a visible
    post in one of its threads is told once; not held, hidden or removed words, not
    another locality's, not an inactive account, never the facilitator."""
    workshop, facilitator, users = room
    here, elsewhere = workshop.locality, factory.locality("locality-c")
    thread, removed = factory.thread(here), factory.thread(here, title="Removed")
    removed.deleted_at = utcnow()
    people = {name: factory.user(name=name) for name in (
        "twice", "held", "hidden", "removed thread", "elsewhere", "inactive")}
    people["inactive"].active = False
    factory.post(people["twice"], thread=thread)
    factory.post(people["twice"], thread=thread, body="Again.")
    factory.post(people["held"], thread=thread, status="held")
    factory.post(people["hidden"], thread=thread, status="hidden")
    factory.post(people["removed thread"], thread=removed)
    factory.post(people["elsewhere"], thread=factory.thread(elsewhere))
    factory.post(people["inactive"], thread=thread)
    factory.post(users[2], thread=thread)  # a participant who posted too: told once
    factory.post(facilitator, thread=thread)
    db.session.commit()

    _, response = _publish(app, login, facilitator, workshop)
    assert response.status_code == 302
    told = sorted(db.session.scalars(select(Notification.user_id)))
    assert told == sorted([*(u.id for u in users.values()), people["twice"].id])
