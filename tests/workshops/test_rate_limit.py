"""Voting is limited per participant, not per IP address (a school shares one)."""

import pytest

from tests.workshops.helpers import go_to


@pytest.fixture
def app_config(app_config):
    app_config.update(RATELIMIT_ENABLED=True, VOTE_RATE_LIMIT="3 per minute",
                      RATELIMIT_STORAGE_URI="memory://")
    return app_config


def test_one_participant_is_limited_but_others_at_the_same_address_are_not(
        workshop, facilitator, join):
    q = go_to(workshop, facilitator, "scale")
    busy, other = join(workshop), join(workshop)
    url = f"/j/{workshop.code}/answer"
    statuses = [busy.post(url, data={"question_id": q.id, "value": 3}).status_code
                for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert other.post(url, data={"question_id": q.id, "value": 4}).status_code == 302
