"""The API reference page: read from the OpenAPI document the API serves."""

from __future__ import annotations

from dialogue.reports import exports
from dialogue.reports.api import openapi_document
from dialogue.reports.api_reference import common_parameters, describe_type, operations


def test_types_are_described_in_words():
    assert describe_type({"type": "integer", "minimum": 1, "maximum": 200}) == \
        "whole number, 1 to 200"
    assert describe_type({"type": ["string", "null"]}) == "text or empty"
    assert describe_type({"$ref": "#/components/schemas/Shares"}) == "Shares"
    assert describe_type({"type": "array", "items": {"$ref": "#/x/Shares"}}) == "list of Shares"
    assert describe_type({"type": "string", "format": "date"}) == "date (YYYY-MM-DD)"
    assert describe_type({"type": "integer", "minimum": 0}) == "whole number, at least 0"
    assert describe_type({"oneOf": [{"type": "null"}, {"type": "object"}]}) == "empty or object"


def test_every_endpoint_and_field_of_the_document_is_described():
    document = openapi_document()
    ops = operations(document)
    assert [op.path for op in ops] == list(document["paths"])
    contributions = next(op for op in ops if op.path == "/api/v1/contributions")
    # The columns the CSV export writes are the fields an API item carries.
    assert [f.name for f in contributions.fields] == \
        [column for column, _meaning in exports.FILES["contributions"]]
    assert {"200", "400", "401", "403"} <= {status for status, _ in contributions.responses}
    assert "phase" in {p.name for p in common_parameters(ops)}


def test_the_page_lists_endpoints_fields_and_filters(client, login, researcher):
    login(researcher)
    page = client.get("/research/api")
    assert page.status_code == 200
    for path in openapi_document()["paths"]:
        assert f"<code>{path}</code>" in page.text
    for column, _meaning in exports.FILES["participants"]:
        assert f"<code>{column}</code>" in page.text
    assert 'id="api-try"' in page.text and "api_try.js" in page.text
    assert "per_page" in page.text and "Items per page" in page.text
    tokens = client.get("/research/tokens")
    assert 'href="/research/api"' in tokens.text


def test_practitioners_do_not_see_it(client, login, factory):
    login(factory.user())
    assert client.get("/research/api").status_code == 403
