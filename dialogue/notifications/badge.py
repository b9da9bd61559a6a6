"""The header's unread badge: the one place a page's unread count is read.

A context processor, not a template global that queries, nor a value every view
passes: each full page shows the header, so the count belongs to the page frame. Its
cost, one indexed COUNT for a signed-in person, is paid here, once per request (kept
on ``g`` if a request renders several templates). htmx fragments have no header and
skip it, and so does anything rendered outside a request (PDFs in the job worker).
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_login import current_user

from dialogue.extensions import htmx
from dialogue.notifications.services import unread_count


def unread_badge() -> dict[str, int]:
    """``unread_notifications``: the signed-in person's unread count (0 otherwise)."""
    if not has_request_context() or htmx or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return {"unread_notifications": g.unread_notifications}
