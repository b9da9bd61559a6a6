"""Facilitators build, reorder, duplicate and present workshops; results and reveal."""

import datetime as dt
import re
from pathlib import Path

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops import participants, services
from dialogue.workshops.models import Question, Workshop
from dialogue.workshops.template import TEMPLATE
from tests.workshops.helpers import answer, go_to, screen_poll_url


def test_create_a_workshop_and_add_questions(facilitator, factory, login, client):
    briefing, _ = factory.briefing(findings=0)
    login(facilitator)
    bad = client.post("/workshops/new", data={"title": "", "date": ""})
    assert bad.status_code == 422 and b"There is a problem" in bad.data
    response = client.post("/workshops/new", data={"title": "Autumn network day",
                                                   "date": "2026-11-27", "locality_id": "",
                                                   "briefing_slugs": [briefing.slug]})
    workshop = db.session.scalar(db.select(Workshop))
    assert response.headers["Location"] == f"/workshops/{workshop.id}"
    assert workshop.briefing_slugs == [briefing.slug]
    assert len(workshop.code) == 6 and not set(workshop.code) & set("01OIL5S8B2Z")
    url = f"/workshops/{workshop.id}/questions/new"
    missing = client.post(url, data={"kind": "single", "prompt": "Which?", "options": "Only"})
    assert missing.status_code == 422 and b"Enter between 2 and 10 choices" in missing.data
    assert b"Only" in missing.data and b"Which?" in missing.data  # what was typed is kept
    no_finding = client.post(url, data={"kind": "finding_check", "prompt": "Agree?"})
    assert b"Choose the finding" in no_finding.data
    client.post(url, data={"kind": "multiple", "prompt": "Which two?",
                           "options": "A\nB\nC", "max_choices": "2", "results_hidden": "y"})
    question = db.session.scalar(db.select(Question))
    assert [o.label for o in question.options] == ["A", "B", "C"]
    assert question.max_choices == 2 and question.results_hidden


def test_reorder_and_duplicate(workshop, facilitator, login, client):
    login(facilitator)
    first, second = workshop.questions[0], workshop.questions[1]
    client.post(f"/workshops/{workshop.id}/questions/{first.id}/move",
                data={"direction": "down"})
    db.session.refresh(workshop)
    assert [q.id for q in workshop.questions[:2]] == [second.id, first.id]
    fragment = client.post(f"/workshops/{workshop.id}/questions/{first.id}/move",
                           data={"direction": "up"}, headers={"HX-Request": "true"})
    assert fragment.data.startswith(b'<ol class="govuk-list dialogue-questions"')
    response = client.post(f"/workshops/{workshop.id}/duplicate")
    copy = db.session.get(Workshop, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert copy.code != workshop.code and copy.state == "draft"
    assert [(q.kind, q.prompt) for q in copy.questions] == \
        [(q.kind, q.prompt) for q in workshop.questions]


def test_a_template_copy_without_a_date_keeps_the_locality_chosen(facilitator, login, client,
                                                                  factory):
    locality = factory.locality()
    login(facilitator)
    response = client.post("/workshops/from-template",
                           data={"date": "", "locality_id": str(locality.id)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the date of the workshop" in page and "There is a problem" in page
    assert f'<option value="{locality.id}" selected>' in page
    assert db.session.scalar(db.select(Workshop)) is None


def test_the_template_has_three_parts_and_the_named_finding_checks(facilitator, login, client):
    login(facilitator)
    response = client.post("/workshops/from-template", data={"date": "2026-12-01"})
    workshop = db.session.scalar(db.select(Workshop))
    # The copy asks to be edited, under a title of its own.
    assert response.headers["Location"] == f"/workshops/{workshop.id}"
    assert workshop.title == f"Copy of {TEMPLATE['title']} (1 December 2026)"
    sections = list(dict.fromkeys(q.section for q in workshop.questions))
    assert len(sections) == 3
    keys = {q.finding_key for q in workshop.questions if q.kind == "finding_check"}
    assert keys == {"hierarchy-ofsted-priority", "markets-competition-secondary",
                    "markets-status-hierarchy", "markets-inequalities-widening",
                    "conclusions-capacity"}
    kinds = {q.kind for q in workshop.questions}
    assert {"scale", "ranking", "open_text"} <= kinds
    ranking = next(q for q in workshop.questions if q.kind == "ranking")
    assert len(ranking.options) == 4


def test_briefing_choices_come_from_the_imported_briefings(facilitator, factory, login,
                                                         client):
    """The briefings table, not the markdown files: retired briefings and the glossary
    are not offered, and a file that was never imported is not a choice."""
    live, _ = factory.briefing(findings=0)
    retired, _ = factory.briefing(findings=0)
    retired.retired_at = utcnow()
    glossary, _ = factory.briefing(findings=0)
    glossary.is_glossary = True
    login(facilitator)
    page = client.get("/workshops/new").get_data(as_text=True)
    assert live.title in page
    assert retired.title not in page and glossary.title not in page
    assert "Markets: competition" not in page  # content/briefings/03-markets.md
    refused = client.post("/workshops/new", data={"title": "Autumn", "date": "2026-11-27",
                                                  "briefing_slugs": ["markets"]})
    assert refused.status_code == 422
    assert db.session.scalar(db.select(Workshop)) is None
    workshop = services.create_workshop(facilitator, title="Autumn", date=dt.date.today(),
                                        locality_id=None, briefing_slugs=[live.slug])
    detail = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert live.title in detail


def test_template_findings_exist_in_the_briefings(app):
    text = "".join(p.read_text() for p in Path(app.config["CONTENT_DIR"]).glob("*.md"))
    for _section, questions in TEMPLATE["sections"]:
        for q in questions:
            if q.get("finding_key"):
                assert "{#" + q["finding_key"] + "}" in text


def test_someone_elses_workshop_is_forbidden(workshop, factory, login, client):
    other = factory.user(role="facilitator")
    login(other)
    assert client.get(f"/workshops/{workshop.id}/present").status_code == 403
    assert client.post(f"/workshops/{workshop.id}/control",
                       data={"action": "next"}).status_code == 403


def test_presenter_screen_shows_code_link_and_a_qr_code_without_styles(workshop, facilitator,
                                                                       login, client):
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/present").data.decode()
    assert workshop.code in page
    assert f"/j/{workshop.code}" in page
    svg = re.search(r"<svg[^>]*dialogue-qr.*?</svg>", page, re.S).group(0)
    assert "style=" not in svg and 'role="img"' in svg
    assert "style=" not in page


def test_presenter_controls_open_close_reveal_next_previous(workshop, facilitator, login,
                                                            client):
    login(facilitator)
    url = f"/workshops/{workshop.id}/control"
    client.post(url, data={"action": "next"})
    db.session.refresh(workshop)
    first = workshop.current_question
    assert workshop.state == "live" and first.position == 0 and first.state == "open"
    client.post(url, data={"action": "close"})
    db.session.refresh(first)
    assert first.state == "closed"
    stage = client.post(url, data={"action": "open"}, headers={"HX-Request": "true"})
    assert stage.data.startswith(b'<section id="present-stage"')
    assert b"Question opened" in stage.data
    client.post(url, data={"action": "next"})
    db.session.refresh(workshop)
    db.session.refresh(first)
    assert workshop.current_question.position == 1 and first.state == "closed"
    client.post(url, data={"action": "previous"})
    db.session.refresh(workshop)
    assert workshop.current_question_id == first.id
    refused = client.post(url, data={"action": "previous"}, headers={"HX-Request": "true"})
    assert refused.status_code == 409  # refused by the workshop's state
    assert refused.data.startswith(b'<section id="present-stage"')  # swapped in place
    assert b"This is the first question." in refused.data
    assert "HX-Retarget" not in refused.headers


def test_hidden_results_stay_hidden_until_revealed(workshop, facilitator, login, client):
    q = go_to(workshop, facilitator, "single")
    q.results_hidden = True
    db.session.commit()
    person = participants.join(workshop, None)
    db.session.commit()
    answer(q, person, option=q.options[0].id)
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/present").data
    assert b"Results are hidden until you reveal them" in page
    assert b"dialogue-chart" not in page
    assert b"<strong>1</strong> answer" in page  # the count still shows
    client.post(f"/workshops/{workshop.id}/control", data={"action": "reveal"})
    page = client.get(f"/workshops/{workshop.id}/present").data
    assert b"dialogue-chart" in page and b"Results are hidden" not in page


def test_presenter_poll_changes_with_each_answer(workshop, facilitator, login, client):
    q = go_to(workshop, facilitator, "single")
    login(facilitator)
    live_url = screen_poll_url(client, workshop)
    assert client.get(live_url).status_code == 204
    person = participants.join(workshop, None)
    answer(q, person, option=q.options[1].id)
    changed = client.get(live_url)
    assert changed.status_code == 200
    assert b"<strong>1</strong> answer" in changed.data
    assert client.get(f"/workshops/{workshop.id}/present/live",
                      headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304
    services.control(workshop, facilitator, "next")
    db.session.commit()
    moved = client.get(live_url)
    assert moved.headers["HX-Retarget"] == "#present-stage"
    assert b"Pick up to two" in moved.data


def test_a_changed_answer_moves_the_screen_on_too(workshop, facilitator, login, client):
    """The same number of answers, one of them changed: the screen still redraws."""
    q = go_to(workshop, facilitator, "single")
    person = participants.join(workshop, None)
    answer(q, person, option=q.options[1].id)
    login(facilitator)
    live_url = screen_poll_url(client, workshop)
    assert client.get(live_url).status_code == 204
    answer(q, person, option=q.options[2].id)
    changed = client.get(live_url)
    assert changed.status_code == 200 and b"<strong>1</strong> answer" in changed.data


def test_facilitator_can_hide_an_open_text_answer(workshop, facilitator, login, client):
    q = go_to(workshop, facilitator, "open_text")
    person = participants.join(workshop, None)
    answer(q, person, text="Something unkind")
    login(facilitator)
    response_id = db.session.scalar(db.select(db.text("id FROM workshop_responses")))
    client.post(f"/workshops/{workshop.id}/answers/{response_id}/hide",
                data={"hidden": "1", "back": "present"})
    page = client.get(f"/workshops/{workshop.id}/present").data
    assert b"Something unkind" not in page
    results = client.get(f"/workshops/{workshop.id}/results").data
    assert b"Something unkind" in results and b"Hidden from the screen" in results


def test_results_page_shows_every_question(workshop, facilitator, login, client):
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/results")
    assert page.status_code == 200
    for q in workshop.questions:
        assert q.prompt.encode() in page.data


def test_ending_the_workshop_closes_questions_and_expires_the_code(workshop, facilitator,
                                                                   login, client):
    q = go_to(workshop, facilitator, "single")
    login(facilitator)
    client.post(f"/workshops/{workshop.id}/end")
    db.session.refresh(workshop)
    db.session.refresh(q)
    assert workshop.state == "closed" and q.state == "closed"
    assert not workshop.code_is_usable()
    assert workshop.date == dt.date.today()


def test_an_ended_workshop_s_screen_and_console_say_so_not_the_last_question(
        workshop, facilitator, login, client):
    login(facilitator)
    services.control(workshop, facilitator, "next")
    db.session.commit()
    page = client.get(f"/workshops/{workshop.id}/present")
    poll = re.search(r'hx-get="([^"]*present/live[^"]*)"', page.text).group(1)
    client.post(f"/workshops/{workshop.id}/end")
    redrawn = client.get(poll.replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert "This workshop has ended. Thank you." in redrawn.text
    assert workshop.questions[0].prompt not in redrawn.text
    assert "The workshop has ended." in client.get(f"/workshops/{workshop.id}/console").text
