"""Moving a workshop along and answering in it, as the presenter and the phones do."""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.datastructures import MultiDict

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops import live, participants, services


def question(workshop, kind):
    """The workshop's first question of this kind."""
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
    participants.submit_response(q, participant, form)
    db.session.commit()


def expire_timer(workshop) -> None:
    """Move the current question's deadline into the past (no waiting in tests), and
    publish it as a real change would be, so a Redis copy of the live numbers has it too."""
    workshop.closes_at = utcnow() - dt.timedelta(seconds=1)
    live.bump(workshop)
    db.session.commit()


def screen_poll_url(client, workshop, page: str = "present") -> str:
    """The poll URL the screen (or ``page="console"``) carries, as its browser would use
    it: the presenter's version is the server's to compose (``live.presenter_version``)."""
    html = client.get(f"/workshops/{workshop.id}/{page}").get_data(as_text=True)
    found = re.search(rf'hx-get="([^"]*/{page}/live[^"]*)"', html)
    return found.group(1).replace("&amp;", "&")
