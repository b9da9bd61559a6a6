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
    applied: int = 0  # of those units, the ones where at least one coder applied the code

    @property
    def not_applied(self) -> bool:
        """Compared, but nobody applied the code: agreement on absence says nothing, and
        kappa is undefined, so neither is shown as a figure."""
        return self.units > 0 and self.applied == 0


def agreement_by_code(
    codings: dict[int, dict[tuple[str, int], set[int]]],
    code_ids: Sequence[int],
) -> list[CodeAgreement]:
    """Per code, agreement between every pair of researchers on the units both coded.

    ``codings`` maps researcher id -> unit (kind, id) -> the code ids applied. A unit
    counts for a pair when both researchers coded it with anything (so "did not apply
    this code" is a real decision). Several pairs are pooled by averaging their kappas
    (Light's kappa) and summing their agreements. A code that no coder applied to any
    shared unit gets no percent and no kappa (``not_applied``).
    """
    researchers = sorted(codings)
    results = []
    for code_id in code_ids:
        kappas, agreed, units, pairs, applied = [], 0, 0, 0, 0
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
                applied += sum(x or y for x, y in zip(a, b, strict=True))
                kappas.append(cohens_kappa(a, b))
        results.append(CodeAgreement(
            code_id=code_id, units=units, pairs=pairs, agreed=agreed,
            percent=(agreed / units) if applied else None,
            kappa=(sum(kappas) / len(kappas)) if applied else None,
            applied=applied,
        ))
    return results


@dataclass(frozen=True)
class Disagreement:
    """One unit two coders coded differently: the codes only one of them applied."""

    unit: tuple[str, int]
    first: int
    second: int
    only_first: tuple[int, ...]
    only_second: tuple[int, ...]


def disagreements(codings: dict[int, dict[tuple[str, int], set[int]]]) -> list[Disagreement]:
    """Every unit that a pair of researchers both coded and coded differently, to
    reconcile: in unit order, then by pair."""
    researchers = sorted(codings)
    found = []
    for i, first in enumerate(researchers):
        for second in researchers[i + 1:]:
            for unit in sorted(set(codings[first]) & set(codings[second])):
                a, b = codings[first][unit], codings[second][unit]
                if a != b:
                    found.append(Disagreement(unit, first, second, tuple(sorted(a - b)),
                                              tuple(sorted(b - a))))
    found.sort(key=lambda d: (d.unit, d.first, d.second))
    return found


def pooled_kappa(codings: dict[int, dict[tuple[str, int], set[int]]],
                 code_ids: Sequence[int]) -> float | None:
    """Pooled kappa across codes (De Vries et al., 2008): (mean p_o - mean p_e) /
    (1 - mean p_e), the means taken over every (pair of coders, code) table in which
    the code was applied at least once. Unlike the mean of the codes' kappas, a rare
    code does not weigh as much as a common one. None when no code was applied.
    """
    researchers = sorted(codings)
    observed, expected = [], []
    for i, first in enumerate(researchers):
        for second in researchers[i + 1:]:
            shared = sorted(set(codings[first]) & set(codings[second]))
            for code_id in code_ids:
                a = [code_id in codings[first][unit] for unit in shared]
                b = [code_id in codings[second][unit] for unit in shared]
                if not any(a) and not any(b):
                    continue  # not applied: kappa is undefined there
                n = len(shared)
                observed.append(percent_agreement(a, b))
                pa, pb = sum(a) / n, sum(b) / n
                expected.append(pa * pb + (1 - pa) * (1 - pb))
    if not observed:
        return None
    p_o, p_e = sum(observed) / len(observed), sum(expected) / len(expected)
    if p_e == 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1.0 - p_e)
