"""Joining, answering, bad votes, closed questions and following the presenter."""

import re

from sqlalchemy import event

from dialogue.db import utcnow
from dialogue.extensions import db
from dialogue.workshops import answers, services
from dialogue.workshops.models import Participant, QuestionKind, Response
from dialogue.workshops.presenting import screen_version
from tests.workshops.helpers import go_to, question


def _live(client, workshop, **params):
    return client.get(f"/j/{workshop.code}/live", query_string=params)


def test_join_by_code_sets_a_participant_cookie_and_shows_the_wait(workshop, join):
    client = join(workshop, education_role="headteacher", phase="primary")
    page = client.get(f"/j/{workshop.code}")
    assert page.status_code == 200
    assert b"Waiting for the facilitator" in page.data
    participant = db.session.scalar(db.select(Participant))
    assert participant.user_id is None
    assert (participant.education_role, participant.phase) == ("headteacher", "primary")


def test_codes_are_forgiving_about_case_and_spaces(workshop, client):
    typed = workshop.code.lower()[:3] + " " + workshop.code.lower()[3:]
    assert client.post("/join", data={"code": typed}).status_code == 302


def test_a_wrong_code_says_so(client):
    response = client.post("/join", data={"code": "ZZZZZZ"})
    assert response.status_code == 404
    assert b"There is no workshop with that code" in response.data
    assert client.get("/j/QQQQQQ").status_code == 404


def test_an_expired_code_says_so(workshop, client, facilitator):
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    response = client.post("/join", data={"code": workshop.code})
    assert response.status_code == 410
    assert b"That code has expired" in response.data
    direct = client.get(f"/j/{workshop.code}")
    assert direct.status_code == 410 and b"That code has expired" in direct.data


def test_a_code_past_its_expiry_time_is_refused(workshop, client):
    workshop.code_expires_at = utcnow()
    db.session.commit()
    assert client.post("/join", data={"code": workshop.code}).status_code == 410


def test_a_signed_in_user_who_joins_is_linked(workshop, factory, login, client):
    user = factory.user()
    login(user)
    client.post(f"/j/{workshop.code}", data={})
    client.post(f"/j/{workshop.code}", data={})  # joining twice is still one participant
    participants = db.session.scalars(db.select(Participant)).all()
    assert [p.user_id for p in participants] == [user.id]


def test_answer_and_change_it_while_open(workshop, facilitator, join):
    q = go_to(workshop, facilitator, "single")
    client = join(workshop)
    red, green = q.options[0], q.options[1]
    r1 = client.post(f"/j/{workshop.code}/answer", data={"question_id": q.id, "option": red.id})
    assert r1.status_code == 302
    r2 = client.post(f"/j/{workshop.code}/answer", data={"question_id": q.id,
                                                         "option": green.id},
                     headers={"HX-Request": "true"})
    assert r2.status_code == 200 and b"Your answer has been saved" in r2.data
    rows = db.session.scalars(db.select(Response)).all()
    assert [(r.option_id) for r in rows] == [green.id]
    assert b'checked' in client.get(f"/j/{workshop.code}").data


def test_a_closed_question_refuses_answers_clearly(workshop, facilitator, join):
    q = go_to(workshop, facilitator, "single")
    client = join(workshop)
    services.control(workshop, facilitator, "close")
    db.session.commit()
    response = client.post(f"/j/{workshop.code}/answer",
                           data={"question_id": q.id, "option": q.options[0].id})
    assert response.status_code == 409
    assert b"This question is closed, so your answer was not saved." in response.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_bad_votes_are_refused(workshop, facilitator, join):
    client = join(workshop)
    single = go_to(workshop, facilitator, "single")
    other = question(workshop, "multiple")

    def post(q, **data):
        return client.post(f"/j/{workshop.code}/answer", data={"question_id": q.id, **data})

    refused = post(single, option=other.options[0].id)
    assert refused.status_code == 422 and b"not one of this question" in refused.data
    assert post(single, option="x").status_code == 422
    assert post(single).status_code == 422
    multi = go_to(workshop, facilitator, "multiple")
    too_many = post(multi, option=[o.id for o in multi.options[:3]])
    assert too_many.status_code == 422 and b"no more than 2" in too_many.data
    scale = go_to(workshop, facilitator, "scale")
    assert post(scale, value=6).status_code == 422
    assert post(scale, value=0).status_code == 422
    ranking = go_to(workshop, facilitator, "ranking")
    incomplete = post(ranking, ranking=[o.id for o in ranking.options[:2]])
    assert incomplete.status_code == 422 and b"ranking was incomplete" in incomplete.data
    repeated = [ranking.options[0].id] * 3
    assert post(ranking, ranking=repeated).status_code == 422
    text = go_to(workshop, facilitator, "open_text")
    assert post(text, text="   ").status_code == 422
    assert post(text, text="x" * 501).status_code == 422
    # An answer to a question other than the current one is refused too.
    assert post(single, option=single.options[0].id).status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_ranking_up_and_down_buttons_work_without_javascript(workshop, facilitator, join):
    q = go_to(workshop, facilitator, "ranking")
    client = join(workshop)
    one, two, three = (o.id for o in q.options)
    moved = client.post(f"/j/{workshop.code}/answer",
                        data={"question_id": q.id, "ranking": [one, two, three],
                              "move": "2:up"})
    assert moved.status_code == 200
    page = moved.data.decode()
    assert page.index("Three") < page.index("Two")
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
    client.post(f"/j/{workshop.code}/answer",
                data={"question_id": q.id, "ranking": [one, three, two]})
    assert db.session.scalar(db.select(Response.choices)) == [one, three, two]


def test_participants_follow_the_presenter(workshop, facilitator, join):
    client = join(workshop)
    first = client.get(f"/j/{workshop.code}")
    db.session.refresh(workshop)
    seen = workshop.state_version
    assert _live(client, workshop, s=seen).status_code == 204
    services.control(workshop, facilitator, "next")
    db.session.commit()
    moved = _live(client, workshop, s=seen)
    assert moved.status_code == 200
    assert b"Pick one" in moved.data
    assert first.status_code == 200
    db.session.refresh(workshop)
    assert workshop.state_version > seen
    assert f"s={workshop.state_version}".encode() in moved.data  # the next poll's version
    etag = moved.headers["ETag"]
    assert client.get(f"/j/{workshop.code}/live",
                      headers={"If-None-Match": etag}).status_code == 304


def test_answers_do_not_change_what_participants_poll_for(workshop, facilitator, join):
    q = go_to(workshop, facilitator, "scale")
    client = join(workshop)
    other = join(workshop)
    db.session.refresh(workshop)
    seen_state, seen_screen = workshop.state_version, screen_version(workshop, workshop.version)
    other.post(f"/j/{workshop.code}/answer", data={"question_id": q.id, "value": 4})
    db.session.refresh(workshop)
    assert screen_version(workshop, workshop.version) != seen_screen  # the screen's moved
    assert workshop.state_version == seen_state
    assert _live(client, workshop, s=seen_state).status_code == 204


def test_an_unchanged_poll_runs_no_results_query(workshop, facilitator, join, app):
    go_to(workshop, facilitator, "single")
    client = join(workshop)
    db.session.refresh(workshop)
    seen, code = workshop.state_version, workshop.code
    etag = f'"p{workshop.id}-{seen}"'
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/j/{code}/live?s={seen}").status_code == 204
        assert client.get(f"/j/{code}/live",
                          headers={"If-None-Match": etag}).status_code == 304
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not [s for s in statements if "workshop_responses" in s or "workshop_options" in s]
    # Without Redis, one indexed row read per poll; with Redis, none.
    assert len([s for s in statements if s.startswith("SELECT")]) <= 2


def test_polling_stops_when_the_workshop_ends(workshop, facilitator, join):
    client = join(workshop)
    db.session.refresh(workshop)
    seen = workshop.state_version
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    response = _live(client, workshop, s=seen)
    assert response.status_code == 286
    assert b"The workshop has ended" in response.data
    assert b"hx-trigger" not in response.data


def test_a_poll_without_the_cookie_sends_people_to_join(workshop, client):
    response = _live(client, workshop)
    assert response.headers["HX-Redirect"] == f"/j/{workshop.code}"


def test_closed_revealed_questions_show_participants_the_result(workshop, facilitator, join):
    q = go_to(workshop, facilitator, "single")
    client = join(workshop)
    client.post(f"/j/{workshop.code}/answer", data={"question_id": q.id,
                                                    "option": q.options[0].id})
    services.control(workshop, facilitator, "close")
    db.session.commit()
    page = client.get(f"/j/{workshop.code}").data
    assert b"dialogue-chart" in page  # results not hidden: shown once closed
    q.results_hidden = True
    db.session.commit()
    services.live.bump(workshop, state_changed=True)
    db.session.commit()
    assert b"dialogue-chart" not in client.get(f"/j/{workshop.code}").data
    services.control(workshop, facilitator, "reveal")
    db.session.commit()
    assert b"dialogue-chart" in client.get(f"/j/{workshop.code}").data


def test_an_answer_is_parsed_once_per_request(workshop, facilitator, join, monkeypatch):
    """The checks run before the write lock; the write stores what they returned."""
    q = go_to(workshop, facilitator, "single")
    client = join(workshop)
    parsed = []
    check_single = answers._PARSERS[QuestionKind.SINGLE]
    monkeypatch.setitem(answers._PARSERS, QuestionKind.SINGLE,
                        lambda item, form: parsed.append(item.id)
                        or check_single(item, form))
    response = client.post(f"/j/{workshop.code}/answer", headers={"HX-Request": "true"},
                           data={"question_id": q.id, "option": q.options[0].id})
    assert response.status_code == 200 and b"has been saved" in response.data
    assert parsed == [q.id]


def test_an_answer_is_one_checked_write_that_leaves_the_workshop_row_alone(
        workshop, facilitator, join, count_queries):
    """Once a worker holds the open question (the first answer loads it), an answer reads
    the live numbers and the participant's id, checks the question and upserts: no
    UPDATE of the workshop row (every answer in the room queued on its lock), no loading
    of the question and its options again."""
    q = go_to(workshop, facilitator, "single")
    first, second = join(workshop), join(workshop)
    data = {"question_id": q.id, "option": q.options[0].id}
    assert first.post(f"/j/{workshop.code}/answer", data=data).status_code == 302
    with count_queries() as statements:
        response = second.post(f"/j/{workshop.code}/answer", data=data,
                               headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"has been saved" in response.data
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO workshop_responses")
    assert not [s for s in statements if "FROM workshop_options" in s]
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 2


ANSWERS = {"single": lambda q: {"option": q.options[1].id},
           "multiple": lambda q: {"option": [q.options[0].id, q.options[2].id]},
           "scale": lambda q: {"value": 2},
           "ranking": lambda q: {"ranking": [o.id for o in reversed(q.options)]},
           "open_text": lambda q: {"text": "Less <b>marking</b>"},
           "finding_check": lambda q: {"value": 5}}  # in the workshop's order


def test_the_quick_confirmation_is_the_full_one(workshop, facilitator, join, monkeypatch):
    """Every kind: the confirmation built from the worker's copy of the question is the
    page the full (ORM) path renders for the same answer."""
    from dialogue.workshops.views import participants as views

    client = join(workshop)
    quick = views._answer_quickly
    for kind, fields in ANSWERS.items():
        q = go_to(workshop, facilitator, kind)
        data, url = {"question_id": q.id, **fields(q)}, f"/j/{workshop.code}/answer"
        fast = client.post(url, data=data, headers={"HX-Request": "true"})
        monkeypatch.setattr(views, "_answer_quickly", lambda code: None)
        full = client.post(url, data=data, headers={"HX-Request": "true"})
        monkeypatch.setattr(views, "_answer_quickly", quick)
        assert fast.status_code == full.status_code == 200, kind
        assert b"has been saved" in fast.data, kind
        assert _untimed(fast) == _untimed(full), kind


def _untimed(response) -> str:
    """The page without its CSRF token's value (signed with the time, so it differs)."""
    return re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1"', response.get_data(as_text=True))
