"""Quotes in the research outputs hold what people wrote, a right-to-left override
included (issue 16, point 8): the dashboard's contributions and the synthesis PDF show
each inside an isolating element, so it cannot turn round the attribution after it."""

from __future__ import annotations

from dialogue.extensions import db
from dialogue.reports import synthesis
from dialogue.reports.filters import Filters
from tests.security.test_bidi_isolation import Unisolated

RLO = "\u202e"
WORD = "תשובה"  # "answer"


def _unisolated(html: str) -> list[str]:
    parser = Unisolated((WORD,))
    parser.feed(html)
    return parser.found


def _hebrew_quote(data):
    post = data.posts[1]  # on the finding, by a consenting head: quoted in the synthesis
    post.body = f"{WORD}{RLO} is how our budget feels, honestly, every single term."
    db.session.commit()
    return post


def test_synthesis_quotes_are_isolated(app, researcher, data):
    _hebrew_quote(data)
    html = synthesis.build_html(Filters())
    assert WORD in html
    assert _unisolated(html) == []


def test_the_dashboards_contributions_are_isolated(client, login, researcher, data):
    _hebrew_quote(data)
    login(researcher)
    html = client.get("/research/contributions").get_data(as_text=True)
    assert WORD in html
    assert _unisolated(html) == []
