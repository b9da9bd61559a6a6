"""Administration verbs that reach across features, through their public services."""

from __future__ import annotations

from dialogue import localities
from dialogue.forums.services import ensure_standing_threads
from dialogue.localities import Locality


def add_locality(name: str, description: str = "") -> Locality:
    """A new locality, its space opened with the research's standing threads."""
    locality = localities.add_locality(name, description)
    ensure_standing_threads([locality])
    return locality
