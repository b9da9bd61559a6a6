"""Audience Q&A: asking, upvoting once, the facilitator's moderation, cheap polls, and
every refusal with its status and nothing stored twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from dialogue.audit import AuditEvent
from dialogue.auth import erasure as registry
from dialogue.extensions import db
from dialogue.forums.models import Thread
from dialogue.workshops import cookies, participants, qa_services, services
from dialogue.workshops.exports import CSV_HEADER
from dialogue.workshops.qa import AudienceQuestion, QAStatus, Upvote

HTMX = {"HX-Request": "true"}


@pytest.fixture
def live(workshop, facilitator):
    """The workshop, started on its first question."""
    services.control(workshop, facilitator, "next")
    db.session.commit()
    return workshop


def _participant(app, workshop, client):
    cookie = client.get_cookie(cookies.cookie_name(workshop.code))
    token = cookies.read_token(app.config["SECRET_KEY"], cookie.value)
    return participants.find_participant(workshop.id, token)


def _ask(client, workshop, text, **kwargs):
    return client.post(f"/j/{workshop.code}/qa/ask", data={"text": text}, **kwargs)


def _upvote(client, workshop, question_id, vote="1", **kwargs):
    return client.post(f"/j/{workshop.code}/qa/{question_id}/upvote", data={"vote": vote},
                       **kwargs)


def _moderate(client, workshop, question_id, action, **data):
    return client.post(f"/workshops/{workshop.id}/qa/{question_id}",
                       data={"action": action, **data})


def _questions():
    db.session.rollback()
    return db.session.scalars(select(AudienceQuestion).order_by(AudienceQuestion.id)).all()


def _upvotes() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Upvote))


def _one_question(client, workshop, text="Will the slides be shared?"):
    assert _ask(client, workshop, text).status_code == 302
    return _questions()[-1]


def test_a_question_shows_to_the_room_and_each_participant_upvotes_it_once(live, join):
    asker, other = join(live), join(live)
    question = _one_question(asker, live)
    assert question.status == QAStatus.VISIBLE
    page = other.get(f"/j/{live.code}/qa")
    assert page.status_code == 200
    assert "Will the slides be shared?" in page.text
    assert "You can enter up to 280 characters" in page.text  # the limit, stated

    assert _upvote(other, live, question.id).status_code == 302
    again = _upvote(other, live, question.id, headers=HTMX)
    assert again.status_code == 409
    assert "You have already upvoted this question." in again.text
    assert _upvotes() == 1

    assert _upvote(other, live, question.id, vote="0").status_code == 302
    assert _upvotes() == 0
    twice = _upvote(other, live, question.id, vote="0", headers=HTMX)
    assert twice.status_code == 409
    assert "nothing to withdraw" in twice.text


def test_a_too_long_question_is_refused_with_the_limit_and_the_text_kept(live, join):
    client = join(live)
    text = "x" * 281
    for headers in ({}, HTMX):
        response = _ask(client, live, text, headers=headers)
        assert response.status_code == 422
        assert "280 characters or fewer (this one has 281)" in response.text
        assert f">{text}</textarea>" in response.text
    assert _questions() == []
    assert _ask(client, live, "   ").status_code == 422


def test_the_same_question_sent_twice_is_stored_once(live, join):
    client = join(live)
    _one_question(client, live, "What about  funding?")
    again = _ask(client, live, "what about funding?", headers=HTMX)
    assert again.status_code == 409
    assert "You have already asked that question." in again.text
    assert len(_questions()) == 1


def test_a_vote_or_question_for_another_workshop_is_refused(app, live, join, factory,
                                                            facilitator, login):
    other_workshop = factory.workshop_of_every_kind(facilitator, title="Elsewhere")
    theirs = _one_question(join(other_workshop), other_workshop)
    client = join(live)
    response = _upvote(client, live, theirs.id, headers=HTMX)
    assert response.status_code == 422
    assert "That question belongs to another workshop." in response.text
    assert _upvotes() == 0

    participant = _participant(app, live, client)
    with pytest.raises(qa_services.WrongWorkshop) as refused:
        qa_services.ask(other_workshop, participant, "Sneaking in?")
    assert refused.value.status == 422
    db.session.rollback()
    assert len(_questions()) == 1

    login(facilitator)  # moderating it through the wrong workshop: not found
    assert _moderate(app.test_client(), live, theirs.id, "pin").status_code in (403, 404)
    staff = app.test_client()
    login(facilitator, staff)
    assert _moderate(staff, live, theirs.id, "pin").status_code == 404
    assert not _questions()[0].pinned


def test_a_participant_cannot_pin_or_moderate(app, live, join, factory, login):
    asker = join(live)
    question = _one_question(asker, live)
    response = _moderate(asker, live, question.id, "pin")
    assert response.status_code == 403
    assert "Only the workshop&#39;s facilitator can" in response.text
    practitioner = app.test_client()
    login(factory.user(role="practitioner"), practitioner)
    join(live, practitioner)
    for action in ("pin", "hide", "answered", "approve"):
        assert _moderate(practitioner, live, question.id, action,
                         reason="no").status_code == 403
    assert practitioner.post(f"/workshops/{live.id}/qa/settings",
                             data={"requires_approval": "1"}).status_code == 403
    stored = _questions()[0]
    assert (stored.pinned, stored.status) == (False, QAStatus.VISIBLE)
    with pytest.raises(qa_services.NotFacilitator):
        qa_services.pin(stored, factory.user(role="facilitator"))


def test_q_and_a_on_an_ended_workshop_is_refused(live, join, facilitator):
    client = join(live)
    question = _one_question(client, live)
    services.end_workshop(live, facilitator)
    db.session.commit()
    refused = _ask(client, live, "One more?", headers=HTMX)
    assert refused.status_code == 409
    assert "The workshop has ended" in refused.text
    assert _upvote(client, live, question.id, headers=HTMX).status_code == 409
    assert len(_questions()) == 1
    assert _upvotes() == 0


def test_approval_holds_questions_until_the_facilitator_approves(app, live, join,
                                                                 facilitator, login):
    staff = app.test_client()
    login(facilitator, staff)
    assert staff.post(f"/workshops/{live.id}/qa/settings",
                      data={"requires_approval": "1"}).status_code == 302
    asker, other = join(live), join(live)
    response = _ask(asker, live, "Is this anonymous?", headers=HTMX)
    assert response.status_code == 200
    assert "once the facilitator approves it" in response.text
    question = _questions()[0]
    assert question.status == QAStatus.PENDING
    assert "Waiting for approval" in asker.get(f"/j/{live.code}/qa").text
    assert "Is this anonymous?" not in other.get(f"/j/{live.code}/qa").text
    assert _upvote(other, live, question.id, headers=HTMX).status_code == 409

    assert _moderate(staff, live, question.id, "approve").status_code == 302
    assert "Is this anonymous?" in other.get(f"/j/{live.code}/qa").text
    again = staff.post(f"/workshops/{live.id}/qa/{question.id}", headers=HTMX,
                       data={"action": "approve"})
    assert again.status_code == 409
    assert "already showing" in again.text


def test_one_pinned_question_at_a_time_and_answered_leaves_the_screen(app, live, join,
                                                                      facilitator, login):
    staff = app.test_client()
    login(facilitator, staff)
    client = join(live)
    first = _one_question(client, live, "First?")
    second = _one_question(client, live, "Second?")
    assert _moderate(staff, live, first.id, "pin").status_code == 302
    assert _moderate(staff, live, second.id, "pin").status_code == 302
    assert [q.pinned for q in _questions()] == [False, True]
    screen = staff.get(f"/workshops/{live.id}/qa/pinned", headers=HTMX)
    assert "Second?" in screen.text and "First?" not in screen.text

    assert _moderate(staff, live, second.id, "answered").status_code == 302
    stored = _questions()[1]
    assert (stored.status, stored.pinned) == (QAStatus.ANSWERED, False)
    refused = staff.post(f"/workshops/{live.id}/qa/{second.id}", headers=HTMX,
                         data={"action": "pin"})
    assert refused.status_code == 409
    assert "not yet answered" in refused.text
    assert "Second?" not in staff.get(f"/workshops/{live.id}/qa/pinned", headers=HTMX).text
    assert _upvote(client, live, second.id, headers=HTMX).status_code == 409


def test_hiding_takes_a_reason_and_keeps_the_text(app, live, join, facilitator, login):
    staff = app.test_client()
    login(facilitator, staff)
    asker, other = join(live), join(live)
    question = _one_question(asker, live, "Something rude")
    no_reason = staff.post(f"/workshops/{live.id}/qa/{question.id}", headers=HTMX,
                           data={"action": "hide"})
    assert no_reason.status_code == 422
    assert "Give a reason" in no_reason.text
    assert _moderate(staff, live, question.id, "hide", reason="Off topic").status_code == 302
    stored = _questions()[0]
    assert (stored.status, stored.text, stored.hidden_reason) == (
        QAStatus.HIDDEN, "Something rude", "Off topic")
    assert "Something rude" not in other.get(f"/j/{live.code}/qa").text
    assert "Not shown to the room" in asker.get(f"/j/{live.code}/qa").text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "qa_hide"))
    moderation = staff.get(f"/workshops/{live.id}/qa")
    assert "Hidden because: Off topic" in moderation.text


def test_an_unchanged_poll_answers_without_rendering(app, live, join, facilitator, login):
    client = join(live)
    question = _one_question(client, live)
    version = qa_services.version(live)
    url = f"/j/{live.code}/qa/list"
    assert client.get(url, query_string={"v": version}).status_code == 204
    first = client.get(url, headers=HTMX)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag == f'"qa{live.id}-{version}-votes"'
    assert client.get(url, headers={**HTMX, "If-None-Match": etag}).status_code == 304
    _upvote(client, live, question.id)
    changed = client.get(url, query_string={"v": version}, headers=HTMX)
    assert changed.status_code == 200
    assert "1 upvote" in changed.text
    assert client.get("/j/NOPE99/qa/list").status_code == 404

    staff = app.test_client()
    login(facilitator, staff)
    now = qa_services.version(live)
    for path in ("", "/pinned"):
        assert staff.get(f"/workshops/{live.id}/qa{path}", headers=HTMX,
                         query_string={"v": now}).status_code == 204


def test_the_list_sorts_by_votes_or_newest(live, join):
    asker, voter = join(live), join(live)
    older = _one_question(asker, live, "Older question")
    _one_question(asker, live, "Newer question")
    _upvote(voter, live, older.id)
    by_votes = voter.get(f"/j/{live.code}/qa").text
    newest = voter.get(f"/j/{live.code}/qa", query_string={"sort": "newest"}).text
    assert by_votes.index("Older question") < by_votes.index("Newer question")
    assert newest.index("Newer question") < newest.index("Older question")
    assert "Withdraw my upvote" in by_votes


def test_without_joining_phones_are_sent_to_join(app, live):
    stranger = app.test_client()
    response = stranger.get(f"/j/{live.code}/qa")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{live.code}")
    assert _ask(stranger, live, "Hello?").status_code == 302
    assert _questions() == []


def test_simultaneous_upvotes_by_one_participant_are_stored_once(app, live, join):
    asker = join(live)
    question_id = _one_question(asker, live).id
    cookie = asker.get_cookie(cookies.cookie_name(live.code))
    clients = []
    for _ in range(8):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []
    url = f"/j/{live.code}/qa/{question_id}/upvote"

    def run(client):
        try:
            barrier.wait()
            statuses.append(client.post(url, data={"vote": "1"}, headers=HTMX).status_code)
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(statuses) == [200] + [409] * 7
    assert _upvotes() == 1


def test_the_room_s_questions_reach_the_results_and_the_csv(app, live, join, facilitator):
    asker = join(live, education_role="teacher", phase="primary")
    shown = _one_question(asker, live, "Shown")
    hidden = _one_question(asker, live, "Hidden one")
    answered = _one_question(asker, live, "Answered one")
    _upvote(join(live), live, answered.id)
    qa_services.hide(hidden, facilitator, "Duplicate")
    qa_services.mark_answered(answered, facilitator)
    db.session.commit()
    summary = qa_services.qa_summary(live)
    assert [(row.text, row.votes, row.answered) for row in summary] == [
        ("Answered one", 1, True), ("Shown", 0, False)]
    assert summary[0].education_role == "teacher" and summary[0].phase == "primary"
    rows = qa_services.qa_export_rows(live)
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    assert [(row[7], row[8], row[9]) for row in rows] == [
        ("Shown", 0, "no"), ("Hidden one", 0, "yes"), ("Answered one", 1, "no")]
    assert shown.education_role == "teacher"


def test_the_results_page_csv_and_pdf_carry_the_room_s_questions(live, join, facilitator,
                                                                  client, login, monkeypatch):
    asker = join(live, education_role="teacher", phase="primary")
    shown = _one_question(asker, live, "Shown to the room " + "q" * 200)
    hidden = _one_question(asker, live, "Hidden from the room")
    waiting_settings = qa_services.settings(live)
    _upvote(join(live), live, shown.id)
    qa_services.hide(hidden, facilitator, "Off topic")
    waiting_settings.requires_approval = True
    db.session.commit()
    _one_question(asker, live, "Waiting for approval")
    login(facilitator)

    page = client.get(f"/workshops/{live.id}/results")
    assert page.status_code == 200
    section = page.text.split('id="qa-results"', 1)[1]
    assert "Shown to the room " + "q" * 200 in section
    assert "1 question the room saw" in section
    # Like hidden answers: what the room never saw stays out of the page (the CSV has it),
    # and no role or phase sits beside a question.
    assert "Hidden from the room" not in section and "Waiting for approval" not in section
    assert "Teacher" not in section and "Primary" not in section

    csv = client.get(f"/workshops/{live.id}/results.csv").get_data(as_text=True)
    qa_lines = [line for line in csv.splitlines() if line.startswith("Q&A,")]
    assert len(qa_lines) == 3
    assert any("Hidden from the room" in line and ",yes," in line for line in qa_lines)
    assert any("Shown to the room" in line and ",1,no," in line for line in qa_lines)

    rendered = {}
    monkeypatch.setattr("dialogue.workshops.exports.render_pdf_limited",
                        lambda html, **kw: rendered.setdefault("html", html).encode())
    assert client.get(f"/workshops/{live.id}/results.pdf").status_code == 200
    assert "Shown to the room" in rendered["html"]
    assert "Hidden from the room" not in rendered["html"]


def test_removing_someone_s_data_erases_their_questions_and_upvotes(app, live, join,
                                                                   factory, login):
    person = factory.user(role="practitioner")
    theirs = app.test_client()
    login(person, theirs)
    join(live, theirs)
    mine = _one_question(theirs, live, "Mine")
    others = _one_question(join(live), live, "Someone else's")
    _upvote(theirs, live, others.id)
    _upvote(join(live), live, mine.id)
    assert qa_services.erase in registry.erasers()
    qa_services.erase(person.id)
    db.session.commit()
    assert [q.text for q in _questions()] == ["Someone else's"]
    assert _upvotes() == 0


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(RATELIMIT_ENABLED=True, VOTE_RATE_LIMIT="3 per minute",
                          RATELIMIT_STORAGE_URI="memory://")
        return app_config

    def test_one_participant_is_limited_but_not_the_room(self, live, join):
        busy, other = join(live), join(live)
        statuses = [_ask(busy, live, f"Question {n}?").status_code for n in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert _ask(other, live, "Mine?").status_code == 302
        assert len(_questions()) == 4


def test_a_closed_workshop_s_list_stops_polling(live, join, facilitator):
    client = join(live)
    _one_question(client, live)
    services.end_workshop(live, facilitator)
    db.session.commit()
    response = client.get(f"/j/{live.code}/qa/list", headers=HTMX)
    assert response.status_code == 286
    assert "hx-trigger" not in response.text
    page = client.get(f"/j/{live.code}/qa")
    assert "This workshop has ended" in page.text and "takes no more questions" in page.text
    assert dt.date.today() == live.date


def test_a_phone_on_the_q_and_a_page_is_told_the_workshop_has_ended(live, join,
                                                                   facilitator):
    """The list's last poll brings the whole panel: the ask form goes, and a notice says
    so (out loud: the page's heading stays) and where the results are."""
    client = join(live)
    _one_question(client, live)
    version = qa_services.version(live)
    before = client.get(f"/j/{live.code}/qa/list?v={version - 1}", headers=HTMX)
    assert before.status_code == 200 and "HX-Retarget" not in before.headers
    services.end_workshop(live, facilitator)
    db.session.commit()
    ended = client.get(f"/j/{live.code}/qa/list?v={version}", headers=HTMX)
    assert ended.status_code == 286
    assert ended.headers["HX-Retarget"] == "#qa-panel"
    assert ended.headers["HX-Reswap"] == "outerHTML"
    html = ended.get_data(as_text=True)
    assert html.lstrip().startswith("<section id=\"qa-panel\"")
    assert 'role="alert"' in html and "This workshop has ended" in html
    assert f'href="/j/{live.code}/results"' in html
    assert "<textarea" not in html and "Send my question" not in html
    assert "Upvote" not in html and "hx-trigger" not in html
    assert "Will the slides be shared?" in html  # the room's questions stay to read
    # Loaded afresh, the page says the same, without interrupting.
    page = client.get(f"/j/{live.code}/qa").get_data(as_text=True)
    assert "This workshop has ended" in page and 'role="alert"' not in page
    assert "<textarea" not in page and f'href="/j/{live.code}/results"' in page


def test_the_ended_q_and_a_links_to_the_published_card(app, factory, trusted, join,
                                                       login):
    facilitator = factory.user(role="facilitator")
    workshop, _, _ = factory.workshop(facilitator, factory.locality())
    db.session.commit()
    phone = join(workshop)
    services.end_workshop(workshop, facilitator)
    db.session.commit()
    assert "published results card" not in phone.get(f"/j/{workshop.code}/qa").text
    publisher = app.test_client()
    login(facilitator, publisher)
    assert publisher.post(f"/workshops/{workshop.id}/results-card/publish",
                          data={"intro": "Thank you."}).status_code == 302
    thread = db.session.scalar(select(Thread))
    html = phone.get(f"/j/{workshop.code}/qa/list", headers=HTMX).get_data(as_text=True)
    assert f'href="/threads/{thread.id}"' in html
    assert "Read the published results card" in html
