"""Access rows for accounts, administration and the site's standing pages."""

from dialogue.localities import all_localities
from tests.access import ADMIN, EVERYONE, SIGNED_IN, Route, World

ADMINS = frozenset({ADMIN})


def setup(world: World) -> None:
    world.locality = all_localities()[0]


ROUTES = [
    Route("main.home", "GET", "/", EVERYONE),
    Route("main.healthz", "GET", "/healthz", EVERYONE),
    # /metrics is guarded by address or token, not by role: the test client is loopback.
    Route("metrics", "GET", "/metrics", EVERYONE),
    Route("wellknown_favicon_ico", "GET", "/favicon.ico", EVERYONE),
    Route("wellknown_robots_txt", "GET", "/robots.txt", EVERYONE),
    Route("wellknown_security_txt", "GET", "/.well-known/security.txt", EVERYONE),
    Route("main.accessibility", "GET", "/accessibility", EVERYONE),
    Route("main.privacy", "GET", "/privacy", EVERYONE),
    Route("auth.register", "GET", "/register", EVERYONE),
    Route("auth.register", "POST", "/register", EVERYONE),
    Route("auth.confirm_registration", "GET", "/register/confirm/not-a-token", EVERYONE),
    Route("auth.confirm_registration", "POST", "/register/confirm/not-a-token", EVERYONE),
    Route("auth.login", "GET", "/login", EVERYONE),
    Route("auth.login", "POST", "/login", EVERYONE),
    Route("auth.logout", "POST", "/logout", SIGNED_IN),
    Route("auth.profile", "GET", "/account", SIGNED_IN),
    Route("auth.profile", "POST", "/account", SIGNED_IN),
    Route("auth.consent", "POST", "/account/consent", SIGNED_IN),
    Route("auth.change_password", "GET", "/account/password", SIGNED_IN),
    Route("auth.change_password", "POST", "/account/password", SIGNED_IN),
    Route("auth.forgot_password", "GET", "/password/forgot", EVERYONE),
    Route("auth.forgot_password", "POST", "/password/forgot", EVERYONE),
    Route("auth.reset_password", "GET", "/password/reset/not-a-token", EVERYONE),
    Route("auth.reset_password", "POST", "/password/reset/not-a-token", EVERYONE),
    Route("admin.users", "GET", "/admin/", ADMINS),
    Route("admin.user_detail", "GET", lambda w: f"/admin/users/{w.users['practitioner'].id}",
          ADMINS),
    Route("admin.user_detail", "POST", lambda w: f"/admin/users/{w.users['practitioner'].id}",
          ADMINS),
    Route("admin.lift_suspension", "POST",
          lambda w: f"/admin/users/{w.users['practitioner'].id}/lift-suspension", ADMINS),
    Route("admin.localities", "GET", "/admin/localities", ADMINS),
    Route("admin.localities", "POST", "/admin/localities", ADMINS),
    Route("admin.locality_detail", "GET", lambda w: f"/admin/localities/{w.locality.id}",
          ADMINS),
    Route("admin.locality_detail", "POST", lambda w: f"/admin/localities/{w.locality.id}",
          ADMINS),
]
