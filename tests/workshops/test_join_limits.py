"""One person, one ballot (issue 16, point 3).

A client that dropped its cookie got a new ballot on every join, without limit (one
script cast 1,363 votes in 60 s), and ``/j/<code>/live`` told anyone, without limit,
whether a code exists.
"""

import pytest

from tests.workshops.helpers import go_to


@pytest.fixture
def app_config(app_config):
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      JOIN_RATE_LIMIT="5 per minute")
    return app_config


@pytest.fixture(autouse=True)
def _fresh_counts(app):
    from dialogue.extensions import limiter
    with app.app_context():
        limiter.reset()


def _join_without_cookie(app, code, address="10.0.0.1"):
    client = app.test_client()  # a new client each time: the cookie is dropped
    return client.post("/join", data={"code": code},
                       environ_overrides={"REMOTE_ADDR": address}).status_code


def test_a_room_of_300_behind_one_address_all_join(app, workshop, facilitator):
    go_to(workshop, facilitator, "scale")
    statuses = [_join_without_cookie(app, workshop.code) for _ in range(300)]
    assert statuses == [302] * 300


def test_a_script_dropping_its_cookie_is_stopped(app, workshop, facilitator):
    app.config.update(JOINS_PER_ADDRESS_RATE_LIMIT="20 per minute")
    go_to(workshop, facilitator, "scale")
    statuses = [_join_without_cookie(app, workshop.code) for _ in range(25)]
    assert statuses == [302] * 20 + [429] * 5
    # Another school's address is not held back by it.
    assert _join_without_cookie(app, workshop.code, "10.0.0.2") == 302
    # Nor by the join link (/j/<code>): the same budget of new ballots.
    client = app.test_client()
    assert client.post(f"/j/{workshop.code}", data={},
                       environ_overrides={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429


def test_every_address_together_is_limited_per_workshop(app, workshop, facilitator):
    app.config.update(JOINS_PER_WORKSHOP_RATE_LIMIT="10 per minute")
    go_to(workshop, facilitator, "scale")
    statuses = [_join_without_cookie(app, workshop.code, f"10.0.1.{n}") for n in range(12)]
    assert statuses == [302] * 10 + [429] * 2


def test_the_phones_poll_does_not_test_codes_without_limit(app, workshop, facilitator, join):
    go_to(workshop, facilitator, "scale")
    phone = join(workshop)
    wrong = [app.test_client().get("/j/ZZZZZZ/live").status_code for _ in range(7)]
    assert wrong == [404] * 5 + [429] * 2
    # A joined phone on another address keeps polling its real code; and so does one on
    # the same address (a school's phones share it with whoever tried the codes).
    assert phone.get(f"/j/{workshop.code}/live",
                     environ_overrides={"REMOTE_ADDR": "10.9.9.9"}).status_code in (200, 204)
    assert phone.get(f"/j/{workshop.code}/live").status_code in (200, 204)
