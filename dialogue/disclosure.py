"""The small-group rule every output about people follows: research and facilitators alike.

A group of fewer than ``SMALL_CELL`` people is never shown by its numbers, so nobody can
be picked out by their role, phase or school from a breakdown.
"""

from __future__ import annotations

SMALL_CELL = 5
SUPPRESSED = "fewer than 5"


def is_small(n: int) -> bool:
    """Whether a group of ``n`` people is too small to show (an empty group is not)."""
    return 0 < n < SMALL_CELL


def cell(n: int) -> str:
    """A count of people as it may be shown."""
    return SUPPRESSED if is_small(n) else str(n)
