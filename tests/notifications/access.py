"""Access rows for notifications."""

from dialogue.notifications.services import unsubscribe_token
from tests.access import EVERYONE, SIGNED_IN, Route, World


def setup(world: World) -> None:
    # The link in a practitioner's email: anyone holding it may use it, signed in or not.
    world.unsubscribe_token = unsubscribe_token(world.users["practitioner"])


def _unsubscribe(world: World) -> str:
    return f"/unsubscribe/{world.unsubscribe_token}"


ROUTES = [
    Route("notifications.index", "GET", "/notifications", SIGNED_IN),
    Route("notifications.mark_read", "POST", "/notifications/read", SIGNED_IN),
    Route("notifications.email_settings", "GET", "/account/email", SIGNED_IN),
    Route("notifications.email_settings", "POST", "/account/email", SIGNED_IN,
          {"frequency": "daily"}),
    Route("notifications.unsubscribe", "GET", _unsubscribe, EVERYONE),
    Route("notifications.unsubscribe", "POST", _unsubscribe, EVERYONE),
]
