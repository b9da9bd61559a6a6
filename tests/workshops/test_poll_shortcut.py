"""The unchanged-poll shortcut answers exactly as the Flask view would, only sooner."""

from __future__ import annotations

import re

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from dialogue import create_app
from dialogue.extensions import db
from dialogue.security import SECURITY_HEADERS
from dialogue.workshops import services
from dialogue.workshops.poll_shortcut import LivePollShortcut
from dialogue.workshops.question_fragments import blank_forms
from tests.workshops.helpers import expire_timer, go_to

VIEW = "workshops.participant_live"
REFERENCE = re.compile(rb'(class="dialogue-request-id">|Reference )[^<]+')


def _without_reference(body: bytes) -> bytes:
    return REFERENCE.sub(rb"\1", body)


@pytest.fixture
def flask_calls(app):
    """How many polls reached the Flask view (the shortcut answers the rest)."""
    calls = []
    view = app.view_functions[VIEW]

    def counting_view(**kwargs):
        calls.append(kwargs)
        return view(**kwargs)

    app.view_functions[VIEW] = counting_view
    yield calls
    app.view_functions[VIEW] = view


def _without_shortcut(app):
    shortcut = app.wsgi_app
    assert isinstance(shortcut, LivePollShortcut)
    return shortcut.wsgi_app


def _poll(client, code, query="", **headers):
    return client.get(f"/j/{code}/live", query_string=query, headers=headers)


def test_an_unchanged_poll_never_reaches_flask(workshop, facilitator, join, flask_calls):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    current = workshop.state_version
    response = _poll(client, workshop.code, f"s={current}", **{"HX-Request": "true"})
    assert response.status_code == 204
    assert response.data == b""
    assert flask_calls == []
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    # Counted and logged like Flask's own requests (tests/test_observability.py), with
    # an id to quote.
    assert len(response.headers["X-Request-ID"]) == 32


def test_a_changed_poll_goes_to_flask_and_gets_the_new_question(workshop, facilitator, join,
                                                                flask_calls):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    stale = workshop.state_version
    services.control(workshop, facilitator, "next")
    db.session.commit()
    response = _poll(client, workshop.code, f"s={stale}")
    assert response.status_code == 200
    assert b"Pick up to two" in response.data
    assert len(flask_calls) == 1


@pytest.mark.parametrize("case", [
    "current", "stale", "none", "garbage", "extra", "etag", "weak-etag", "star", "old-etag",
    "lower-case", "unknown-code", "ended",
])
def test_the_shortcut_and_flask_give_the_same_answer(app, workshop, facilitator, join, case):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    current = workshop.state_version
    etag = f"p{workshop.id}-{current}"
    code, query, headers = workshop.code, f"s={current}", {}
    if case == "stale":
        query = f"s={current - 1}"
    elif case == "none":
        query = ""
    elif case == "garbage":
        query = "s=abc"
    elif case == "extra":
        query = f"s={current}&s=0"
    elif case == "etag":
        headers = {"If-None-Match": f'"{etag}"'}
    elif case == "weak-etag":
        headers = {"If-None-Match": f'"other", W/"{etag}"'}
    elif case == "star":
        headers = {"If-None-Match": "*"}
    elif case == "old-etag":
        headers = {"If-None-Match": f'"p{workshop.id}-{current - 1}"'}
    elif case == "lower-case":
        code = code.lower()
    elif case == "unknown-code":
        code = "QQQQQQ"
    elif case == "ended":
        services.end_workshop(workshop, facilitator)
        db.session.commit()

    with_shortcut = _poll(client, code, query, **headers)
    app.wsgi_app = _without_shortcut(app)
    through_flask = _poll(client, code, query, **headers)

    assert with_shortcut.status_code == through_flask.status_code
    assert with_shortcut.headers.get("ETag") == through_flask.headers.get("ETag")
    # Error pages quote each request's own reference; everything else is the same.
    assert _without_reference(with_shortcut.data) == _without_reference(through_flask.data)


def test_when_the_database_is_down_flask_answers(app, workshop, facilitator, join,
                                                flask_calls, monkeypatch):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    shortcut = app.wsgi_app
    shortcut._bind()

    class Broken:
        def connect(self):
            raise ConnectionError("database unreachable")

    monkeypatch.setattr(shortcut, "_engine", Broken())
    monkeypatch.setattr(shortcut, "_redis", None)
    response = _poll(client, workshop.code, f"s={workshop.state_version}")
    # Flask's own path read the database and answered; the shortcut stood aside.
    assert response.status_code == 204
    assert len(flask_calls) == 1


def test_other_paths_and_methods_pass_through(app, workshop, facilitator, join):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    current = f"s={workshop.state_version}"
    assert client.post(f"/j/{workshop.code}/live", query_string=current).status_code == 405
    assert client.get(f"/j/{workshop.code}/live/", query_string=current).status_code == 404


def test_the_room_shares_one_rendering_of_a_new_question(workshop, facilitator, join, app,
                                                         flask_calls):
    """The first phone's poll renders the new question (Flask); the rest of the room gets
    the same bytes from the shortcut, and can answer with the page's CSRF token."""
    first, second = join(workshop), join(workshop)
    app.config["WTF_CSRF_ENABLED"] = True
    page = second.get(f"/j/{workshop.code}")  # the page holds the token in <body hx-headers>
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True)).group(1)
    go_to(workshop, facilitator, "single")
    stale = workshop.state_version - 1
    htmx = {"HX-Request": "true"}
    rendered = _poll(first, workshop.code, f"s={stale}", **htmx)
    assert len(flask_calls) == 1
    assert blank_forms.get(workshop.code, workshop.id, workshop.state_version) is not None
    shared = _poll(second, workshop.code, f"s={stale}", **htmx)
    assert len(flask_calls) == 1  # served by the shortcut
    assert shared.status_code == rendered.status_code == 200
    assert shared.data == rendered.data and b"Pick one" in shared.data
    assert b'name="csrf_token"' not in shared.data  # nothing of one person's in it
    assert shared.headers["ETag"] == rendered.headers["ETag"]
    assert shared.headers["Content-Type"].startswith("text/html")
    q = workshop.current_question
    answered = second.post(f"/j/{workshop.code}/answer", headers={**htmx, "X-CSRFToken": token},
                           data={"question_id": q.id, "option": q.options[0].id})
    assert answered.status_code == 200 and b"has been saved" in answered.data
    refused = second.post(f"/j/{workshop.code}/answer", headers=htmx,
                          data={"question_id": q.id, "option": q.options[0].id})
    assert refused.status_code == 400  # without the token, nothing is accepted


def test_the_shared_form_is_not_for_everyone(workshop, facilitator, join, app, client,
                                             flask_calls):
    """Not joined, without htmx, or an odd query: Flask answers, as it would anyway."""
    first = join(workshop)
    go_to(workshop, facilitator, "single")
    stale = workshop.state_version - 1
    htmx = {"HX-Request": "true"}
    _poll(first, workshop.code, f"s={stale}", **htmx)  # renders and keeps the blank form
    assert len(flask_calls) == 1
    stranger = _poll(client, workshop.code, f"s={stale}", **htmx)
    assert stranger.headers.get("HX-Redirect", "").endswith(f"/j/{workshop.code}")
    _poll(first, workshop.code, f"s={stale}")  # no HX-Request
    _poll(first, workshop.code, f"s={stale}&x=1", **htmx)
    assert len(flask_calls) == 4


def test_someone_who_answered_sees_their_answer_not_the_shared_blank_form(workshop,
                                                                         facilitator, join):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    q = workshop.current_question
    green = next(o for o in q.options if o.label == "Green")
    _poll(client, workshop.code, "s=0", **{"HX-Request": "true"})  # fills the shared form
    answered = client.post(f"/j/{workshop.code}/answer", headers={"HX-Request": "true"},
                           data={"question_id": q.id, "option": green.id})
    assert answered.status_code == 200
    again = _poll(client, workshop.code, "s=0", **{"HX-Request": "true"})
    assert f'value="{green.id}" checked'.encode() in again.data
    assert b"Change my answer" in again.data


@pytest.fixture
def recent_copy(app):
    """The shortcut reusing what it read for a while, as in production."""
    shortcut = app.wsgi_app
    shortcut._ttl = 60.0  # long enough that the test controls what "recent" means
    yield shortcut
    shortcut._ttl = 0.0
    shortcut._recent.clear()


def test_a_recent_copy_answers_unchanged_polls_without_reading(workshop, facilitator, join,
                                                               recent_copy, monkeypatch):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    current = workshop.state_version
    assert _poll(client, workshop.code, f"s={current}").status_code == 204  # reads once
    reads = []
    real = recent_copy._live_state
    monkeypatch.setattr(recent_copy, "_live_state", lambda code: reads.append(code) or real(code))
    for _ in range(5):
        assert _poll(client, workshop.code, f"s={current}").status_code == 204
    assert reads == []


def test_a_stale_copy_delays_news_but_never_sends_a_phone_back(workshop, facilitator, join,
                                                               recent_copy):
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    before = workshop.state_version
    assert _poll(client, workshop.code, f"s={before}").status_code == 204  # copy: before
    services.control(workshop, facilitator, "next")
    db.session.commit()
    after = workshop.state_version
    # Within the copy's lifetime a phone at the old version hears "unchanged"...
    assert _poll(client, workshop.code, f"s={before}").status_code == 204
    # ...but a phone that already has the new version (from another worker) is never
    # answered from the older copy: the worker reads afresh, and then all phones move on.
    assert _poll(client, workshop.code, f"s={after}").status_code == 204
    moved = _poll(client, workshop.code, f"s={before}")
    assert moved.status_code == 200 and b"Pick up to two" in moved.data
    recent_copy._recent.clear()  # the copy expires
    assert _poll(client, workshop.code, f"s={after}").status_code == 204


def test_the_shortcut_is_the_outermost_layer_outside_proxy_fix(app_config):
    """The workshops feature installs it after ``configure`` applied ProxyFix."""
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    assert isinstance(app.wsgi_app, LivePollShortcut)
    assert isinstance(app.wsgi_app.wsgi_app, ProxyFix)
    with app.app_context():
        db.engine.dispose()


def test_after_a_timer_runs_out_the_shortcut_hands_the_poll_to_flask(workshop, facilitator,
                                                                     join, flask_calls):
    """Past the deadline the shortcut cannot say "unchanged": Flask closes the question,
    and the next polls, on the new version, are the shortcut's again."""
    client = join(workshop)
    go_to(workshop, facilitator, "single")
    services.control(workshop, facilitator, "close")
    services.control(workshop, facilitator, "open", seconds=30)
    db.session.commit()
    seen = workshop.state_version
    assert _poll(client, workshop.code, f"s={seen}").status_code == 204
    assert flask_calls == []
    expire_timer(workshop)
    closed = _poll(client, workshop.code, f"s={seen}", **{"HX-Request": "true"})
    assert closed.status_code == 200 and b"Answers to this question are closed" in closed.data
    assert len(flask_calls) == 1
    db.session.refresh(workshop)
    assert _poll(client, workshop.code, f"s={workshop.state_version}").status_code == 204
    assert len(flask_calls) == 1
