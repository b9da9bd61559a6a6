"""Session loading, response headers and the site-wide input rules."""

from __future__ import annotations

from flask import Flask, abort, request

from dialogue.extensions import db, login_manager

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

NUL_MESSAGE = (
    "Text cannot contain the NUL character (U+0000). Remove it and try again."
)


def load_user(session_user_id: str):
    """Restore the user from ``"<id>:<session version>"``; an old version is refused."""
    from dialogue.auth.models import User

    user_id, _, version = session_user_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def refuse_nul_bytes() -> None:
    """One rule on every database: PostgreSQL cannot store U+0000, so nobody may send it."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400, description=NUL_MESSAGE)
    if request.is_json:
        body = request.get_data(cache=True, as_text=True)
        if "\\u0000" in body or "\x00" in body:
            abort(400, description=NUL_MESSAGE)


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.headers.get("HX-Request"):
        response.headers.add("Vary", "HX-Request")
    if request.endpoint and not request.endpoint.endswith("static"):
        # Pages may carry personal data: no shared caches.
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def init_security(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
