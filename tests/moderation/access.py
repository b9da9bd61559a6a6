from tests.access import EVERYONE, Route

ROUTES = [Route("moderation.queue", "GET", "/moderation/", EVERYONE)]
