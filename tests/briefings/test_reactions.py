"""Reactions: one per person, changeable, totals hidden until you react, profile
snapshots, retired findings refused, htmx and plain POST, per-user rate limit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogue.auth.models import EducationRole, Phase, SchoolType
from dialogue.briefings.models import Finding, Reaction, ReactionAnswer
from dialogue.extensions import db

KEY = "markets-competition-secondary"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def finding(imported):
    return db.session.scalar(select(Finding).where(Finding.key == KEY))


def _reactions(finding):
    return db.session.scalars(select(Reaction).where(Reaction.finding_id == finding.id)).all()


def test_anonymous_sees_sign_in_prompt_and_no_totals(client, finding, factory):
    from dialogue.briefings import services

    services.react(finding, factory.user(), ReactionAnswer.MATCHES)
    page = client.get(f"/findings/{KEY}").get_data(as_text=True)
    assert "Sign in to say whether this matches your experience" in page
    assert "How people have answered" not in page
    response = client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert len(_reactions(finding)) == 1


def test_totals_hidden_until_the_person_reacts(client, login, factory, finding):
    from dialogue.briefings import services

    for _ in range(3):
        services.react(finding, factory.user(), ReactionAnswer.DOES_NOT_MATCH)
    me = factory.user()
    login(me)
    before = client.get("/briefings/markets").get_data(as_text=True)
    assert "Does this match your experience?" in before
    assert "How people have answered" not in before
    response = client.post(f"/findings/{KEY}/reaction",
                           data={"answer": "partly", "origin": "briefing"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/briefings/markets#reaction-{KEY}")
    after = client.get("/briefings/markets").get_data(as_text=True)
    assert "How people have answered (4 reactions)" in after
    assert "You said: <strong>Partly matches</strong>" in after
    # Only the finding I answered shows totals.
    assert after.count("How people have answered") == 1


def test_one_reaction_per_person_and_changeable(client, login, factory, finding):
    me = factory.user(education_role=EducationRole.TEACHER, phase=Phase.PRIMARY,
                      school_type=SchoolType.MAINTAINED)
    login(me)
    for answer in ("matches", "matches", "does_not_match"):
        assert client.post(f"/findings/{KEY}/reaction", data={"answer": answer}).status_code == 303
    rows = _reactions(finding)
    assert len(rows) == 1
    assert rows[0].answer is ReactionAnswer.DOES_NOT_MATCH
    assert rows[0].updated_at >= rows[0].created_at


def test_reaction_keeps_the_profile_at_that_moment(client, login, factory, finding):
    locality = factory.locality("locality-b")
    me = factory.user(education_role=EducationRole.HEADTEACHER, phase=Phase.SECONDARY,
                      school_type=SchoolType.MAT_ACADEMY, locality_id=locality.id)
    login(me)
    client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"})
    me.phase = Phase.PRIMARY  # a later profile change does not rewrite history
    db.session.commit()
    row = _reactions(finding)[0]
    assert (row.education_role, row.phase, row.school_type, row.locality_id) == (
        EducationRole.HEADTEACHER, Phase.SECONDARY, SchoolType.MAT_ACADEMY, locality.id)


def test_htmx_reaction_returns_the_widget_with_totals(client, login, factory, finding):
    login(factory.user())
    response = client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"},
                           headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<div class="dialogue-reaction" id="reaction-{KEY}">')
    assert "<html" not in html
    assert "Thank you: your reaction has been recorded." in html
    assert "How people have answered (1 reaction)" in html
    assert 'aria-pressed="true">Matches my experience' in html
    # The message also goes to the page's existing live region, out of band.
    assert '<div hx-swap-oob="innerHTML:#alerts">' in html


def test_invalid_answer_is_refused(client, login, factory, finding):
    login(factory.user())
    response = client.post(f"/findings/{KEY}/reaction", data={"answer": "love-it"},
                           headers=HTMX)
    assert response.status_code == 422
    assert "govuk-error-message" in response.get_data(as_text=True)
    assert "HX-Retarget" not in response.headers  # swapped into the widget, not #alerts
    assert _reactions(finding) == []


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_retired_finding_refuses_reactions(client, login, factory, finding, headers):
    finding.retire()
    db.session.commit()
    login(factory.user())
    response = client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"},
                           headers=headers)
    assert response.status_code == 409
    assert "retired, so it no longer takes reactions" in response.get_data(as_text=True)
    assert _reactions(finding) == []


def test_suspended_user_cannot_react(client, login, factory, finding):
    from datetime import timedelta

    from dialogue.db import utcnow

    me = factory.user(suspended_until=utcnow() + timedelta(days=1))
    login(me)
    assert client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"}).status_code == 403


@pytest.fixture
def strict(app_config):
    app_config.update(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                      VOTE_RATE_LIMIT="3 per minute")
    return app_config


def test_csrf_is_required(strict, client, login, factory, finding):
    login(factory.user())
    response = client.post(f"/findings/{KEY}/reaction", data={"answer": "matches"})
    assert response.status_code == 400
    assert _reactions(finding) == []


def test_reactions_are_rate_limited_per_user(strict, client, login, factory, finding):
    def post(who):
        login(who)
        page = client.get(f"/findings/{KEY}").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post(f"/findings/{KEY}/reaction",
                           data={"answer": "partly", "csrf_token": token})

    first, second = factory.user(), factory.user()
    codes = [post(first).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    # Another person on the same IP address (a school) is not affected.
    assert post(second).status_code == 303


def test_simultaneous_reactions_make_one_row(app, login, factory, finding):
    """Many requests from one person at once: the upsert on UNIQUE(finding, user)
    leaves exactly one row and no request fails."""
    import threading

    me = factory.user()
    clients = [login(me, app.test_client()) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def post(client, answer):
        barrier.wait()
        codes.append(client.post(f"/findings/{KEY}/reaction", data={"answer": answer}).status_code)

    answers = ["matches", "partly", "does_not_match"] * 2
    threads = [threading.Thread(target=post, args=(c, a)) for c, a in zip(clients, answers,
                                                                          strict=True)]
    db.session.commit()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [303] * len(clients)
    db.session.expire_all()
    assert len(_reactions(finding)) == 1


def test_demo_reactions_are_idempotent(app, factory, content_dir, app_config):
    from types import SimpleNamespace

    from dialogue.briefings import demo

    app.config["CONTENT_DIR"] = str(content_dir)
    people = SimpleNamespace(practitioners=[factory.user() for _ in range(8)])
    first = demo.load_demo(people)
    assert any("reaction" in line for line in first)
    count = len(db.session.scalars(select(Reaction)).all())
    assert count > 10
    assert demo.load_demo(people) == []
    assert len(db.session.scalars(select(Reaction)).all()) == count
