"""Inter-coder agreement: percent agreement and Cohen's kappa, written out in full.

Pure functions of the coders' decisions, so they can be checked against a textbook
example without a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """The share of units on which two coders gave the same label (None for no units)."""
    if len(a) != len(b):
        raise ValueError("both coders must label the same units")
    if not a:
        return None
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohens_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa for two coders over the same units: (p_o - p_e) / (1 - p_e).

    p_e is the agreement expected by chance from each coder's own label frequencies.
    When chance agreement is already perfect (both coders used one and the same label
    throughout) kappa is undefined; we return 1.0 if they agree everywhere, as most
    tools do, and None when there are no units.
    """
    observed = percent_agreement(a, b)
    if observed is None:
        return None
    n = len(a)
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class CodeAgreement:
    code_id: int
    units: int  # contributions both coders of a pair looked at, summed over pairs
    pairs: int
    agreed: int
    percent: float | None
    kappa: float | None


def agreement_by_code(
    codings: dict[int, dict[tuple[str, int], set[int]]],
    code_ids: Sequence[int],
) -> list[CodeAgreement]:
    """Per code, agreement between every pair of researchers on the units both coded.

    ``codings`` maps researcher id -> unit (kind, id) -> the code ids applied. A unit
    counts for a pair when both researchers coded it with anything (so "did not apply
    this code" is a real decision). Several pairs are pooled by averaging their kappas
    (Light's kappa) and summing their agreements.
    """
    researchers = sorted(codings)
    results = []
    for code_id in code_ids:
        kappas, agreed, units, pairs = [], 0, 0, 0
        for i, first in enumerate(researchers):
            for second in researchers[i + 1:]:
                shared = sorted(set(codings[first]) & set(codings[second]))
                if not shared:
                    continue
                a = [code_id in codings[first][unit] for unit in shared]
                b = [code_id in codings[second][unit] for unit in shared]
                pairs += 1
                units += len(shared)
                agreed += sum(x == y for x, y in zip(a, b, strict=True))
                kappas.append(cohens_kappa(a, b))
        results.append(CodeAgreement(
            code_id=code_id, units=units, pairs=pairs, agreed=agreed,
            percent=(agreed / units) if units else None,
            kappa=(sum(kappas) / len(kappas)) if kappas else None,
        ))
    return results
