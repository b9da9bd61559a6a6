from tests.access import EVERYONE, Route

ROUTES = [Route("forums.index", "GET", "/localities/", EVERYONE)]
