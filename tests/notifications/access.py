from tests.access import EVERYONE, Route

ROUTES = [Route("notifications.index", "GET", "/notifications", EVERYONE)]
