"""The expected-access table's vocabulary.

Each feature keeps its rows in ``tests/<feature>/access.py``: a ``setup(world)`` that
creates the objects its URLs need, and ``ROUTES``, a list of ``Route``. The sweep in
``tests/test_route_sweep.py`` fails if any URL rule of the app has no row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

ANONYMOUS = "anonymous"
PRACTITIONER = "practitioner"
FACILITATOR = "facilitator"
MODERATOR = "moderator"
RESEARCHER = "researcher"
ADMIN = "admin"

ROLES = (ANONYMOUS, PRACTITIONER, FACILITATOR, MODERATOR, RESEARCHER, ADMIN)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
ONLY_ANONYMOUS = frozenset({ANONYMOUS})


class World(SimpleNamespace):
    """Users by role (``world.users[role]``) and whatever objects features add."""


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: Callable[[World], str] | str
    allowed: frozenset[str]
    data: Callable[[World], dict] | dict = field(default_factory=dict)
    # Roles that are let in but then redirected elsewhere (e.g. /login when signed in).
    note: str = ""

    def build_url(self, world: World) -> str:
        return self.url(world) if callable(self.url) else self.url

    def build_data(self, world: World) -> dict:
        return self.data(world) if callable(self.data) else dict(self.data)
