from tests.access import EVERYONE, Route

ROUTES = [Route("reports.dashboard", "GET", "/research/", EVERYONE)]
