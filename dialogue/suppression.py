"""Complementary (secondary) suppression: no withheld count can be worked out by subtraction.

The small-group rule (``dialogue.disclosure``) withholds any group of fewer than
``SMALL_CELL`` people. On its own that is not enough: when a table shows its total and
every group but one, the missing group is the total minus the others. So, as statistical
offices do, whenever a breakdown withholds a group it withholds further groups, smallest
first, until at least two are withheld and together they hold at least ``SMALL_CELL``
people; when no group is left to withhold, the total goes too. Two withheld groups with
a shown total leave only their sum known, never either of them, and a sum of at least
``SMALL_CELL`` is not itself a small group.

Several breakdowns of the same people shown together (by phase and by locality, with
one total) each follow the rule, and they withhold alike what one table of them
withholds: a locality the localities table withholds is withheld in every finding's
rows by locality too (``force``), so every shown figure treats the withheld groups
alike and none of them can be told apart from the others. A figure shown elsewhere
that counts people inside one group (so many answered a workshop question in that
locality) bounds the group from below whether or not it is shown: those people are
``placed``, and only the others count towards the ``SMALL_CELL`` the withheld groups
must hold (``tests/reports/test_disclosure_audit.py`` checks all this by linear
programming on every output). Pure functions, no Flask: every output about people
calls them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from dialogue.disclosure import SMALL_CELL, is_small

WITHHELD = "withheld"


@dataclass(frozen=True)
class Decision:
    """What one breakdown may show: the groups withheld, and whether its total is."""

    withheld: frozenset
    total_withheld: bool = False

    def shows(self, key: Hashable) -> bool:
        """Whether group ``key`` may be shown."""
        return not self.total_withheld and key not in self.withheld


def protect(groups: Mapping[Hashable, int], *, total: int | None = None,
            hidden: Iterable[Hashable] = (), force: Iterable[Hashable] = (),
            known: Iterable[Hashable] = (),
            placed: Mapping[Hashable, int] | None = None) -> Decision:
    """The groups of one breakdown to withhold (primary and complementary).

    ``groups`` maps each group to its number of people (or, for a breakdown of
    contributions, the people behind them); ``total`` is the breakdown's shown total
    (their sum unless given). ``hidden`` groups are never shown anyway (they count as
    withheld for the rule, and are not returned); ``force`` groups must be withheld
    for reasons elsewhere (another breakdown's total). ``known`` groups can be worked
    out from figures shown elsewhere (a finer breakdown shown whole), so withholding
    them protects nothing: they never serve as a complement. ``placed`` says how many
    people of a group a figure shown elsewhere puts inside it whether or not the group
    is shown (a workshop asked in that locality: so many people answered); only the
    group's other people count towards the ``SMALL_CELL`` the withheld groups must hold,
    and a group whose people are all placed is a complement only when nothing else is
    left. Smallest groups are withheld first, ties broken by the group's name, so the
    same data gives the same result.
    """
    total = sum(groups.values()) if total is None else total
    if is_small(total):
        return Decision(frozenset(groups), total_withheld=True)
    present = {key: n for key, n in groups.items() if n > 0}
    hidden = {key for key in hidden if groups.get(key, 0) > 0}
    withheld = {key for key, n in present.items() if is_small(n) and key not in hidden}
    withheld |= {key for key in force if key in present and key not in hidden}
    if not withheld and not any(is_small(groups[key]) for key in hidden):
        return Decision(frozenset())
    covered = withheld | hidden
    known = set(known)
    covered_known = {key for key in covered if key in known}
    covered -= covered_known
    placed = placed or {}

    def unplaced(key: Hashable) -> int:
        return max(present.get(key, 0) - placed.get(key, 0), 0)

    candidates = sorted((key for key in present if key not in covered and key not in known),
                        key=lambda key: (unplaced(key) == 0, present[key], str(key)))
    total_withheld = False
    while len(covered) < 2 or sum(unplaced(key) for key in covered) < SMALL_CELL:
        if not candidates:
            total_withheld = True
            break
        key = candidates.pop(0)
        withheld.add(key)
        covered.add(key)
    return Decision(frozenset(withheld), total_withheld=total_withheld)


def protect_all(total: int, breakdowns: Mapping[str, Mapping[Hashable, int]], *,
                force: Mapping[str, Iterable[Hashable]] | None = None
                ) -> dict[str, Decision]:
    """The decisions for several breakdowns of the same people shown with one total.

    ``force`` names, per breakdown, groups withheld for reasons elsewhere (a locality
    the localities table withholds). If any of them has to withhold the total, every
    breakdown is withheld whole.
    """
    force = force or {}
    decisions = {name: protect(groups, total=total, force=force.get(name, ()))
                 for name, groups in breakdowns.items()}
    if any(d.total_withheld for d in decisions.values()):
        return {name: Decision(frozenset(groups), total_withheld=True)
                for name, groups in breakdowns.items()}
    return decisions


def shown_count(n: int, withheld: bool) -> str:
    """A count as an output may print it: the number, or ``WITHHELD``."""
    return WITHHELD if withheld else str(n)
