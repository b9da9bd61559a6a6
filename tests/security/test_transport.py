"""Transport and cookies (issue 16, point 7): HSTS over HTTPS, "__Host-" cookie names
in production, a new CSRF token at sign-in, and no cache keeping personal pages,
downloads or error pages."""

from __future__ import annotations

import pytest

from dialogue import create_app
from dialogue.config import Config
from dialogue.schema import create_all
from tests.factories import PASSWORD


def test_hsts_over_https_only(client):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    for name in ("SESSION_COOKIE_SECURE", "REDIS_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"CONFIG": Config, "SECRET_KEY": "production-test",
                      "PUBLIC_URL": "https://dialogue.test", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    with app.app_context():
        create_all()
    return app


def test_production_cookies_are_host_only_and_secure(production_app):
    client = production_app.test_client()
    response = client.get("/login", base_url="https://dialogue.test")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert production_app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"


def test_plain_http_keeps_plain_cookie_names(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    app = create_app({"CONFIG": Config, "SECRET_KEY": "x", "PUBLIC_URL": "http://localhost",
                      "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_the_csrf_token_changes_at_sign_in(app, client, factory):
    user = factory.user()
    client.get("/login")
    with client.session_transaction() as session:
        before = session["csrf_token"]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    client.get("/account")
    with client.session_transaction() as session:
        assert session["csrf_token"] != before


def test_signed_in_pages_are_not_stored(client, factory, login):
    assert client.get("/login").headers["Cache-Control"] == "private, no-cache"
    login(factory.user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_error_pages_say_how_to_cache(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
