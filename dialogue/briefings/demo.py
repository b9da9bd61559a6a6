"""Demo data for briefings."""

from __future__ import annotations


def load_demo(people) -> list[str]:
    """Add this feature's demo data (idempotent); return lines describing what was added."""
    return []
