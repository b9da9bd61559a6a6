"""Hostile and odd strings into every text field: stored exactly, or refused clearly.

For each field in ``tests/security/fields.py`` and each sample of the corpus, the
outcome must be the one the field's documented rules predict: stored and read back
identical (database, page, own data download), or refused with a 4xx (NUL) or an
error summary naming the problem. Never a 5xx; never raw markup echoed into a page.
Run on SQLite and (with TEST_DATABASE_URL) PostgreSQL: the same predictions hold on
both, which is the "no difference between databases" check.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from markupsafe import escape

from dialogue.extensions import db
from dialogue.security import NUL_MESSAGE
from tests.access import ADMIN, ANONYMOUS, FACILITATOR, PRACTITIONER, RESEARCHER, World
from tests.security.corpus import Sample, corpus, small_corpus
from tests.security.fields import (
    FIELDS,
    NOT_STORED,
    REFUSED,
    STORED,
    TextField,
    encode_form,
    on_the_wire,
    quote_query,
    spreadsheet_safe,
)
from tests.security.marks import heavy

ERROR_SUMMARY = "govuk-error-summary"
EXPENSIVE = {"register.display_name", "register.email"}  # each sample hashes a password


def _world(factory) -> World:
    factory.locality()
    world = World(users={})
    for role in (PRACTITIONER, ADMIN, FACILITATOR, RESEARCHER):
        world.users[role] = factory.user(role=role, name=f"Hostile {role}")
    return world


def _send(client, text_field: TextField, world: World, value: str):
    data = text_field.data(world, value)
    url = text_field.url(world)
    if text_field.method == "GET":
        query = "&".join(f"{key}={quote_query(val)}" for key, val in data.items())
        return client.get(f"{url}?{query}")
    return client.open(url, method=text_field.method, data=encode_form(data),
                       content_type="application/x-www-form-urlencoded")


def _own_data(client) -> dict | None:
    response = client.get("/account/data.json")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True))


def csv_cell(app, login, world: World, spec) -> str | None:
    """The cell of the research CSV that holds the new row's value (None: no such row)."""
    url, column, kind, new_id = spec
    ident = new_id(world)
    researcher = app.test_client()
    login(world.users[RESEARCHER], researcher)
    response = researcher.get(url)
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    for row in csv.DictReader(io.StringIO(text[1:], newline="")):
        if row["kind"] == kind and row["id"] == str(ident):
            return row[column]
    return None


def _echoes_markup(body: str, wire: str) -> bool:
    """True if markup the person sent appears unescaped in the page."""
    return "<" in wire and len(wire) >= 8 and wire in body


def check_sample(app, login, text_field: TextField, world: World, sample: Sample,
                 client) -> list[str]:
    """Problems with one sample in one field (empty when all is as promised)."""
    problems: list[str] = []
    value = sample.value
    wire = on_the_wire(value)
    predicted = text_field.predict(value)
    response = _send(client, text_field, world, value)
    status = response.status_code
    body = response.get_data(as_text=True)
    where = f"{text_field.name} {sample!r}"
    if status >= 500:
        return [f"{where}: server error {status}"]
    if _echoes_markup(body, wire):
        problems.append(f"{where}: markup echoed unescaped in the response")
    refused = status >= 400 or ERROR_SUMMARY in body

    if predicted.kind == NOT_STORED:
        return problems
    if predicted.kind == REFUSED:
        if predicted.status is not None and status != predicted.status:
            problems.append(f"{where}: expected {predicted.status}, got {status}")
        elif predicted.status == 400 and NUL_MESSAGE not in body:
            problems.append(f"{where}: refused without the NUL message")
        elif not refused:
            problems.append(f"{where}: expected a refusal with a message, got {status}")
        stored = text_field.read_back(world) if text_field.read_back else None
        if stored is not None and stored == wire.strip():
            problems.append(f"{where}: refused but stored anyway")
        return problems

    assert predicted.kind == STORED
    expected = predicted.value
    if text_field.extra_rules.get("lower"):
        expected = expected.lower()
    if refused:
        if text_field.may_refuse and status in (200, 400, 422):
            return problems  # another documented validator (e.g. email syntax) said no
        return [*problems, f"{where}: refused ({status}) but the rules allow it"]
    stored = text_field.read_back(world)
    if stored != expected:
        problems.append(f"{where}: stored {stored!r:.80} instead of {expected!r:.80}")
        return problems
    if text_field.page is not None:
        page = client.get(text_field.page(world)).get_data(as_text=True)
        if str(escape(expected)) not in page:
            problems.append(f"{where}: not shown (escaped) on {text_field.page(world)}")
        if _echoes_markup(page, expected):
            problems.append(f"{where}: shown unescaped on {text_field.page(world)}")
    if text_field.export is not None:
        document = _own_data(client)
        if document is not None and text_field.export(document) != expected:
            problems.append(f"{where}: the data download differs")
    if text_field.csv is not None:
        cell = csv_cell(app, login, world, text_field.csv)
        if cell != spreadsheet_safe(expected):
            problems.append(f"{where}: research CSV cell {cell!r:.80} is not the text "
                            "(or the text behind an apostrophe, for a formula)")
    return problems


def run_field(app, factory, login, text_field: TextField, samples: list[Sample]) -> None:
    assert text_field.endpoint in {rule.endpoint for rule in app.url_map.iter_rules()}, (
        f"{text_field.endpoint} is no route: update tests/security/fields.py")
    world = _world(factory)
    if text_field.setup is not None:
        text_field.setup(world)

    db.session.commit()
    problems: list[str] = []
    client = None
    for sample in samples:
        if client is None or text_field.fresh_client:
            client = app.test_client()
            if text_field.role != ANONYMOUS:
                login(world.users[text_field.role], client)
            if text_field.prepare_client is not None:
                text_field.prepare_client(world, client)
        problems += check_sample(app, login, text_field, world, sample, client)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])


def _params():
    for text_field in FIELDS:
        marks = KNOWN_FAILURES.get(text_field.name, ())
        yield pytest.param(text_field, id=text_field.name, marks=marks)


# Strict: when the fault is fixed the test passes, xfail(strict) fails, and the mark goes.
KNOWN_FAILURES: dict = {
    # "field.name": pytest.mark.xfail(strict=True, reason="..."), while a fault is open.
}


@pytest.mark.parametrize("text_field", list(_params()))
def test_hostile_input(text_field, app, factory, login):
    samples = small_corpus() if text_field.name in EXPENSIVE else corpus()
    run_field(app, factory, login, text_field, samples)


@heavy
@pytest.mark.parametrize("text_field", list(_params()))
def test_hostile_input_full_corpus(text_field, app, factory, login):
    run_field(app, factory, login, text_field, corpus(full=True))


def test_corpus_has_what_the_promise_names():
    values = [s.value for s in corpus()]
    assert len(corpus(full=True)) > 550
    assert any("\x00" in v for v in values)
    assert any("\ud800" in v for v in values)
    assert any("\u202e" in v for v in values)
    assert any(len(v) >= 1024 * 1024 for v in values)
    assert any("hx-post" in v for v in values)
    assert any(v.lower().startswith("javascript:") for v in values)
    assert any(v.startswith("data:") for v in values)
    assert any(v.startswith("=") for v in values)


def test_prediction_rules():
    field = FIELDS[0]
    assert field.predict("  Ann  ").value == "Ann"
    assert field.predict("a\x00b").status == 400
    assert field.predict("bell \x07").kind == REFUSED
    assert field.predict("x" * 81).kind == REFUSED
    assert field.predict("x\ud800").value == "x%ED%A0%80"
