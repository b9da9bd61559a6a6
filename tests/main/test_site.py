"""Site-wide behaviour: headers, health, errors, input rules, configuration."""

from __future__ import annotations

import pytest

from dialogue import create_app
from dialogue.config import DevelopmentConfig
from tests.factories import PASSWORD


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_session_cookie_flags(client, factory):
    factory.user(email="t@school.example.org")
    response = client.post("/login", data={"email": "t@school.example.org",
                                           "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_not_found_page_and_htmx_fragment(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#alerts"


def test_nul_bytes_are_refused_with_a_clear_message(client):
    response = client.post("/login", data={"email": "a\x00@b.example.org", "password": "x"})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_request_size_is_limited(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"CONFIG": "production", "INSTANCE_PATH": str(tmp_path)})


def test_development_keeps_a_generated_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"CONFIG": DevelopmentConfig, "INSTANCE_PATH": str(tmp_path)})
    second = create_app({"CONFIG": DevelopmentConfig, "INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example.org/dialogue")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://dialogue.example.org")
    app = create_app({"CONFIG": "production", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example.org/dialogue"


@pytest.fixture
def like_make_run(app_config):
    """As `make run` does it: no SERVER_NAME, so nothing may build URLs without a request."""
    app_config["SERVER_NAME"] = None


def test_demo_data_is_idempotent(like_make_run, runner):
    first = runner.invoke(args=["dialogue", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@dialogue.example.org" in first.output
    second = runner.invoke(args=["dialogue", "demo"])
    assert "nothing added" in second.output
