"""Every URL rule x every role against the expected-access table.

Allowed roles must not be refused (no 401/403, no bounce to sign-in, no 5xx). Others
must be refused: anonymous visitors are sent to sign in (or get 401), signed-in users
get 403.
"""

from __future__ import annotations

import pytest

from tests.access import ANONYMOUS, ROLES
from tests.routes import ALL_ROUTES, build_world

SKIPPED_ENDPOINTS = {"static"}


def test_every_url_rule_has_an_access_row(app):
    declared = {(route.endpoint, route.method) for route in ALL_ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in declared:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "Add these to a tests/<feature>/access.py table:\n" + "\n".join(missing)


def test_access_rows_name_real_routes(app):
    real = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods}
    unknown = [f"{r.method} {r.endpoint}" for r in ALL_ROUTES if (r.endpoint, r.method) not in real]
    assert not unknown


def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get(
        "Location", ""
    )


@pytest.mark.parametrize("role", ROLES)
def test_route_sweep(role, app, factory, login):
    world = build_world(factory)
    problems = []
    # Reads first, so that actions cannot remove what later reads need.
    ordered = sorted(ALL_ROUTES, key=lambda r: (r.method != "GET", r.endpoint))
    for route in ordered:
        client = app.test_client()
        if role != ANONYMOUS:
            login(world.users[role], client)
        url = route.build_url(world)
        response = client.open(url, method=route.method, data=route.build_data(world))
        status = response.status_code
        refused = status in (401, 403) or _is_login_redirect(response)
        if status >= 500:
            problems.append(f"{route.method} {url}: {status} (server error)")
        elif role in route.allowed and refused:
            problems.append(f"{route.method} {url}: refused with {status}, expected access")
        elif role not in route.allowed and not refused:
            problems.append(f"{route.method} {url}: {status}, expected refusal")
        elif role not in route.allowed and role != ANONYMOUS and status != 403:
            problems.append(f"{route.method} {url}: {status}, expected 403")
    assert not problems, f"as {role}:\n" + "\n".join(problems)
