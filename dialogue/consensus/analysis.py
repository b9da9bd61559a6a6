"""The consensus map's arithmetic: votes in, opinion groups and their statements out.

Pure functions over a participants x statements matrix (agree +1, disagree -1, pass or
unseen 0), after Polis: statements with fewer than ``MIN_STATEMENT_VOTES`` votes are
left out; participants with fewer than ``MIN_PARTICIPANT_VOTES`` votes (or fewer than
every statement left in, when there are fewer than that) are not placed; the rest are
projected to two dimensions with PCA and grouped with k-means, k from 2 to 5 chosen by
silhouette. Every random step is seeded: the same votes always give the same map.

    result = compute_map(votes, statement_ids, profiles)   # JSON-ready dict
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from dialogue.consensus.breakdowns import breakdowns

AGREE, PASS, DISAGREE = 1, 0, -1
MIN_PARTICIPANT_VOTES = 7
MIN_STATEMENT_VOTES = 3
MIN_PLACED_FOR_GROUPS = 4  # fewer placed people than this: one group, no outlines
K_RANGE = range(2, 6)
SEED = 2018  # every random step uses it: same votes, same map
CONSENSUS_SHARE = 0.6  # a clear majority, in every group
DIVISIVE_SPREAD = 0.5  # the groups' net agreement differs by at least this much
REPRESENTATIVE_LIMIT = 5
Z_90 = 1.2816  # one-sided 90% confidence, as Polis uses
GROUP_LABELS = "ABCDE"


@dataclass(frozen=True)
class Matrix:
    """Votes as arrays: ``values[i, j]`` is participant i's vote on statement j."""

    participants: np.ndarray  # participant ids, ascending
    statements: np.ndarray  # statement ids, in the order given
    values: np.ndarray  # int8: +1, 0 (pass or unseen), -1
    seen: np.ndarray  # bool: voted at all (a pass counts)


def build_matrix(votes: Iterable[tuple[int, int, int]], statement_ids: Sequence[int]) -> Matrix:
    """The matrix from ``(participant_id, statement_id, value)`` triples.

    Votes on statements not in ``statement_ids`` (hidden ones) are ignored."""
    triples = np.asarray(list(votes), dtype=np.int64).reshape(-1, 3)
    statements = np.asarray(list(statement_ids), dtype=np.int64)
    order = np.argsort(statements, kind="stable")
    ordered = statements[order]
    position = np.searchsorted(ordered, triples[:, 1])
    known = position < len(ordered)
    known[known] = ordered[position[known]] == triples[known, 1]
    triples, columns = triples[known], order[position[known]]
    participants, rows = np.unique(triples[:, 0], return_inverse=True)
    values = np.zeros((len(participants), len(statements)), dtype=np.int8)
    seen = np.zeros(values.shape, dtype=bool)
    values[rows, columns] = np.sign(triples[:, 2])
    seen[rows, columns] = True
    return Matrix(participants, statements, values, seen)


def thresholds(matrix: Matrix) -> tuple[np.ndarray, np.ndarray]:
    """Which participants are placed and which statements are used (two boolean masks)."""
    included = matrix.seen.sum(axis=0) >= MIN_STATEMENT_VOTES
    needed = min(MIN_PARTICIPANT_VOTES, int(included.sum()))
    if needed == 0:
        return np.zeros(len(matrix.participants), dtype=bool), included
    placed = matrix.seen[:, included].sum(axis=1) >= needed
    return placed, included


def project(values: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Each participant's position on the first two principal components.

    As Polis does, a position is scaled up by sqrt(statements / statements voted on), so
    that someone who has voted on a few statements is not pulled towards the centre."""
    data = values.astype(np.float64)
    n_rows, n_columns = data.shape
    components = min(2, n_rows, n_columns)
    coords = np.zeros((n_rows, 2))
    if components and (data != data[0]).any():  # everyone voting alike has no components
        # The full SVD has no random step; svd_flip inside PCA fixes the signs.
        pca = PCA(n_components=components, svd_solver="full")
        coords[:, :components] = pca.fit_transform(data)
    voted = np.maximum(seen.sum(axis=1), 1)
    return coords * np.sqrt(n_columns / voted)[:, None]


def cluster(coords: np.ndarray) -> np.ndarray:
    """Group labels 0..k-1 (largest group first), k from 2 to 5 by silhouette.

    Too few distinct positions for two groups: everyone is in group 0."""
    n_distinct = len(np.unique(coords.round(9), axis=0)) if len(coords) else 0
    if len(coords) < MIN_PLACED_FOR_GROUPS or n_distinct < 2:
        return np.zeros(len(coords), dtype=int)
    best: tuple[float, np.ndarray] | None = None
    for k in K_RANGE:
        if k > min(n_distinct, len(coords) - 1):
            break
        with warnings.catch_warnings():
            # Ties between identical positions can leave k-means an empty cluster: that k
            # is then skipped below, which is all the warning would say.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(coords)
        if len(np.unique(labels)) < k:
            continue
        score = float(silhouette_score(coords, labels))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None:
        return np.zeros(len(coords), dtype=int)
    return _relabel(best[1], coords)


def _relabel(labels: np.ndarray, coords: np.ndarray) -> np.ndarray:
    # Stable names: the largest group is A; equal sizes go left to right.
    groups = np.unique(labels)
    keys = sorted(groups, key=lambda g: (-(labels == g).sum(), coords[labels == g, 0].mean()))
    mapping = {old: new for new, old in enumerate(keys)}
    return np.array([mapping[g] for g in labels], dtype=int)


def group_counts(values: np.ndarray, seen: np.ndarray, labels: np.ndarray,
                 k: int) -> np.ndarray:
    """Per group and statement: [agrees, disagrees, votes seen], shape (k, statements, 3)."""
    agree = (values == AGREE) & seen
    disagree = (values == DISAGREE) & seen
    counts = np.zeros((k, values.shape[1], 3), dtype=np.int64)
    for g in range(k):
        members = labels == g
        counts[g, :, 0] = agree[members].sum(axis=0)
        counts[g, :, 1] = disagree[members].sum(axis=0)
        counts[g, :, 2] = seen[members].sum(axis=0)
    return counts


def _smoothed(successes, trials):
    # Laplace's rule, as Polis: no probability of exactly 0 or 1 from a handful of votes.
    return (successes + 1) / (trials + 2)


def consensus(counts: np.ndarray, statement_ids: np.ndarray) -> list[dict]:
    """Statements a clear majority of every group agrees (or disagrees) with, strongest first."""
    found = []
    for direction, column in (("agree", 0), ("disagree", 1)):
        share = _smoothed(counts[:, :, column], counts[:, :, 2])
        every = (share >= CONSENSUS_SHARE).all(axis=0) & (counts[:, :, 2] > 0).all(axis=0)
        for j in np.flatnonzero(every):
            found.append({"statement": int(statement_ids[j]), "direction": direction,
                          "percent": _percent(counts[:, j, column].sum(), counts[:, j, 2].sum()),
                          "score": float(share[:, j].min())})
    found.sort(key=lambda item: (-item["score"], item["statement"]))
    return found


def divisive(counts: np.ndarray, statement_ids: np.ndarray) -> list[dict]:
    """Statements on which the groups' net agreement (agree - disagree) differs by at least
    ``DIVISIVE_SPREAD``, most divisive first."""
    if counts.shape[0] < 2:
        return []
    seen = counts[:, :, 2]
    net = (counts[:, :, 0] - counts[:, :, 1]) / np.maximum(seen, 1)
    spread = net.max(axis=0) - net.min(axis=0)
    eligible = (seen > 0).all(axis=0) & (spread >= DIVISIVE_SPREAD)
    found = [{"statement": int(statement_ids[j]), "spread": round(float(spread[j]), 3),
              "net": [round(float(v), 3) for v in net[:, j]]}
             for j in np.flatnonzero(eligible)]
    found.sort(key=lambda item: (-item["spread"], item["statement"]))
    return found


def _two_proportion_z(success_in, trials_in, success_out, trials_out):
    # Polis' two-prop-test, with its +1 on every count.
    s_in, s_out, n_in, n_out = success_in + 1, success_out + 1, trials_in + 1, trials_out + 1
    pooled = (s_in + s_out) / (n_in + n_out)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s_in / n_in - s_out / n_out) / spread
    return np.where(spread > 0, z, 0.0)


def representative(counts: np.ndarray, statement_ids: np.ndarray) -> list[list[dict]]:
    """Each group's representative statements, after Polis' representativeness.

    For agreement: how much likelier the group is to agree than everyone else
    (``ra = p(agree | group) / p(agree | rest)``), kept when the group mostly agrees and
    the difference is significant at 90%; likewise for disagreement; ranked by
    ``ra * p(agree | group)``."""
    k = counts.shape[0]
    if k < 2:
        return [[] for _ in range(k)]
    total = counts.sum(axis=0)
    groups = []
    for g in range(k):
        inside, rest = counts[g], total - counts[g]
        picks = []
        for direction, column in (("agree", 0), ("disagree", 1)):
            p_in = _smoothed(inside[:, column], inside[:, 2])
            p_rest = _smoothed(rest[:, column], rest[:, 2])
            ratio = p_in / p_rest
            z = _two_proportion_z(inside[:, column], inside[:, 2], rest[:, column], rest[:, 2])
            keep = (p_in > 0.5) & (ratio > 1) & (z > Z_90) & (inside[:, 2] > 0)
            picks += [{"statement": int(statement_ids[j]), "direction": direction,
                       "percent": _percent(inside[j, column], inside[j, 2]),
                       "repness": round(float(ratio[j]), 3),
                       "score": float(ratio[j] * p_in[j])}
                      for j in np.flatnonzero(keep)]
        best: dict[int, dict] = {}
        for pick in picks:  # one direction per statement: the stronger
            if pick["statement"] not in best or pick["score"] > best[pick["statement"]]["score"]:
                best[pick["statement"]] = pick
        ranked = sorted(best.values(), key=lambda p: (-p["score"], p["statement"]))
        groups.append(ranked[:REPRESENTATIVE_LIMIT])
    return groups


def _percent(part, whole) -> int:
    return round(100 * int(part) / int(whole)) if whole else 0


def _normalise(coords: np.ndarray) -> np.ndarray:
    # Into [-1, 1] on the larger axis, keeping the shape, so drawing needs no arithmetic.
    scale = float(np.abs(coords).max()) if coords.size else 0.0
    return coords / scale if scale > 0 else coords


def statement_totals(matrix: Matrix, included: np.ndarray) -> list[dict]:
    """Every statement's agree, disagree and pass counts over every voter."""
    agree = ((matrix.values == AGREE) & matrix.seen).sum(axis=0)
    disagree = ((matrix.values == DISAGREE) & matrix.seen).sum(axis=0)
    seen = matrix.seen.sum(axis=0)
    return [{"id": int(sid), "agree": int(a), "disagree": int(d), "pass": int(n - a - d),
             "included": bool(inc)}
            for sid, a, d, n, inc in zip(matrix.statements, agree, disagree, seen, included,
                                         strict=True)]


def compute_map(votes: Iterable[tuple[int, int, int]], statement_ids: Sequence[int],
                profiles: Mapping[int, Mapping[str, object]] | None = None) -> dict:
    """The whole map as a JSON-ready dict (see docs/consensus.md for its fields).

    ``profiles`` maps a participant id to {"role", "phase", "locality"}, for the
    breakdowns; participants missing from it count as "not given"."""
    # One thread: the arrays are small, and on a shared two-core machine OpenMP's
    # spinning threads made k-means several times slower, not faster.
    with threadpool_limits(limits=1):
        return _compute(votes, statement_ids, profiles or {})


def _compute(votes, statement_ids, profiles) -> dict:
    matrix = build_matrix(votes, statement_ids)
    placed, included = thresholds(matrix)
    values = matrix.values[placed][:, included]
    seen = matrix.seen[placed][:, included]
    used = matrix.statements[included]
    coords = _normalise(project(values, seen)) if placed.any() else np.zeros((0, 2))
    labels = cluster(coords)
    k = int(labels.max()) + 1 if len(labels) else 0
    counts = group_counts(values, seen, labels, k)
    reps = representative(counts, used)
    points = [[int(pid), round(float(x), 4), round(float(y), 4), int(g)]
              for pid, (x, y), g in zip(matrix.participants[placed], coords, labels,
                                        strict=True)]
    return {
        "participants": len(matrix.participants),
        "placed": int(placed.sum()),
        "statements": statement_totals(matrix, included),
        "points": points,
        "groups": [{"label": GROUP_LABELS[g], "size": int((labels == g).sum()),
                    "representative": reps[g]} for g in range(k)],
        "group_votes": [[int(sid), counts[:, j, :].tolist()] for j, sid in enumerate(used)],
        "consensus": consensus(counts, used) if k else [],
        "divisive": divisive(counts, used),
        "breakdowns": breakdowns(matrix, profiles),
        "thresholds": {"participant_votes": MIN_PARTICIPANT_VOTES,
                       "statement_votes": MIN_STATEMENT_VOTES},
        "grouped": k >= 2,
    }
