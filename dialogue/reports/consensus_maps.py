"""The consensus maps in the research dashboard and the PDF synthesis.

The maps are drawn from consenting votes within the filters (``consensus.research``);
this module only says which filters apply: the profile, locality and date filters narrow
the votes, a workshop filter keeps that workshop's map, and a filter on a briefing,
finding, code or kind leaves no map (a vote is none of those).
"""

from __future__ import annotations

from dialogue.consensus import research as consensus_research
from dialogue.reports.filters import Filters


def summaries(filters: Filters) -> list[dict]:
    """Each map in scope (most voters first, at most ``MAX_MAPS``), as research sees it."""
    if any(value is not None for value in (filters.briefing, filters.finding, filters.code,
                                           filters.kind)):
        return []
    return consensus_research.map_summaries(
        workshop=filters.workshop, locality=filters.locality,
        education_role=filters.education_role, phase=filters.phase,
        school_type=filters.school_type, date_from=filters.date_from,
        date_to=filters.date_to)
