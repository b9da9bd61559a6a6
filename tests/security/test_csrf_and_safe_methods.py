"""CSRF on every state change, and no state change on GET.

Both sweeps use the route sweep's tables (``tests/<feature>/access.py``), which must
name every URL rule of the app, so a new route is covered as soon as it has its row.
"""

from __future__ import annotations

import pytest

from dialogue.demo import load_demo
from dialogue.extensions import db
from tests.access import ANONYMOUS, ROLES
from tests.routes import ALL_ROUTES, build_world
from tests.security.dbdump import dump_database

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Endpoints that may take a state-changing request without a CSRF token, and why.
CSRF_EXEMPT = {
    # The research API authenticates with a bearer token, which a browser never sends
    # by itself, so a cross-site request cannot act with someone's authority.
    "reports_api.": "bearer-token API, no cookie authority",
    "api.": "bearer-token API, no cookie authority",
    # RFC 8058 one-click unsubscribe: a mail program POSTs with no cookie and no token
    # of ours; the signed token in the URL, held only by the recipient's mailbox, is the
    # proof, and the request uses no session (tests/notifications/test_email.py).
    "notifications.unsubscribe": "one-click unsubscribe, authorised by the signed link",
}


def _exempt(endpoint: str) -> bool:
    return any(endpoint.startswith(prefix) for prefix in CSRF_EXEMPT)


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _caller(route) -> str:
    """A role the route lets in (so a refusal is CSRF's, not the permission check's)."""
    for role in ROLES:
        if role in route.allowed and role != ANONYMOUS:
            return role
    return ANONYMOUS


def test_every_state_changing_route_needs_a_csrf_token(app, factory, login):
    world = build_world(factory)
    problems = []
    checked = 0
    for route in ALL_ROUTES:
        if route.method not in STATE_CHANGING or _exempt(route.endpoint):
            continue
        client = app.test_client()
        role = _caller(route)
        if role != ANONYMOUS:
            login(world.users[role], client)
        url = route.build_url(world)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=route.method, data=route.build_data(world),
                                   headers=headers)
            checked += 1
            if response.status_code != 400:
                problems.append(f"{route.method} {url} as {role} "
                                f"{'(htmx) ' if headers else ''}-> {response.status_code}")
            elif "expired or was sent from another site" not in response.get_data(as_text=True):
                problems.append(f"{route.method} {url}: 400 without the CSRF message")
    assert checked > 0
    assert not problems, "accepted without a CSRF token:\n" + "\n".join(problems)


def test_a_valid_csrf_token_is_accepted(app, factory, login, client):
    """The sweep above is only meaningful if a request with the token gets through."""
    import re

    user = factory.user()
    login(user)
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/account/consent", data={"research_consent": "no",
                                                      "csrf_token": token})
    assert response.status_code == 302
    response = client.post("/account/consent", data={"research_consent": "no"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302


def _load_demo() -> None:
    load_demo()
    db.session.commit()


# Tables that hold only figures worked out from other tables, which a page read may store
# so other workers need not work them out again: no state a request could change.
DERIVED = {"you_said_cache"}


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_changes_the_database(role, app, factory, login):
    world = build_world(factory)
    _load_demo()
    db.session.expire_all()
    before = dump_database()
    client = app.test_client()
    if role != ANONYMOUS:
        login(world.users[role], client)
    statuses = []
    for route in ALL_ROUTES:
        if route.method != "GET":
            continue
        url = route.build_url(world)
        response = client.get(url)
        statuses.append((url, response.status_code))
        assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
    db.session.expire_all()
    after = dump_database()
    changed = {name: (len(before[name]), len(after[name]))
               for name in before if before[name] != after[name] and name not in DERIVED}
    assert not changed, f"GET requests as {role} changed tables (rows before, after): {changed}"
    assert len(statuses) >= 10
