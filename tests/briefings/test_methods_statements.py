"""Methods statements (issue 15): a briefing marked ``kind: methods`` describes how the
study was done ("a survey of almost 700 school leaders"). Its findings take no
reactions and show no "You said"; findings of other briefings are unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogue.briefings.content import load_content
from dialogue.briefings.models import Finding, Reaction
from dialogue.extensions import db

METHODS = "overview-survey"
EVIDENCE = "markets-competition-secondary"
QUESTION = "Does this match your experience?"
HTMX = {"HX-Request": "true"}


def _finding(key):
    return db.session.scalar(select(Finding).where(Finding.key == key))


def test_the_overview_is_marked_as_methods_in_its_front_matter(content_dir):
    briefings, errors = load_content(content_dir)
    assert errors == []
    kinds = {b.slug: b.kind for b in briefings}
    assert kinds["overview"] == "methods"
    assert {kind for slug, kind in kinds.items() if slug != "overview"} == {"findings"}


def test_an_unknown_kind_is_refused_with_its_line(content_dir):
    path = content_dir / "03-markets.md"
    path.write_text(path.read_text().replace("order: 3", "order: 3\nkind: method", 1))
    errors = [str(e) for e in load_content(content_dir)[1]]
    assert any(e.endswith("03-markets.md:6: 'kind' must be 'findings' or 'methods'")
               for e in errors), errors


def test_a_methods_statement_asks_nothing_and_shows_no_you_said(client, login, factory,
                                                                 imported):
    login(factory.user())
    page = client.get(f"/findings/{METHODS}").get_data(as_text=True)
    assert QUESTION not in page
    assert 'id="you-said"' not in page
    assert 'id="discussion"' in page  # it can still be discussed
    evidence = client.get(f"/findings/{EVIDENCE}").get_data(as_text=True)
    assert QUESTION in evidence and 'id="you-said"' in evidence


def test_the_briefing_page_asks_about_evidence_only(client, login, factory, imported):
    overview = client.get("/briefings/overview").get_data(as_text=True)
    assert "Sign in to say whether this matches your experience" not in overview
    login(factory.user())
    overview = client.get("/briefings/overview").get_data(as_text=True)
    assert QUESTION not in overview
    assert f'id="reaction-{METHODS}"' not in overview
    assert QUESTION in client.get("/briefings/markets").get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_reaction_to_a_methods_statement_is_refused(client, login, factory, imported,
                                                      headers):
    login(factory.user())
    response = client.post(f"/findings/{METHODS}/reaction", data={"answer": "matches"},
                           headers=headers)
    assert response.status_code == 409
    assert "describes how the study was done" in response.get_data(as_text=True)
    assert db.session.scalars(select(Reaction).where(
        Reaction.finding_id == _finding(METHODS).id)).all() == []
