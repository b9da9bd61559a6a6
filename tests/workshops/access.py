from tests.access import EVERYONE, Route

ROUTES = [Route("workshops.join", "GET", "/join", EVERYONE),
          Route("workshops.index", "GET", "/workshops/", EVERYONE)]
