"""Sessions: a new session at sign-in; copied cookies stop working after sign-out or a
password change (Flask-Login cannot revoke a signed cookie by itself, so the session
carries the account's session version, which both bump)."""

from __future__ import annotations

from tests.factories import PASSWORD

SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"


def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _sign_in(client, user, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.status_code
    return response


def _replay(app, name: str, value: str):
    """A fresh browser carrying only a copied cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def _signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def test_sign_in_issues_a_new_session(app, factory, client):
    user = factory.user()
    client.get("/login")
    before = _cookie(client, SESSION_COOKIE)
    _sign_in(client, user)
    after = _cookie(client, SESSION_COOKIE)
    assert after and after != before
    # The cookie from before sign-in does not carry the sign-in.
    if before:
        assert not _signed_in(_replay(app, SESSION_COOKIE, before))
    assert _signed_in(_replay(app, SESSION_COOKIE, after))


def test_session_cookie_replayed_after_logout_is_refused(app, factory, client):
    user = factory.user()
    _sign_in(client, user)
    copied = _cookie(client, SESSION_COOKIE)
    assert _signed_in(_replay(app, SESSION_COOKIE, copied))
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(_replay(app, SESSION_COOKIE, copied))


def test_remember_cookie_replayed_after_logout_is_refused(app, factory, client):
    user = factory.user()
    _sign_in(client, user, remember=True)
    remembered = _cookie(client, REMEMBER_COOKIE)
    assert remembered
    assert _signed_in(_replay(app, REMEMBER_COOKIE, remembered))
    client.post("/logout")
    assert not _signed_in(_replay(app, REMEMBER_COOKIE, remembered))


def test_cookies_replayed_after_password_change_are_refused(app, factory, client):
    user = factory.user()
    _sign_in(client, user, remember=True)
    other_device = app.test_client()
    _sign_in(other_device, user, remember=True)
    copied_session = _cookie(other_device, SESSION_COOKIE)
    copied_remember = _cookie(other_device, REMEMBER_COOKIE)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert _signed_in(client)  # the browser that changed it stays signed in
    assert not _signed_in(other_device)
    assert not _signed_in(_replay(app, SESSION_COOKIE, copied_session))
    assert not _signed_in(_replay(app, REMEMBER_COOKIE, copied_remember))


def test_deleted_account_cookie_is_refused(app, factory, client):
    user = factory.user()
    _sign_in(client, user)
    copied = _cookie(client, SESSION_COOKIE)
    response = client.post("/account/delete", data={"mode": "anonymise", "password": PASSWORD})
    assert response.status_code == 302
    assert not _signed_in(_replay(app, SESSION_COOKIE, copied))


def test_session_cookie_flags(app, factory, client):
    user = factory.user()
    response = _sign_in(client, user, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    for name in (SESSION_COOKIE, REMEMBER_COOKIE):
        line = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in line and "SameSite=Lax" in line
