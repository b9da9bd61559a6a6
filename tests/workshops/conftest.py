"""Workshop fixtures: a facilitator, a workshop with one question of each type, and
participants joined through the real join form (so they hold the real cookie)."""

from __future__ import annotations

import pytest


@pytest.fixture
def facilitator(factory):
    return factory.user(role="facilitator", name="Fran Facilitator")


@pytest.fixture
def workshop(factory, facilitator):
    """A draft workshop with one question of every type, in this order."""
    return factory.workshop_of_every_kind(facilitator)


@pytest.fixture
def join(app):
    """``join(workshop)`` -> a test client holding a participant cookie for it."""

    def _join(workshop, client=None, **about):
        client = client or app.test_client()
        response = client.post("/join", data={"code": workshop.code, **about})
        assert response.status_code == 302, response.data
        return client

    return _join
