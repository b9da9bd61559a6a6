"""The participant cookie: a random pseudonymous token, signed, one cookie per workshop.

Read by the views and by the poll shortcut (which runs before Flask, so nothing here
needs a request)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_PREFIX = "dialogue_wsp_"
_SALT = "workshop-participant"


def cookie_name(code: str) -> str:
    return COOKIE_PREFIX + code


def sign_token(secret_key: str, token: str) -> str:
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(token)


def read_token(secret_key: str, raw: str | None) -> str | None:
    """The participant token in a cookie value, or None if absent or tampered with."""
    if not raw:
        return None
    try:
        return URLSafeSerializer(secret_key, salt=_SALT).loads(raw)
    except BadSignature:
        return None
