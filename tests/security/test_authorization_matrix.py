"""The authorization matrix beyond roles: someone else's objects, and guessed ids.

Built on the feature tables (``tests/<feature>/access.py``). Two checks:

* Owner-only rows: a row whose allowed roles are exactly {practitioner} is about the
  practitioner's own object (their post, their account). Another practitioner must be
  refused (403 or 404) on the same URL.
* Guessed ids: every URL with a numeric id, with the id replaced by one that does not
  exist, answers 404 (or the usual refusal) for every role: never a 5xx, never a page.
"""

from __future__ import annotations

import re

import pytest

from tests.access import ANONYMOUS, PRACTITIONER, ROLES
from tests.routes import ALL_ROUTES, build_world

ID_SEGMENT = re.compile(r"/(\d+)(?=/|$|\.|\?)")
OWNER_ONLY = frozenset({PRACTITIONER})


def _refused(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (401, 403, 404, 410) or (
        response.status_code in (302, 303) and "/login" in location)


def test_owner_only_routes_refuse_another_practitioner(app, factory, login):
    world = build_world(factory)
    intruder = factory.user(name="Another practitioner")
    problems, checked = [], 0
    ordered = sorted(ALL_ROUTES, key=lambda r: r.method != "GET")
    for route in ordered:
        if route.allowed != OWNER_ONLY:
            continue
        client = login(intruder, app.test_client())
        url = route.build_url(world)
        response = client.open(url, method=route.method, data=route.build_data(world))
        checked += 1
        if not _refused(response):
            problems.append(f"{route.method} {url}: {response.status_code} for someone else")
    assert checked, "no owner-only rows: the owner-only routes lost their access rows"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_guessed_ids_find_nothing(role, app, factory, login):
    world = build_world(factory)
    problems, checked = [], 0
    for route in ALL_ROUTES:
        if route.method != "GET":
            continue
        url = route.build_url(world)
        if not ID_SEGMENT.search(url):
            continue
        guessed = ID_SEGMENT.sub("/987654", url)
        client = app.test_client()
        if role != ANONYMOUS:
            login(world.users[role], client)
        response = client.get(guessed)
        checked += 1
        if response.status_code >= 500:
            problems.append(f"GET {guessed}: server error {response.status_code}")
        elif not _refused(response):
            problems.append(f"GET {guessed}: {response.status_code}, expected 404")
    assert checked > 0
    assert not problems, f"as {role}:\n" + "\n".join(problems)
