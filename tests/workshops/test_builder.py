"""The builder: captions, moving questions, finding titles, fields by type, the phone
preview, a template copy's own title, and the navigation on facilitators' pages."""

from __future__ import annotations

import re

from dialogue.extensions import db
from dialogue.workshops.forms import FIELD_KINDS
from dialogue.workshops.models import Workshop


def _flat(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def _accessible_text(html: str) -> str:
    """The text a screen reader reads: every tag dropped, visually hidden text kept."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _buttons(page: str, prefix: str) -> dict[str, str]:
    """id -> accessible name of every button whose id starts with ``prefix``."""
    return {m.group(1): _accessible_text(m.group(2)) for m in re.finditer(
        rf'<button[^>]*id="({prefix}[^"]*)"[^>]*>(.*?)</button>', page)}


def test_the_caption_is_apart_from_the_question(workshop, facilitator, login, client):
    login(facilitator)
    page = _flat(client.get(f"/workshops/{workshop.id}"))
    caption = re.search(r'<p class="govuk-caption-s[^"]*">1\. Single choice · Pending</p>',
                        page)
    assert caption is not None
    assert "PendingPick one" not in _accessible_text(page)
    assert re.search(r"Pending</p> <p[^>]*>Pick one</p>", page)


def test_move_buttons_say_which_question_and_where_to(workshop, facilitator, login, client):
    login(facilitator)
    page = _flat(client.get(f"/workshops/{workshop.id}"))
    first, second, *_, last = workshop.questions
    ups, downs = _buttons(page, "move-up-"), _buttons(page, "move-down-")
    assert f"move-up-{first.id}" not in ups  # nothing above the first
    assert f"move-down-{last.id}" not in downs  # nothing below the last
    assert len(ups) == len(downs) == len(workshop.questions) - 1
    assert ups[f"move-up-{second.id}"] == \
        "Move question 2, 'Pick up to two', up to position 1"
    assert downs[f"move-down-{first.id}"] == "Move question 1, 'Pick one', down to position 2"
    long = _buttons(page, "move-up-")[f"move-up-{workshop.questions[3].id}"]
    assert long == "Move question 4, 'Rank these', up to position 3"


def test_a_long_prompt_is_shortened_in_the_button_name(factory, facilitator, login, client):
    workshop = factory.workshop_of_every_kind(facilitator)
    first = workshop.questions[0]
    first.prompt = "Which of these would most help schools in this area to improve together?"
    db.session.commit()
    login(facilitator)
    page = _flat(client.get(f"/workshops/{workshop.id}"))
    name = _buttons(page, "move-down-")[f"move-down-{first.id}"]
    assert name.startswith("Move question 1, 'Which of these would most help schools")
    assert name.endswith("…', down to position 2")


def test_moving_answers_htmx_with_the_list_and_a_status(workshop, facilitator, login, client):
    login(facilitator)
    first, second = workshop.questions[:2]
    response = client.post(f"/workshops/{workshop.id}/questions/{second.id}/move",
                           data={"direction": "up"}, headers={"HX-Request": "true"})
    body = _flat(response)
    assert body.startswith('<ol class="govuk-list dialogue-questions" id="questions" '
                           f'data-moved="move-up-{second.id}"')
    assert 'id="questions-status" role="status" hx-swap-oob="true">Question moved up to ' \
        'position 1.</p>' in body
    # Now first, it offers no Move up.
    assert f'id="move-up-{second.id}"' not in body
    assert f'id="move-up-{first.id}"' in body
    plain = client.post(f"/workshops/{workshop.id}/questions/{second.id}/move",
                        data={"direction": "down"})
    assert plain.headers["Location"] == f"/workshops/{workshop.id}#q-{second.id}"


def test_a_finding_check_shows_the_findings_title(workshop, facilitator, factory, login,
                                                  client):
    finding = factory.finding("hierarchy-ofsted-priority", "Ofsted is a top priority")
    factory.key_figure(finding, "77%")
    login(facilitator)
    page = _flat(client.get(f"/workshops/{workshop.id}"))
    assert "Compared with the finding" in page
    assert ">Ofsted is a top priority</a>" in page
    assert ">hierarchy-ofsted-priority<" not in page
    form = _flat(client.get(f"/workshops/{workshop.id}/questions/new"))
    assert '<option value="hierarchy-ofsted-priority">Ofsted is a top priority</option>' in form


def test_each_type_specific_field_says_which_types_use_it(workshop, facilitator, login,
                                                          client):
    login(facilitator)
    page = _flat(client.get(f"/workshops/{workshop.id}/questions/new"))
    wrappers = dict(re.findall(r'<div class="dialogue-kind-field" data-kinds="([^"]+)">'
                               r'.*?<label class="govuk-label" for="(\w+)"', page))
    assert {field: kinds.split() for kinds, field in wrappers.items()} == \
        {field: [str(k) for k in kinds] for field, kinds in FIELD_KINDS.items()}
    assert "Single choice, multiple choice and ranking only" in page
    assert "Multiple choice only." in page
    assert "Finding checks only:" in page
    assert 'src="/static/js/builder.js' in page


def test_the_preview_uses_the_phones_answer_form(workshop, facilitator, login, client):
    login(facilitator)
    for number, question in enumerate(workshop.questions, start=1):
        response = client.get(f"/workshops/{workshop.id}/questions/{question.id}/preview")
        assert response.status_code == 200
        page = _flat(response)
        assert f"Preview question {number} of 6 on a phone" in page
        assert '<fieldset class="dialogue-phone" disabled' in page
        assert f'<form method="post" action="/j/{workshop.code}/answer"' in page
        assert f'name="question_id" value="{question.id}"' in page
        assert 'id="question-prompt">' + question.prompt in page
        for option in question.options:
            assert option.label in page
        phone = page.split('class="dialogue-phone"', 1)[1]
        assert 'name="csrf_token"' not in phone  # a preview, never a real answer
    scale = _flat(client.get(
        f"/workshops/{workshop.id}/questions/{workshop.questions[2].id}/preview"))
    assert "Strongly disagree" in scale and "Strongly agree" in scale
    ranking = _flat(client.get(
        f"/workshops/{workshop.id}/questions/{workshop.questions[3].id}/preview"))
    assert ranking.count('name="ranking"') == 3


def test_the_preview_of_another_workshops_question_is_not_found(workshop, facilitator,
                                                                factory, login, client):
    other = factory.workshop_of_every_kind(facilitator, title="Other")
    login(facilitator)
    url = f"/workshops/{workshop.id}/questions/{other.questions[0].id}/preview"
    assert client.get(url).status_code == 404


def test_the_preview_pages_from_question_to_question(workshop, facilitator, login, client):
    login(facilitator)
    first, second = workshop.questions[:2]
    page = _flat(client.get(f"/workshops/{workshop.id}/questions/{first.id}/preview"))
    assert f'/questions/{second.id}/preview" rel="next"' in page
    assert 'rel="prev"' not in page


def test_a_template_copy_asks_for_its_own_title(facilitator, login, client):
    login(facilitator)
    response = client.post("/workshops/from-template", data={"date": "2026-12-01"})
    workshop = db.session.scalar(db.select(Workshop))
    assert response.headers["Location"] == f"/workshops/{workshop.id}"
    detail = _flat(client.get(response.headers["Location"]))
    assert "Give it a title of its own (Edit details)" in detail
    assert f"><bdi>{workshop.title}</bdi></h1>" in detail  # isolated, as user text is
    second = client.post("/workshops/from-template", data={"date": "2026-12-08"})
    titles = db.session.scalars(db.select(Workshop.title).order_by(Workshop.id)).all()
    assert second.status_code == 302 and len(set(titles)) == 2


def _active_nav(page: str) -> list[str]:
    return re.findall(r'govuk-service-navigation__item--active"> ?<a [^>]*aria-current="true">'
                      r"([^<]+)</a>", page)


def test_facilitators_pages_highlight_my_workshops(workshop, facilitator, login, client):
    login(facilitator)
    for path in ("/workshops/", f"/workshops/{workshop.id}", "/workshops/new",
                 f"/workshops/{workshop.id}/results",
                 f"/workshops/{workshop.id}/questions/{workshop.questions[0].id}/preview"):
        assert _active_nav(_flat(client.get(path))) == ["My workshops"], path
    assert _active_nav(_flat(client.get("/join"))) == ["Join a workshop"]


def test_a_question_s_timer_is_set_in_the_builder_and_shown_in_the_preview(
        workshop, facilitator, login, client):
    login(facilitator)
    question = workshop.questions[0]
    form = client.get(f"/workshops/{workshop.id}/questions/{question.id}/edit").text
    assert 'name="timer_seconds"' in form and "Timer in seconds (optional)" in form
    fields = {"kind": str(question.kind), "prompt": question.prompt,
              "options": "\n".join(o.label for o in question.options), "finding_key": ""}
    refused = client.post(f"/workshops/{workshop.id}/questions/{question.id}/edit",
                          data={**fields, "timer_seconds": "3"})
    assert refused.status_code == 422
    assert "Enter a timer between 5 and 3600 seconds" in refused.text
    assert 'value="3"' in refused.text  # what was typed is kept
    saved = client.post(f"/workshops/{workshop.id}/questions/{question.id}/edit",
                        data={**fields, "timer_seconds": "90"})
    assert saved.status_code == 302
    db.session.refresh(question)
    assert question.timer_seconds == 90
    preview = _flat(client.get(f"/workshops/{workshop.id}/questions/{question.id}/preview"))
    assert 'role="timer"><span>90 seconds left</span>' in preview
    client.post(f"/workshops/{workshop.id}/questions/{question.id}/edit",
                data={**fields, "timer_seconds": ""})
    db.session.refresh(question)
    assert question.timer_seconds is None  # emptied: no timer
    assert 'role="timer"' not in client.get(
        f"/workshops/{workshop.id}/questions/{question.id}/preview").text


def test_a_finding_check_cannot_point_at_a_methods_statement(workshop, facilitator, login,
                                                             client, factory):
    """A methods statement ("a survey of almost 700 school leaders") is no finding a
    room's experience can match: the builder does not offer one, and refuses one sent
    anyway with a 422 that keeps what was typed."""
    methods, (statement,) = factory.briefing(1, figure="almost 700")
    methods.kind = "methods"
    _findings, (finding,) = factory.briefing(1, figure="64%")
    db.session.commit()
    login(facilitator)
    url = f"/workshops/{workshop.id}/questions/new"
    form = client.get(url).text
    assert f'value="{finding.key}"' in form and f'value="{statement.key}"' not in form
    before = len(workshop.questions)
    typed = {"kind": "finding_check", "prompt": "Leaders were asked about their networks",
             "section": "Part two", "finding_key": statement.key}
    refused = client.post(url, data=typed)
    assert refused.status_code == 422
    assert "That is a statement of how the research was done, not a finding" in refused.text
    assert "Leaders were asked about their networks" in refused.text
    assert 'value="Part two"' in refused.text
    db.session.refresh(workshop)
    assert len(workshop.questions) == before
    # An existing check edited to point at it is refused the same way.
    check = next(q for q in workshop.questions if q.kind == "finding_check")
    edited = client.post(f"/workshops/{workshop.id}/questions/{check.id}/edit",
                         data={**typed, "prompt": check.prompt})
    assert edited.status_code == 422 and "not a finding" in edited.text
    db.session.refresh(check)
    assert check.finding_key != statement.key
    unknown = client.post(url, data={**typed, "finding_key": "no-such-finding"})
    assert unknown.status_code == 422 and "Choose a finding from the list" in unknown.text
    saved = client.post(url, data={**typed, "finding_key": finding.key})
    assert saved.status_code == 302
    db.session.refresh(workshop)
    assert workshop.questions[-1].finding_key == finding.key
