"""Access rows for notifications."""

from tests.access import SIGNED_IN, Route

ROUTES = [
    Route("notifications.index", "GET", "/notifications", SIGNED_IN),
    Route("notifications.mark_read", "POST", "/notifications/read", SIGNED_IN),
]
