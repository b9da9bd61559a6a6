"""Out-of-range and malformed input on every URL rule: a 4xx with a message, never a 500.

Generated, so a new route or a new query parameter is covered without editing this
file: the URLs come from the expected-access tables (every URL rule has a row there,
with ids of real objects), the query parameters from the source (every
``request.args`` / ``args.get`` name) and from every form's fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from flask_wtf import FlaskForm

import dialogue
from tests.access import ADMIN, ANONYMOUS
from tests.routes import ALL_ROUTES, build_world

SOURCE = Path(dialogue.__file__).resolve().parent
HOSTILE_NUMBERS = [str(2**64), str(2**63), "-1", "9" * 40]
HOSTILE_VALUES = [*HOSTILE_NUMBERS, "9999-12-31", "0001-01-01", "99999-01-01", "1e309", "abc",
                  "%", "[]", " "]


def _form_classes(base=FlaskForm):
    for subclass in base.__subclasses__():
        yield subclass
        yield from _form_classes(subclass)


def query_parameter_names() -> set[str]:
    """Every query parameter name the application reads, found in its source and forms."""
    names: set[str] = set()
    pattern = re.compile(r"""args\.get\(\s*["']([a-z_]+)["']|args\[\s*["']([a-z_]+)["']\]"""
                         r"""|number\(\s*["']([a-z_]+)["']""")
    for path in SOURCE.rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.update(name for name in match.groups() if name)
    for form_class in _form_classes():
        names.update(name for name, value in vars(form_class).items()
                     if hasattr(value, "field_class"))
    return names


def _get_urls(world) -> list[str]:
    return sorted({route.build_url(world) for route in ALL_ROUTES if route.method == "GET"})


def _with_huge_ids(url: str) -> list[str]:
    """The URL with each number in its path replaced by a number too big for the database."""
    path = urlsplit(url).path
    variants = []
    for match in re.finditer(r"(?<=/)\d+(?=/|$)", path):
        for number in HOSTILE_NUMBERS[:2]:
            variants.append(path[:match.start()] + number + path[match.end():])
    return variants


def test_the_sweep_finds_the_parameters_views_read(app):
    names = query_parameter_names()
    assert {"page", "q", "date_from", "date_to", "per_page", "locality", "next"} <= names


@pytest.mark.parametrize("role", [ANONYMOUS, ADMIN])
def test_huge_ids_in_paths_are_not_found(role, app, factory, login):
    world = build_world(factory)
    client = app.test_client()
    if role != ANONYMOUS:
        login(world.users[role], client)
    problems = []
    for url in _get_urls(world):
        for variant in _with_huge_ids(url):
            status = client.get(variant).status_code
            if status >= 500:
                problems.append(f"GET {variant}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [ANONYMOUS, ADMIN])
def test_hostile_query_parameters_get_a_4xx_not_a_500(role, app, factory, login):
    world = build_world(factory)
    client = app.test_client()
    if role != ANONYMOUS:
        login(world.users[role], client)
    names = sorted(query_parameter_names())
    problems = []
    for url in _get_urls(world):
        base = urlsplit(url).path
        # Every parameter at once with each value, then each alone with the values that
        # most often break (so one parameter's refusal cannot hide another's crash).
        attempts = [{name: value for name in names} for value in HOSTILE_VALUES]
        attempts += [{name: "9999-12-31" if "date" in name else str(2**64)} for name in names]
        for params in attempts:
            response = client.get(f"{base}?{urlencode(params)}")
            if response.status_code >= 500:
                problems.append(f"GET {base}?{urlencode(params)[:120]}: {response.status_code}")
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(problems[:40])
