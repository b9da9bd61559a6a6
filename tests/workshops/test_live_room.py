"""The live room: the audience screen, the console that drives it, timers, results back
to phones, the phones' own layout, and refusals that keep what was ticked or typed."""

from __future__ import annotations

import re

from flask import url_for

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops import participants, services
from dialogue.workshops.models import Response
from tests.workshops.helpers import answer, expire_timer, go_to, question, screen_poll_url


def _open_timed(workshop, facilitator, kind="single", seconds=30):
    q = go_to(workshop, facilitator, kind)
    services.control(workshop, facilitator, "close")
    services.control(workshop, facilitator, "open", seconds=seconds)
    db.session.commit()
    return q


# --- The audience screen and the console -------------------------------------------------


def test_the_screen_has_no_controls_messages_or_site_navigation(workshop, facilitator, login,
                                                               client):
    q = go_to(workshop, facilitator, "open_text")
    person = participants.join(workshop, None)
    answer(q, person, text="Something unkind")
    login(facilitator)
    response_id = db.session.scalar(db.select(Response.id))
    hidden = client.post(f"/workshops/{workshop.id}/answers/{response_id}/hide",
                         data={"hidden": "1", "back": "console"})
    assert hidden.headers["Location"].startswith(f"/workshops/{workshop.id}/console")
    screen = client.get(f"/workshops/{workshop.id}/present").data.decode()
    assert "Answer hidden from the screen" not in screen  # the message waits for the console
    assert "Something unkind" not in screen
    assert "govuk-service-navigation" not in screen and "site-search" not in screen
    assert re.search(r"data-screen-bar\s+hidden", screen)  # no bar without JavaScript
    assert "Hide an answer" not in screen
    console = client.get(f"/workshops/{workshop.id}/console").data.decode()
    assert "Answer hidden from the screen" in console
    assert "Show again" in console  # moderation lives on the console


def test_the_lobby_counts_who_has_joined(workshop, facilitator, login, client, join):
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/present").data
    assert b"<strong>0</strong> people have joined" in page
    live_url = screen_poll_url(client, workshop)
    assert client.get(live_url).status_code == 204
    join(workshop)
    joined = client.get(live_url)
    assert joined.status_code == 200 and b"<strong>1</strong> person has joined" in joined.data


def test_the_join_strip_is_built_from_the_configured_address(app, workshop, facilitator,
                                                             login, client):
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/present").data.decode()
    with app.test_request_context():
        join_url = url_for("workshops.join", _external=True)
        code_url = url_for("workshops.join_code", code=workshop.code, _external=True)
    address = re.sub(r"^https?://", "", join_url)
    assert f'<strong class="dialogue-join-strip__address">{address}</strong>' in page
    assert f'aria-label="QR code for {code_url}"' in page


def test_the_console_drives_the_screen(workshop, facilitator, login, client):
    login(facilitator)
    console = client.get(f"/workshops/{workshop.id}/console")
    assert console.status_code == 200
    assert b"Start with the first question" in console.data
    moved = client.post(f"/workshops/{workshop.id}/control",
                        data={"action": "next", "view": "console"},
                        headers={"HX-Request": "true"})
    assert moved.data.startswith(b'<div id="console-live"')
    assert b"Now showing question 1 of" in moved.data
    assert b"Next up" in moved.data and b"Pick up to two" in moved.data  # what comes next
    assert client.get(screen_poll_url(client, workshop, "console")).status_code == 204
    screen = client.get(f"/workshops/{workshop.id}/present").data
    assert b"Pick one" in screen


def test_end_workshop_is_offered_on_the_last_question(workshop, facilitator, login, client):
    last = workshop.questions[-1]
    while workshop.current_question_id != last.id:
        services.control(workshop, facilitator, "next")
    db.session.commit()
    login(facilitator)
    console = client.get(f"/workshops/{workshop.id}/console").data.decode()
    assert "this is the last question" in console and "End workshop" in console
    assert "Next question" not in console
    screen = client.get(f"/workshops/{workshop.id}/present").data.decode()
    assert "End workshop" in screen  # in the screen's own (hidden) bar
    refused = client.post(f"/workshops/{workshop.id}/control",
                          data={"action": "next", "view": "console"},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 409 and b"There is no next question." in refused.data
    ended = client.post(f"/workshops/{workshop.id}/end")
    assert ended.status_code == 302
    db.session.refresh(workshop)
    assert workshop.state == "closed"


# --- Timers ---------------------------------------------------------------------------------


def test_a_timer_refuses_answers_after_its_deadline(workshop, facilitator, join):
    client = join(workshop)
    q = _open_timed(workshop, facilitator)
    assert workshop.closes_at is not None
    page = client.get(f"/j/{workshop.code}").data
    assert b"data-closes-at" in page and b"seconds left" in page
    expire_timer(workshop)
    refused = client.post(f"/j/{workshop.code}/answer",
                          data={"question_id": q.id, "option": q.options[0].id})
    assert refused.status_code == 409
    assert b"Time is up: this question is closed" in refused.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
    db.session.refresh(q)
    assert q.state == "closed"  # the refusal closed it too


def test_the_first_poll_after_the_deadline_closes_the_question_once(workshop, facilitator,
                                                                    join):
    client = join(workshop)
    q = _open_timed(workshop, facilitator)
    seen = workshop.state_version
    assert client.get(f"/j/{workshop.code}/live?s={seen}").status_code == 204
    expire_timer(workshop)
    closed = client.get(f"/j/{workshop.code}/live?s={seen}")
    assert closed.status_code == 200 and b"Answers to this question are closed" in closed.data
    db.session.refresh(workshop)
    db.session.refresh(q)
    assert q.state == "closed" and workshop.closes_at is None
    assert workshop.state_version == seen + 1
    # Everyone else is now told "unchanged" again, without closing anything twice.
    again = client.get(f"/j/{workshop.code}/live?s={workshop.state_version}")
    assert again.status_code == 204
    db.session.refresh(workshop)
    assert workshop.state_version == seen + 1


def test_the_screen_poll_closes_a_timed_out_question(workshop, facilitator, login, client):
    q = _open_timed(workshop, facilitator)
    login(facilitator)
    v, s = workshop.version, workshop.state_version
    expire_timer(workshop)
    redrawn = client.get(f"/workshops/{workshop.id}/present/live?v={v}&s={s}")
    assert redrawn.headers["HX-Retarget"] == "#present-stage"
    assert b"Answers closed" in redrawn.data
    db.session.refresh(q)
    assert q.state == "closed"


def test_a_question_with_its_own_timer_starts_it_on_next(workshop, facilitator):
    first = workshop.questions[0]
    first.timer_seconds = 45
    db.session.commit()
    services.control(workshop, facilitator, "next")
    db.session.commit()
    left = (workshop.closes_at - utcnow()).total_seconds()
    assert 0 < left <= 45
    services.control(workshop, facilitator, "close")
    db.session.commit()
    assert workshop.closes_at is None


def test_a_timer_out_of_range_is_refused(workshop, facilitator, login, client):
    q = go_to(workshop, facilitator, "single")
    services.control(workshop, facilitator, "close")
    db.session.commit()
    login(facilitator)
    for seconds in ("2", "99999", "ten"):
        refused = client.post(f"/workshops/{workshop.id}/control",
                              data={"action": "open", "seconds": seconds, "view": "console"},
                              headers={"HX-Request": "true"})
        assert refused.status_code == 422, seconds
        assert b"timer" in refused.data.lower()
    db.session.refresh(q)
    assert q.state == "closed"


# --- Results back to phones -------------------------------------------------------------------


def test_reveal_sends_the_result_to_phones(workshop, facilitator, join):
    client = join(workshop)
    q = go_to(workshop, facilitator, "single")
    client.post(f"/j/{workshop.code}/answer", data={"question_id": q.id,
                                                    "option": q.options[0].id})
    seen = workshop.state_version
    assert b"dialogue-live__row" not in client.get(f"/j/{workshop.code}").data
    services.control(workshop, facilitator, "reveal")
    db.session.commit()
    revealed = client.get(f"/j/{workshop.code}/live?s={seen}", headers={"HX-Request": "true"})
    assert revealed.status_code == 200
    assert b"dialogue-live__row" in revealed.data and b"Results" in revealed.data


def test_after_the_workshop_phones_see_aggregates_without_small_groups(workshop, facilitator,
                                                                      join):
    single = go_to(workshop, facilitator, "single")
    phones = [join(workshop) for _ in range(5)]
    for phone in phones:
        phone.post(f"/j/{workshop.code}/answer", data={"question_id": single.id,
                                                       "option": single.options[0].id})
    text = go_to(workshop, facilitator, "open_text")
    phones[0].post(f"/j/{workshop.code}/answer", data={"question_id": text.id,
                                                       "text": "A rather personal story"})
    assert phones[0].get(f"/j/{workshop.code}/results").status_code == 302  # not yet
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    page = phones[0].get(f"/j/{workshop.code}/results")
    assert page.status_code == 200
    html = page.data.decode()
    assert "dialogue-live__row" in html  # the single choice, answered by five
    assert "Fewer than 5 people answered" in html  # the open text, answered by one
    assert "personal story" not in html
    assert "govuk-service-navigation" not in html


# --- Phones ---------------------------------------------------------------------------------


def test_phones_show_the_workshop_and_a_way_to_leave_not_the_site(workshop, facilitator,
                                                                  join):
    client = join(workshop)
    page = client.get(f"/j/{workshop.code}").data.decode()
    assert workshop.title in page and "Leave" in page
    assert "govuk-service-navigation" not in page and "site-search" not in page
    left = client.post(f"/j/{workshop.code}/leave")
    assert left.status_code == 302
    assert client.get(f"/j/{workshop.code}/live").headers["HX-Redirect"] == f"/j/{workshop.code}"


def test_multiple_choice_keeps_every_tick_on_a_refusal(workshop, facilitator, join):
    client = join(workshop)
    q = go_to(workshop, facilitator, "multiple")
    ticked = [o.id for o in q.options[:3]]
    refused = client.post(f"/j/{workshop.code}/answer",
                          data={"question_id": q.id, "option": ticked})
    assert refused.status_code == 422 and b"no more than 2" in refused.data
    html = refused.data.decode()
    for option_id in ticked:
        assert re.search(rf'value="{option_id}"\s+checked', html), option_id
    assert 'data-max-choices="2"' in html and "data-choice-limit" in html


def test_over_long_text_is_refused_and_kept(workshop, facilitator, join):
    client = join(workshop)
    q = go_to(workshop, facilitator, "open_text")
    page = client.get(f"/j/{workshop.code}").data.decode()
    assert "Up to 500 characters." in page and 'data-module="govuk-character-count"' in page
    assert not re.search(r'<textarea[^>]*maxlength', page)  # nothing cuts the text silently
    long_text = "y" * 501
    refused = client.post(f"/j/{workshop.code}/answer",
                          data={"question_id": q.id, "text": long_text},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert f">{long_text}</textarea>".encode() in refused.data
    assert b"500 characters or fewer" in refused.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_ranking_shows_rank_numbers(workshop, facilitator, join):
    client = join(workshop)
    go_to(workshop, facilitator, "ranking")
    page = client.get(f"/j/{workshop.code}").data.decode()
    ranks = re.findall(r"data-rank>(\d+)<", page)
    assert ranks == [str(n) for n in range(1, len(question(workshop, "ranking").options) + 1)]
