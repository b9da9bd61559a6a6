"""The demo closes the loop: one published response per briefing theme, loaded once."""

from sqlalchemy import func, select

from dialogue.demo import load_demo
from dialogue.extensions import db
from dialogue.loop.demo import RESPONSES
from dialogue.loop.models import LoopResponse, ResponseStatus


def test_the_demo_publishes_one_response_per_briefing_and_is_idempotent(app, client):
    added = load_demo()
    db.session.commit()
    assert f"{len(RESPONSES)} published response(s) to briefings" in added
    rows = db.session.scalars(select(LoopResponse)).all()
    assert len(rows) == len(RESPONSES)
    assert all(r.status == ResponseStatus.PUBLISHED and r.author_id != r.published_by_id
               for r in rows)
    assert len({r.briefing_id for r in rows}) == len(RESPONSES)
    assert not any(ch.isdigit() for _, _, body in RESPONSES for ch in body)  # no figures
    page = client.get("/you-said-we-did").text
    assert RESPONSES[-1][1] in page
    assert not any("published response" in line for line in load_demo())
    assert db.session.scalar(select(func.count(LoopResponse.id))) == len(RESPONSES)
