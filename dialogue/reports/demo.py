"""Demo data for reports."""

from __future__ import annotations


def load_demo(people) -> list[str]:
    """Add this feature's demo data (idempotent); return lines describing what was added."""
    return []


def generate_contributions(people, count: int) -> list[str]:
    """Bulk synthetic contributions for benchmarks (``flask dialogue demo --contributions N``)."""
    raise NotImplementedError("comes with the research synthesis issue")
