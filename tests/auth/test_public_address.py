"""Absolute URLs come from PUBLIC_URL, never from a request's Host or X-Forwarded-Host.

Before: ``POST /password/forgot`` with ``Host: evil.example`` mailed a reset link to
``https://evil.example/password/reset/<token>`` (issue 16, point 1).
"""

from __future__ import annotations

import re

import pytest

from dialogue import create_app
from dialogue.config import TestConfig
from dialogue.mail import outbox

PUBLIC = "https://dialogue.example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_URL": PUBLIC, "TRUSTED_PROXIES": 1}


def _reset_links() -> list[str]:
    return re.findall(r"https?://\S+/password/reset/\S+", outbox()[-1].get_content())


def test_a_forged_host_is_refused(client, factory):
    factory.user(email="reset@school.example.org")
    response = client.post("/password/forgot", data={"email": "reset@school.example.org"},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert outbox() == []


def test_a_forwarded_host_is_ignored_and_the_link_is_the_public_address(client, factory):
    factory.user(email="reset@school.example.org")
    response = client.post("/password/forgot", data={"email": "reset@school.example.org"},
                           headers={"Host": "dialogue.example.org",
                                    "X-Forwarded-Host": "evil.example",
                                    "X-Forwarded-Proto": "https"})
    assert response.status_code in (200, 302)
    links = _reset_links()
    assert links and all(link.startswith(PUBLIC + "/password/reset/") for link in links)


def test_the_join_address_and_qr_use_the_public_address(app, client, factory, login):
    facilitator = factory.user(role="facilitator")
    workshop, _question, _options = factory.workshop(owner=facilitator)
    login(facilitator)
    page = client.get(f"/workshops/{workshop.id}/present",
                      headers={"Host": "dialogue.example.org",
                               "X-Forwarded-Host": "evil.example"})
    text = page.get_data(as_text=True)
    assert "evil.example" not in text
    assert "dialogue.example.org" in text


def test_production_refuses_to_start_without_a_public_address(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set"):
        create_app({"CONFIG": "production", "SECRET_KEY": "x" * 48,
                    "INSTANCE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})


def test_loopback_public_address_accepts_both_loopback_names(tmp_path):
    app = create_app({"CONFIG": TestConfig, "PUBLIC_URL": "http://127.0.0.1:5000",
                      "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    client = app.test_client()
    for host in ("127.0.0.1:5000", "localhost:5000"):
        assert client.get("/healthz", headers={"Host": host}).status_code != 400
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
