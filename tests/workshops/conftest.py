"""Workshop fixtures: a facilitator, a live workshop with one question of each type,
and participants joined through the real join form (so they hold the real cookie)."""

from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from dialogue.extensions import db
from dialogue.workshops import services


@pytest.fixture
def facilitator(factory):
    return factory.user(role="facilitator", name="Fran Facilitator")


@pytest.fixture
def workshop(facilitator):
    """A draft workshop with one question of every type, in this order."""
    w = services.create_workshop(facilitator, title="Test workshop", date=dt.date.today(),
                                 locality_id=None)
    services.add_question(w, facilitator, kind="single", prompt="Pick one",
                          options=["Red", "Green", "Blue"])
    services.add_question(w, facilitator, kind="multiple", prompt="Pick up to two",
                          options=["A", "B", "C", "D"], max_choices=2)
    services.add_question(w, facilitator, kind="scale", prompt="Networks matter most")
    services.add_question(w, facilitator, kind="ranking", prompt="Rank these",
                          options=["One", "Two", "Three"])
    services.add_question(w, facilitator, kind="open_text", prompt="What would help?")
    services.add_question(w, facilitator, kind="finding_check", prompt="Ofsted is a priority",
                          finding_key="hierarchy-ofsted-priority")
    db.session.commit()
    return w


def question(workshop, kind):
    return next(q for q in workshop.questions if q.kind == kind)


def go_to(workshop, facilitator, kind):
    """Move the presenter to the first question of this kind (opening it)."""
    while workshop.current_question is None or workshop.current_question.kind != kind:
        services.control(workshop, facilitator, "next")
    db.session.commit()
    return workshop.current_question


def answer(q, participant, **fields):
    """Submit through the service, as the view does, and commit."""
    form = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            form.add(key, str(item))
    services.submit_response(q, participant, form)
    db.session.commit()


@pytest.fixture
def join(app):
    """``join(workshop)`` -> a test client holding a participant cookie for it."""

    def _join(workshop, client=None, **about):
        client = client or app.test_client()
        response = client.post("/join", data={"code": workshop.code, **about})
        assert response.status_code == 302, response.data
        return client

    return _join
