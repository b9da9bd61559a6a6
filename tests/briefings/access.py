from tests.access import EVERYONE, Route

ROUTES = [Route("briefings.index", "GET", "/briefings/", EVERYONE),
          Route("briefings.search", "GET", "/search", EVERYONE)]
