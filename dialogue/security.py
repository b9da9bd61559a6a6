"""Response headers and the site-wide input rules. (Who is signed in: ``auth.sessions``.)"""

from __future__ import annotations

from flask import Flask, abort, g, request, session
from flask_login import current_user, user_logged_in

from dialogue.extensions import htmx

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


# A year, the value browsers' preload lists ask for; only ever sent over HTTPS (a header
# received over plain HTTP is ignored, and would pin a development machine).
HSTS = "max-age=31536000; includeSubDomains"


def _is_static() -> bool:
    return bool(request.endpoint) and request.endpoint.endswith("static")


def _is_download(response) -> bool:
    return response.headers.get("Content-Disposition", "").startswith("attachment")


def add_security_headers(response):
    """The headers every response carries; pages are never kept in shared caches."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if htmx:
        response.headers.add("Vary", "HX-Request")
    if _is_static() and response.status_code < 400:
        return response
    if current_user.is_authenticated or _is_download(response):
        # A signed-in page or a download is someone's own data: kept in no cache at all,
        # not even the browser's (a shared computer's back button).
        response.headers["Cache-Control"] = "no-store"
    elif response.status_code >= 400:
        # Error pages (also those with no endpoint, such as a 404) are not kept either.
        response.headers.setdefault("Cache-Control", "no-store")
    else:
        # Pages may carry personal data: no shared caches.
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def rotate_csrf_token(_app, user=None, **_) -> None:
    """A CSRF token seen before sign-in (on a shared computer, in a fixed session) is no
    good after it: Flask-WTF makes a new one on the next form."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def init_security(app: Flask) -> None:
    """Refuse NUL bytes before every request; add the security headers to every response;
    a new CSRF token at each sign-in."""
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
    user_logged_in.connect(rotate_csrf_token, app)
