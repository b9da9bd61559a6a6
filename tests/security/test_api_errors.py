"""The API's errors keep its own promises (issue 16, point 9): every error under
``/api/v1/`` matches the ``Error`` schema of the OpenAPI document it serves, the NUL-byte
refusal included, and a method a URL does not take is answered 405 with ``Allow``.
"""

from __future__ import annotations

import pytest


def _error_schema(client) -> dict:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["components"]["schemas"]["Error"]


def _validate(body, schema: dict) -> None:
    """The Error schema is a flat object of strings (checked here, so a change to it
    that this check cannot follow fails loudly)."""
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert all(p == {"type": "string"} for p in schema["properties"].values()), schema
    assert isinstance(body, dict), body
    assert set(schema["required"]) <= set(body) <= set(schema["properties"]), body
    assert all(isinstance(value, str) for value in body.values()), body


@pytest.mark.parametrize("query", ["q=a%00b", "date_from=%00", "page=1%00"])
def test_a_nul_byte_in_the_api_answers_the_apis_error_schema(client, factory, login, query):
    login(factory.user(role="researcher"))
    response = client.get(f"/api/v1/contributions?{query}")
    assert response.status_code == 400
    body = response.get_json()
    _validate(body, _error_schema(client))
    assert "NUL" in body["error"]  # the reason, not only "there is a problem"


def test_an_unknown_api_path_answers_the_apis_error_schema(client, factory, login):
    login(factory.user(role="researcher"))
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    _validate(response.get_json(), _error_schema(client))


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/contributions",
                                  "/api/v1/openapi.json", "/search"])
@pytest.mark.parametrize("method", ["TRACE", "PATCH"])
def test_a_method_the_url_does_not_take_is_answered_with_allow(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
    assert "GET" in allowed and method not in allowed


@pytest.mark.parametrize("name", ["locality", "briefing", "finding", "workshop", "code"])
@pytest.mark.parametrize("value", ["0", "000", "1000000000"])
def test_ids_outside_the_documented_range_are_refused(client, factory, login, name, value):
    """The document says 1 to 999,999,999; 0 used to be taken as a filter (of nothing)."""
    login(factory.user(role="researcher"))
    document = client.get("/api/v1/openapi.json").get_json()
    [parameter] = [p for p in document["paths"]["/api/v1/contributions"]["get"]["parameters"]
                   if p["name"] == name]
    assert parameter["schema"]["minimum"] == 1
    response = client.get(f"/api/v1/contributions?{name}={value}")
    assert response.status_code == 400
    _validate(response.get_json(), _error_schema(client))
    assert "from 1 to" in response.get_json()["error"]
    assert client.get(f"/api/v1/contributions?{name}=1").status_code == 200


@pytest.mark.parametrize("query", ["page=1000001", "page=", "per_page=", "education_role=",
                                   "locality=", "date_to="])
def test_what_schemathesis_found_is_refused_in_the_apis_own_terms(client, factory, login,
                                                                   query):
    """A page past the documented maximum answered the site's 404 (not the API's 400), and
    an empty filter was taken as no filter though the document allows no empty value."""
    login(factory.user(role="researcher"))
    response = client.get(f"/api/v1/contributions?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    _validate(response.get_json(), _error_schema(client))
