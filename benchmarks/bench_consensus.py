"""The consensus map at the issue's size: 1,000 participants x 200 statements, 60% voted.

    .venv/bin/python benchmarks/bench_consensus.py [--rounds 5] [--no-database]
    .venv/bin/python benchmarks/bench_consensus.py --room   (300 phones voting: consensus_room.py)

Each measurement runs in a forked child (so its peak memory is its own) and is the
median of ``--rounds``:

- baseline: a numpy SVD of a dense 1,000 x 200 matrix (the arithmetic core of PCA), on
  one BLAS thread as the computation runs;
- the matrix alone (``analysis.build_matrix`` from the 120,000 vote triples);
- the whole computation (``analysis.compute_map``: thresholds, PCA, k-means for k = 2..5
  with silhouette, group statistics, consensus, divisive and representative statements,
  breakdowns);
- unless ``--no-database``: the whole job as the worker runs it (``tasks.compute_map``:
  read the votes from SQLite, compute, keep the JSON), on a fresh database.

Figures are printed as times and peak RSS, and as ratios against the SVD baseline
measured in the same run. The issue's aim: under 2 s and under 300 MiB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from dialogue.consensus import analysis  # noqa: E402
from dialogue.consensus.demo import planted_votes  # noqa: E402

PARTICIPANTS, STATEMENTS, RATE, GROUPS = 1000, 200, 0.6, 3
ROLES = ["headteacher", "teacher", "governor", "senior_leader", "trust_or_la_officer"]


def _child(work, out) -> None:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    out.send((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(work, rounds: int) -> tuple[float, float]:
    """Median seconds and median peak RSS (MiB) of ``work`` run in forked children."""
    times, peaks = [], []
    context = multiprocessing.get_context("fork")
    for _ in range(rounds):
        parent, child = context.Pipe()
        process = context.Process(target=_child, args=(work, child))
        process.start()
        elapsed, peak = parent.recv()
        process.join()
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), statistics.median(peaks)


def _svd(dense):
    # One BLAS thread, as the computation uses: the ratio then compares like with like.
    with threadpool_limits(limits=1):
        return np.linalg.svd(dense - dense.mean(axis=0), full_matrices=False)


def workload():
    votes, _truth = planted_votes(PARTICIPANTS, STATEMENTS, GROUPS, rate=RATE, noise=0.2,
                                  shared=5, seed=2018)
    votes = [(p + 1, s + 1, v) for p, s, v in votes]
    profiles = {p: {"role": ROLES[p % len(ROLES)], "phase": None, "locality": p % 4 + 1}
                for p in range(1, PARTICIPANTS + 1)}
    return votes, list(range(1, STATEMENTS + 1)), profiles


def database_job(workdir: Path, votes, statement_ids):
    """A fresh SQLite database holding the votes; returns the worker's job as a callable."""
    from sqlalchemy import insert, update

    from dialogue import create_app
    from dialogue.auth.models import Role, User
    from dialogue.auth.services import grant_role
    from dialogue.consensus import services, tasks
    from dialogue.consensus.models import ConversationMap, Statement, Vote
    from dialogue.db import utcnow
    from dialogue.extensions import db
    from dialogue.jobs import get_huey
    from dialogue.schema import create_all

    app = create_app({"CONFIG": "development", "SECRET_KEY": "bench-" * 8,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "INSTANCE_PATH": str(workdir / "instance"), "RATELIMIT_ENABLED": False,
                      "JOB_QUEUE_IMMEDIATE": True, "SERVER_NAME": "localhost"})
    now = utcnow()
    with app.app_context():
        create_all()
        db.session.execute(insert(User), [
            {"email": f"v{n}@bench.example.org", "display_name": f"Voter {n}",
             "password_hash": "!", "created_at": now} for n in range(PARTICIPANTS + 1)])
        owner = db.session.get(User, PARTICIPANTS + 1)
        grant_role(owner, Role.FACILITATOR, by=None)
        conversation = services.create_conversation(owner, title="Benchmark map")
        db.session.execute(insert(Statement), [
            {"conversation_id": conversation.id, "text": f"Statement {n}", "created_at": now}
            for n in statement_ids])
        db.session.execute(insert(Vote), [
            {"conversation_id": conversation.id, "statement_id": s, "user_id": p, "value": v,
             "created_at": now, "updated_at": now} for p, s, v in votes])
        conversation.version = len(votes) + 1
        db.session.commit()
        conversation_id = conversation.id
    get_huey(app)

    def job():
        with app.app_context():
            db.session.execute(update(ConversationMap).values(version=0))
            db.session.commit()
        tasks.compute_map.call_local(conversation_id)

    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-database", action="store_true")
    parser.add_argument("--room", action="store_true",
                        help="a room voting on a workshop's map (benchmarks/consensus_room.py)")
    parser.add_argument("--participants", type=int, default=300, help="--room: phones")
    parser.add_argument("--arrival", type=float, default=30.0,
                        help="--room: the phones join over this many seconds")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="--room: voting after everyone is in")
    parser.add_argument("--vote-every", type=float, default=5.0,
                        help="--room: each phone votes once every this many seconds")
    parser.add_argument("--statements", type=int, default=30, help="--room: seed statements")
    parser.add_argument("--workers", type=int, default=4, help="--room: gunicorn workers")
    args = parser.parse_args()
    if args.room:
        import consensus_room

        consensus_room.main(args)
        return
    votes, statement_ids, profiles = workload()
    print(f"{PARTICIPANTS} participants x {STATEMENTS} statements, {len(votes):,} votes "
          f"({len(votes) / PARTICIPANTS / STATEMENTS:.0%}); medians of {args.rounds} rounds")
    dense = np.random.default_rng(1).choice([-1.0, 0.0, 1.0], size=(PARTICIPANTS, STATEMENTS))
    rows = [("idle child (Python, numpy, scikit-learn loaded)", lambda: None),
            ("baseline: numpy SVD of the dense matrix", lambda: _svd(dense)),
            ("the matrix alone", lambda: analysis.build_matrix(votes, statement_ids)),
            ("the whole computation",
             lambda: analysis.compute_map(votes, statement_ids, profiles))]
    tmp = None
    if not args.no_database:
        tmp = tempfile.TemporaryDirectory(prefix="bench-consensus-")
        rows.append(("the worker's job (read from SQLite, compute, keep)",
                     database_job(Path(tmp.name), votes, statement_ids)))
    results = [(label, *measure(work, args.rounds)) for label, work in rows]
    base_time, base_peak = results[1][1], results[1][2]
    idle = results[0][2]
    print(f"{'':54} {'time':>9} {'x SVD':>7} {'peak RSS':>10} {'x SVD':>7} {'above idle':>11}")
    for label, seconds, peak in results:
        print(f"{label:54} {seconds:8.3f}s {seconds / base_time:7.1f} {peak:8.0f}MiB "
              f"{peak / base_peak:7.2f} {peak - idle:8.0f}MiB")
    computed = results[3]
    verdict = "within" if computed[1] < 2 and computed[2] < 300 else "OUTSIDE"
    print(f"\nthe computation: {computed[1]:.2f} s, {computed[2]:.0f} MiB peak: {verdict} the "
          f"aim (2 s, 300 MiB)")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
