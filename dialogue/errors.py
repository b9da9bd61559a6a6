"""Error pages: full pages for browsers, small fragments for htmx requests.

An htmx error fragment is retargeted to the page's alert region, so it never replaces
the form or widget the person was using.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_htmx.responses import make_response as htmx_response
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from dialogue.extensions import db, htmx, login_manager
from dialogue.jobs import JobFailed
from dialogue.refusals import Refusal

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with that request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "That was too large to send",
    422: "There is a problem with what you sent",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}
MESSAGES = {
    403: "If you think you should have access, contact an administrator.",
    404: "If you typed the web address, check it is correct. If you pasted it, check you "
         "copied the entire address.",
    413: "Make what you sent shorter and try again.",
    429: "You have done that too many times in a short while. Wait a minute and try again.",
    500: "Try again later. What you were doing has not been saved.",
    503: "The service is busy or restarting. Wait a few seconds and try again; nothing "
         "you had already sent has been lost.",
}

RETRY_AFTER = {429: "60", 503: "5"}

# What a lost database connection raises: the driver's error wrapped by SQLAlchemy, or
# the session refusing to go on until the broken transaction is rolled back.
DATABASE_ERRORS = (DBAPIError, PendingRollbackError)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(status: int, description: str | None = None) -> Response:
    """Render an error as JSON, an htmx fragment or a full page."""
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    message = description or MESSAGES.get(status, "")
    if request_ctx.url_adapter is None:
        # The request named a host that is not ours (TRUSTED_HOSTS): no URL can be built
        # for it, so the page template cannot render. Plain text, and nothing else.
        response = make_response(f"{title}. This site does not answer for that host name.",
                                 status)
        response.mimetype = "text/plain"
    elif request.path.startswith("/api/"):
        # The API's own error schema (its OpenAPI document's ``Error``): one string,
        # the reason when there is one.
        response = make_response(jsonify(error=message or title), status)
    elif _wants_json():
        response = make_response(jsonify(error=title, message=message, status=status), status)
    elif htmx:
        body = render_template("errors/_error.html", status=status, title=title,
                               message=message)
        response = htmx_response(body, status, retarget="#alerts", reswap="innerHTML")
    else:
        body = render_template("errors/error.html", status=status, title=title,
                               message=message)
        response = make_response(body, status)
    if status in RETRY_AFTER:
        response.headers["Retry-After"] = RETRY_AFTER[status]
    return response


def _describe(error: HTTPException) -> str | None:
    # Werkzeug's default descriptions are generic; only pass on ones we wrote.
    default = type(error).description
    return error.description if error.description != default else None


def init_errors(app: Flask) -> None:
    """Every error answers as JSON, an htmx fragment or a page, with its own status."""
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "This form has expired or was sent from another site. Go back, reload the "
            "page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code, _describe(error))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # The page replaces werkzeug's own response, and with it this header.
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PendingRollbackError)
    def database_unavailable(error: Exception):
        log.warning("Database error: %s", error)
        db.session.rollback()
        # The page must render without the database: base.html asks who is signed in,
        # and loading that user would fail again, turning a clear 503 into a bare 500.
        g._login_user = login_manager.anonymous_user()
        return render_error(503)

    @app.errorhandler(Refusal)
    def refusal(error: Refusal):
        # A service said no and the view did not show it in place: the person still
        # reads the reason, with the refusal's own status (403, 409 or 422).
        return render_error(error.status, error.message)

    @app.errorhandler(JobFailed)
    def pdf_failed(error: JobFailed):
        # A render that crashed or overran its limits: say so, and that trying again is
        # safe (nothing was changed); the next attempt starts a fresh renderer.
        log.warning("PDF render failed: %s", error)
        return render_error(503, "The PDF could not be made this time. Nothing has been "
                                 "changed: try again in a minute.")

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        if isinstance(error.original_exception, DATABASE_ERRORS):
            # Flask sends an error raised after the view (in an after-request hook, such
            # as the security headers asking whether the person is signed in) straight
            # here, past the handlers above: it is still the database, so still a 503.
            return database_unavailable(error.original_exception)
        log.exception("Unhandled error", exc_info=error.original_exception)
        return render_error(500)
