"""The research API: tokens, pagination, filters, and conformance to its OpenAPI document
(schemathesis, in-process against the WSGI app: no network)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from dialogue.auth.models import Role, RoleGrant
from dialogue.extensions import db
from dialogue.reports import services
from dialogue.reports.models import ApiToken


@pytest.fixture
def token(researcher):
    _token, secret = services.create_api_token(researcher, "tests")
    db.session.commit()
    return secret


def test_tokens_are_hashed_and_revocable(client, login, researcher, token, data):
    stored = db.session.scalar(db.select(ApiToken))
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert token not in repr(db.session.execute(db.select(ApiToken.__table__)).all())
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/contributions", headers=auth).status_code == 200
    assert client.get("/api/v1/contributions").status_code == 401
    bad = client.get("/api/v1/contributions", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "error" in bad.get_json()
    login(researcher)
    client.post(f"/research/tokens/{stored.id}/revoke")
    client.post("/logout")
    assert client.get("/api/v1/contributions", headers=auth).status_code == 401


def test_token_stops_working_when_the_role_goes(client, factory, data):
    person = factory.user(role="researcher")
    _t, secret = services.create_api_token(person, "x")
    db.session.commit()
    db.session.execute(db.delete(RoleGrant).where(RoleGrant.user_id == person.id,
                                                  RoleGrant.role == Role.RESEARCHER))
    db.session.commit()
    response = client.get("/api/v1/codes", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_token_page_shows_the_secret_once(client, login, researcher):
    login(researcher)
    created = client.post("/research/tokens", data={"name": "my laptop"})
    text = created.get_data(as_text=True)
    secret = text.split('class="dialogue-token">')[1].split("<")[0]
    assert secret.startswith("dlg_")
    assert secret not in client.get("/research/tokens").get_data(as_text=True)


def test_pagination_and_filters(client, token, data):
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/v1/contributions?per_page=5", headers=auth).get_json()
    assert first["total"] == 16 and len(first["items"]) == 5 and first["next"]
    second = client.get(first["next"], headers=auth).get_json()
    assert second["page"] == 2
    assert not {i["id"] for i in first["items"] if i["kind"] == "reaction"} & {
        i["id"] for i in second["items"] if i["kind"] == "reaction"}
    secondary = client.get("/api/v1/contributions?phase=secondary", headers=auth).get_json()
    assert secondary["total"] == 2
    assert client.get("/api/v1/contributions?phase=nope", headers=auth).status_code == 400
    assert client.get("/api/v1/contributions?per_page=501", headers=auth).status_code == 400
    findings = client.get("/api/v1/findings", headers=auth).get_json()["items"]
    (finding,) = [f for f in findings if f["overall"]["people"]]
    assert finding["overall"]["people"] == 9
    assert finding["national_figure"]["value"] == "77%"
    small = [s for s in finding["by_phase"] if s["suppressed"]]
    assert small and all(s["people"] is None and s["shares"]["matches"] is None for s in small)


def test_api_conforms_to_its_openapi_document(app, token, data):
    """Every operation, with generated parameters, answers as its OpenAPI document says.

    (schemathesis' pytest fixture loader does not run on pytest 9, so each operation's
    hypothesis strategy is driven here directly; still in-process through WSGI.)
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case):
            case.call_and_validate(headers=headers)

        check()


def test_refusals_answer_json_with_their_status(client, login, factory, token, data):
    auth = {"Authorization": f"Bearer {token}"}
    bad = client.get("/api/v1/contributions?locality=x1", headers=auth)
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "locality must be a whole number from 1 to 999999999."}
    wrong = client.get("/api/v1/contributions?kind=letters", headers=auth)
    assert wrong.get_json() == {"error": "kind is not a valid value."}
    anonymous = client.get("/api/v1/codes")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"]
    login(factory.user())
    refused = client.get("/api/v1/codes")
    assert refused.status_code == 403 and "researchers" in refused.get_json()["error"]
