"""Agreement with each statement by role, phase and locality, under the research's
disclosure rules.

A group of fewer than ``SMALL_CELL`` people is never shown (``dialogue.disclosure``),
and, because the page shows each statement's total votes, further groups are withheld
as ``dialogue.suppression`` decides, so no withheld group can be worked out by
subtraction from the total and the others. A withheld cell is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from dialogue.suppression import protect_all

if TYPE_CHECKING:
    from dialogue.consensus.analysis import Matrix

DIMENSIONS = ("role", "phase", "locality")
NOT_GIVEN = ""  # a participant who did not say: its own column, withheld like any other


def breakdowns(matrix: Matrix, profiles: Mapping[int, Mapping[str, object]]) -> dict:
    """For each dimension: its values and, per statement, [voters, percent agreeing] or None."""
    if not len(matrix.participants):
        return {dimension: {"values": [], "rows": []} for dimension in DIMENSIONS}
    agree = (matrix.values == 1) & matrix.seen
    columns, voters, agreeing = {}, {}, {}
    for dimension in DIMENSIONS:
        keys = [_key(profiles.get(int(pid), {}).get(dimension)) for pid in matrix.participants]
        values = sorted(set(keys), key=lambda v: (v == NOT_GIVEN, v))
        column_of = np.array([values.index(v) for v in keys], dtype=int)
        columns[dimension] = values
        voters[dimension] = np.stack([matrix.seen[column_of == c].sum(axis=0)
                                      for c in range(len(values))], axis=1)
        agreeing[dimension] = np.stack([agree[column_of == c].sum(axis=0)
                                        for c in range(len(values))], axis=1)
    totals = matrix.seen.sum(axis=0)
    result = {dimension: {"values": columns[dimension], "rows": []} for dimension in DIMENSIONS}
    for j, sid in enumerate(matrix.statements):
        decisions = protect_all(int(totals[j]), {
            dimension: {c: int(n) for c, n in enumerate(voters[dimension][j])}
            for dimension in DIMENSIONS})
        for dimension in DIMENSIONS:
            shows = decisions[dimension].shows
            cells = [[int(n), round(100 * int(a) / int(n))] if n and shows(c) else None
                     for c, (n, a) in enumerate(zip(voters[dimension][j],
                                                    agreeing[dimension][j], strict=True))]
            result[dimension]["rows"].append([int(sid), cells])
    return result


def _key(value: object) -> str:
    if value is None:
        return NOT_GIVEN
    return str(getattr(value, "value", value))
