"""The consensus maps in the research dashboard and the PDF synthesis.

The maps are drawn from consenting votes within the filters (``consensus.research``),
or read from the job worker's kept research map when the votes are exactly its own;
this module says which filters apply: the profile, locality and date filters narrow
the votes, a workshop filter keeps that workshop's map, and a filter on a briefing,
finding, code or kind leaves no map (a vote is none of those).
"""

from __future__ import annotations

from dialogue.consensus import research as consensus_research
from dialogue.consensus import tasks as consensus_tasks
from dialogue.reports.filters import Filters


def summaries(filters: Filters) -> list[dict]:
    """Each map in scope (most voters first, at most ``MAX_MAPS``), as research sees it."""
    if any(value is not None for value in (filters.briefing, filters.finding, filters.code,
                                           filters.kind)):
        return []
    narrowing = {"locality": filters.locality, "education_role": filters.education_role,
                 "phase": filters.phase, "school_type": filters.school_type,
                 "date_from": filters.date_from, "date_to": filters.date_to}
    summaries = consensus_research.map_summaries(workshop=filters.workshop, **narrowing)
    if all(value is None for value in narrowing.values()):
        # The votes the worker keeps a map of (a workshop filter only picks maps): one
        # drawn here means the kept one is missing or stale, so ask for it once.
        stale = [s["id"] for s in summaries if s["drawn_here"]]
        if stale:
            consensus_tasks.refresh_research_maps(stale)
    return summaries
