"""The map's arithmetic, without a request: planted groups are found, consensus and
divisions are named, thresholds and suppression hold, and the same votes give the same map."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from dialogue.consensus import analysis
from dialogue.consensus.demo import planted_votes
from dialogue.consensus.mapsvg import convex_hull
from dialogue.disclosure import SMALL_CELL

STATEMENTS = 30


def _ids(votes):
    # Participant and statement ids as the database would give them (from 1, not 0).
    return [(p + 101, s + 1, v) for p, s, v in votes]


def _planted(groups: int, participants: int = 120, **options):
    # Only statement 1 is shared: on every other one some group differs from group A.
    stances = np.random.default_rng(groups).choice([-1, 1], size=(groups, STATEMENTS))
    stances[-1, :] = -stances[0, :]
    stances[:, 1] = [1 if g % 2 == 0 else -1 for g in range(groups)]  # statement 2 splits them
    votes, truth = planted_votes(participants, STATEMENTS, groups, shared=1, stances=stances,
                                 **options)
    return _ids(votes), truth, list(range(1, STATEMENTS + 1))


def _share_in_right_group(result, truth) -> float:
    found = {pid: group for pid, _x, _y, group in result["points"]}
    pairs = Counter((truth[pid - 101], group) for pid, group in found.items())
    # Each planted group is matched with the found group most of its members are in.
    right = sum(max(n for (t, _g), n in pairs.items() if t == planted)
                for planted in set(truth))
    return right / len(truth)


@pytest.mark.parametrize("groups", [2, 3])
def test_planted_groups_are_recovered(groups):
    votes, truth, statements = _planted(groups)
    result = analysis.compute_map(votes, statements)
    assert len(result["groups"]) == groups
    assert result["placed"] == len(truth)
    assert _share_in_right_group(result, truth) >= 0.95


def test_a_statement_everyone_agrees_with_is_consensus():
    votes, _truth, statements = _planted(2)
    result = analysis.compute_map(votes, statements)
    consensus = {(c["statement"], c["direction"]) for c in result["consensus"]}
    assert (1, "agree") in consensus
    assert 2 not in {c["statement"] for c in result["consensus"]}


def test_a_statement_the_groups_split_on_is_divisive():
    votes, _truth, statements = _planted(2)
    result = analysis.compute_map(votes, statements)
    divisive = [d["statement"] for d in result["divisive"]]
    assert 2 in divisive
    assert 1 not in divisive
    top = next(d for d in result["divisive"] if d["statement"] == 2)
    assert top["spread"] > 1.2  # one group mostly agrees, the other mostly disagrees


def test_each_group_has_representative_statements_it_agrees_with_more_than_the_rest():
    votes, _truth, statements = _planted(2)
    result = analysis.compute_map(votes, statements)
    for group in result["groups"]:
        assert group["representative"]
        assert all(r["repness"] > 1 and r["percent"] > 50 for r in group["representative"])
    firsts = {g["representative"][0]["statement"] for g in result["groups"]}
    assert 1 not in firsts  # what everyone shares represents no group


def test_the_same_votes_give_the_same_map_in_any_order():
    votes, _truth, statements = _planted(3)
    first = analysis.compute_map(votes, statements)
    shuffled = list(votes)
    random.Random(7).shuffle(shuffled)
    assert analysis.compute_map(shuffled, statements) == first


def test_thresholds_leave_out_sparse_participants_and_statements():
    votes, _truth, statements = _planted(2, participants=40)
    # Someone with three votes, and a statement with two.
    votes += [(999, 1, 1), (999, 2, 1), (999, 3, -1), (101, 31, 1), (102, 31, -1)]
    result = analysis.compute_map(votes, [*statements, 31])
    placed = {pid for pid, *_rest in result["points"]}
    assert 999 not in placed and 101 in placed
    by_id = {s["id"]: s for s in result["statements"]}
    assert not by_id[31]["included"] and by_id[1]["included"]
    assert by_id[31]["agree"] == 1 and by_id[31]["disagree"] == 1
    assert 31 not in {sid for sid, _counts in result["group_votes"]}


def test_with_fewer_statements_than_seven_everyone_who_voted_on_all_is_placed():
    votes = [(p, s, 1 if (p + s) % 2 else -1) for p in range(1, 11) for s in (1, 2, 3)]
    votes += [(50, 1, 1)]  # voted on one of three
    result = analysis.compute_map(votes, [1, 2, 3])
    placed = {pid for pid, *_rest in result["points"]}
    assert placed == set(range(1, 11))


def test_votes_on_statements_no_longer_visible_are_ignored():
    votes, _truth, statements = _planted(2, participants=30)
    result = analysis.compute_map(votes, statements[1:])
    assert 1 not in {s["id"] for s in result["statements"]}


def test_no_votes_and_unanimous_votes_give_a_map_without_groups():
    empty = analysis.compute_map([], [1, 2])
    assert empty["placed"] == 0 and empty["points"] == [] and not empty["grouped"]
    same = analysis.compute_map([(p, s, 1) for p in range(1, 21) for s in range(1, 9)],
                                list(range(1, 9)))
    assert same["placed"] == 20 and len(same["groups"]) == 1 and not same["grouped"]
    assert {c["statement"] for c in same["consensus"]} == set(range(1, 9))
    assert same["divisive"] == []


def test_breakdowns_withhold_small_groups_and_what_would_give_them_away():
    votes = [(p, 1, 1 if p <= 6 else -1) for p in range(1, 13)]
    profiles = {p: {"role": "teacher" if p <= 6 else "governor", "phase": None,
                    "locality": 3} for p in range(1, 13)}
    profiles[12]["role"] = "headteacher"
    result = analysis.compute_map(votes, [1], profiles)
    role = result["breakdowns"]["role"]
    cells = dict(zip(role["values"], role["rows"][0][1], strict=True))
    assert cells["teacher"] == [6, 100]
    # One headteacher is a small group; withholding it alone would leave it as the total
    # (12) minus the others, so the next smallest group (5 governors) goes too.
    assert cells["headteacher"] is None and cells["governor"] is None
    locality = result["breakdowns"]["locality"]
    assert locality["values"] == ["3"] and locality["rows"][0][1] == [[12, 50]]
    assert SMALL_CELL == 5


def test_convex_hull_outlines_the_points():
    square = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0)]
    assert sorted(convex_hull(square)) == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert convex_hull([(1, 1), (1, 1)]) == [(1, 1)]


def test_you_are_here_is_written_on_the_side_with_room():
    from dialogue.consensus.mapsvg import opinion_map

    right = str(opinion_map([[7, 1.0, -1.0, 0]], ["A"], viewer_id=7, title="t"))
    left = str(opinion_map([[7, -1.0, 1.0, 0]], ["A"], viewer_id=7, title="t"))
    assert 'text-anchor="end"' in right and "You are here" in right
    assert 'text-anchor="start"' in left and 'y="52.0"' in left  # below the dot at the top
