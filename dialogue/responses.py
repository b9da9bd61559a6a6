"""One htmx response vocabulary for every view.

A view that serves both a full page and an htmx fragment ends in one of three ways:
show (the page, or its fragment for htmx), done (after a successful POST: the fragment
for htmx, a flash and a redirect without it) or refused (the same, with 409/422 and the
message shown in place). ``require_action_form`` replaces "ActionForm validates or 400"
in POST-only buttons. htmx headers come from flask-htmx's helpers, never by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, render_template
from flask_htmx.responses import HTMXResponseClientRedirect, HTMXResponseStopPolling
from flask_htmx.responses import make_response as htmx_response

from dialogue.extensions import htmx
from dialogue.forms import ActionForm
from dialogue.refusals import Refusal


def show(page: str, fragment: str | None = None, *, status: int = 200, **context: Any):
    """The page, or for htmx its fragment (the same template when ``fragment`` is None)."""
    template = fragment if (htmx and fragment) else page
    return render_template(template, **context), status


def done(url: str, message: str | None = None, *, fragment: str | None = None,
         retarget: str | None = None, reswap: str | None = None, category: str = "success",
         **context: Any):
    """After a successful POST: htmx gets ``fragment`` (or a client redirect to ``url``);
    without htmx, ``message`` is flashed and the browser is redirected to ``url``."""
    if htmx:
        if fragment is None:
            if message:
                flash(message, category)
            return HTMXResponseClientRedirect(url)
        body = render_template(fragment, notice=message, **context)
        return htmx_response(body, 200, retarget=retarget, reswap=reswap)
    if message:
        flash(message, category)
    return redirect(url)


def refused(error: Refusal | str, url: str, *, fragment: str | None = None,
            status: int | None = None, retarget: str | None = None,
            reswap: str | None = None, **context: Any):
    """A refusal shown in place: htmx gets ``fragment`` with the message and the refusal's
    status (409/422); without htmx the message is flashed and the browser goes to ``url``.
    Scripts and htmx can tell a refusal from a success by its status."""
    message = str(error)
    code = status or (error.status if isinstance(error, Refusal) else 409)
    if htmx and fragment is not None:
        body = render_template(fragment, notice=message, **context)
        return htmx_response(body, code, retarget=retarget, reswap=reswap)
    if htmx:
        abort(code, message)
    flash(message, "error")
    return redirect(url)


def stop_polling(body: str = "") -> Response:
    """htmx stops polling on this response (status 286) and swaps ``body`` in."""
    return HTMXResponseStopPolling(body)


def client_redirect(url: str) -> Response:
    """Tell htmx to load ``url`` as a whole page."""
    return HTMXResponseClientRedirect(url)


def require_action_form(view: Callable) -> Callable:
    """A POST-only button's view: its CSRF token must check out, or the request is a 400."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not ActionForm().validate_on_submit():
            abort(400)
        return view(*args, **kwargs)

    return wrapper
