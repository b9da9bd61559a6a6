"""The phones' Q&A list: unchanged polls are answered by the poll shortcut, exactly as
the Flask view would answer them, and every other poll goes on to the view."""

from __future__ import annotations

import re

import pytest

from dialogue.extensions import db
from dialogue.security import SECURITY_HEADERS
from dialogue.workshops import qa_services, services
from dialogue.workshops.poll_shortcut import LivePollShortcut
from tests.workshops.test_poll_shortcut import _without_reference

VIEW = "workshops.qa_list"
HTMX = {"HX-Request": "true"}
CSRF = re.compile(rb'(name="csrf_token" value=")[^"]+')


def _same(body: bytes) -> bytes:
    """The body without what differs on every request: error references, CSRF tokens."""
    return CSRF.sub(rb"\1", _without_reference(body))


@pytest.fixture
def live(workshop, facilitator):
    services.control(workshop, facilitator, "next")
    db.session.commit()
    return workshop


@pytest.fixture
def flask_calls(app):
    """How many Q&A polls reached the Flask view (the shortcut answers the rest)."""
    calls = []
    view = app.view_functions[VIEW]

    def counting_view(**kwargs):
        calls.append(kwargs)
        return view(**kwargs)

    app.view_functions[VIEW] = counting_view
    yield calls
    app.view_functions[VIEW] = view


@pytest.fixture
def recent_copy(app):
    """The shortcut reusing what it read for a while, as in production."""
    shortcut = app.wsgi_app
    shortcut._qa._ttl = 60.0  # long enough that the test controls what "recent" means
    yield shortcut
    shortcut._qa._ttl = 0.0
    shortcut._qa._recent.clear()


def _poll(client, code, query="", **headers):
    return client.get(f"/j/{code}/qa/list", query_string=query, headers=headers)


def _ask(client, workshop, text="Will the slides be shared?"):
    assert client.post(f"/j/{workshop.code}/qa/ask", data={"text": text}).status_code == 302


def test_an_unchanged_q_and_a_poll_never_reaches_flask(live, join, flask_calls):
    client = join(live)
    _ask(client, live)
    version = qa_services.version(live)
    for query in (f"v={version}", f"v={version}&sort=votes", f"v={version}&sort=newest"):
        response = _poll(client, live.code, query, **HTMX)
        assert response.status_code == 204 and response.data == b""
    assert flask_calls == []
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    # Someone asks: the next poll holds an old version and goes to Flask for the list.
    _ask(join(live), live, "Is there a recording?")
    changed = _poll(client, live.code, f"v={version}", **HTMX)
    assert changed.status_code == 200 and "Is there a recording?" in changed.text
    assert len(flask_calls) == 1


def _without_shortcut(app):
    shortcut = app.wsgi_app
    assert isinstance(shortcut, LivePollShortcut)
    return shortcut.wsgi_app


@pytest.mark.parametrize("case", [
    "current", "newest", "stale", "none", "garbage", "extra", "odd-sort", "etag",
    "weak-etag", "star", "old-etag", "etag-newest", "lower-case", "unknown-code", "ended",
])
def test_the_shortcut_and_flask_give_the_same_q_and_a_answer(app, live, facilitator, join,
                                                             case):
    client = join(live)
    _ask(client, live)
    version = qa_services.version(live)
    etag = f"qa{live.id}-{version}-votes"
    code, query, headers = live.code, f"v={version}", dict(HTMX)
    if case == "newest":
        query = f"v={version}&sort=newest"
    elif case == "stale":
        query = f"v={version - 1}"
    elif case == "none":
        query = ""
    elif case == "garbage":
        query = "v=abc"
    elif case == "extra":
        query = f"v={version}&v=0"
    elif case == "odd-sort":
        query = f"v={version}&sort=oldest"
    elif case == "etag":
        headers["If-None-Match"] = f'"{etag}"'
    elif case == "weak-etag":
        headers["If-None-Match"] = f'"other", W/"{etag}"'
    elif case == "star":
        headers["If-None-Match"] = "*"
    elif case == "old-etag":
        query, headers["If-None-Match"] = f"v={version - 1}", f'"qa{live.id}-{version - 1}-votes"'
    elif case == "etag-newest":
        query = f"v={version - 1}&sort=newest"
        headers["If-None-Match"] = f'"qa{live.id}-{version}-newest"'
    elif case == "lower-case":
        code = code.lower()
    elif case == "unknown-code":
        code = "QQQQQQ"
    elif case == "ended":
        services.end_workshop(live, facilitator)
        db.session.commit()

    with_shortcut = _poll(client, code, query, **headers)
    app.wsgi_app = _without_shortcut(app)
    through_flask = _poll(client, code, query, **headers)

    assert with_shortcut.status_code == through_flask.status_code
    assert with_shortcut.headers.get("ETag") == through_flask.headers.get("ETag")
    assert with_shortcut.headers.get("Cache-Control") == \
        through_flask.headers.get("Cache-Control")
    assert _same(with_shortcut.data) == _same(through_flask.data)
    if case == "ended":
        # Ending the workshop moved the Q&A version on: the list's last rendering, and
        # htmx stops polling, rather than "unchanged" for as long as the phone stays.
        assert with_shortcut.status_code == 286
        assert "hx-trigger" not in with_shortcut.text


def test_a_recent_copy_answers_without_reading_and_never_sends_a_phone_back(
        live, join, recent_copy, flask_calls, monkeypatch):
    client = join(live)
    _ask(client, live)
    before = qa_services.version(live)
    assert _poll(client, live.code, f"v={before}").status_code == 204  # reads once
    reads = []
    real = recent_copy._qa._read
    monkeypatch.setattr(recent_copy._qa, "_read",
                        lambda code, connect: reads.append(code) or real(code, connect))
    for _ in range(3):
        assert _poll(client, live.code, f"v={before}").status_code == 204
    assert reads == []
    _ask(join(live), live, "Is there a recording?")
    after = qa_services.version(live)
    # Within the copy's lifetime a phone at the old version hears "unchanged"...
    assert _poll(client, live.code, f"v={before}").status_code == 204
    # ...but a phone that already has the new version (from another worker) makes the
    # worker read afresh, and then every phone gets the new list.
    assert _poll(client, live.code, f"v={after}").status_code == 204
    assert reads == [live.code]
    moved = _poll(client, live.code, f"v={before}", **HTMX)
    assert moved.status_code == 200 and "Is there a recording?" in moved.text
    assert len(flask_calls) == 1


def test_when_the_database_is_down_flask_answers_the_q_and_a_poll(app, live, join,
                                                                  flask_calls, monkeypatch):
    client = join(live)
    version = qa_services.version(live)
    shortcut = app.wsgi_app
    shortcut._bind()

    class Broken:
        def connect(self):
            raise ConnectionError("database unreachable")

    monkeypatch.setattr(shortcut, "_engine", Broken())
    assert _poll(client, live.code, f"v={version}").status_code == 204
    assert len(flask_calls) == 1
