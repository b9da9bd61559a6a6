"""What the consensus maps cost one research dashboard view.

Six locality maps of consenting voters (the dashboard's ``MAX_MAPS``), the largest 400
people x 40 statements, are loaded into a fresh SQLite database and drawn once by the job
worker, as a room's votes would have them drawn. Then, with the machine's load, it prints
the median of several views of:

- the maps' part of a dashboard view (``reports.consensus_maps.summaries``) without
  filters and with a role filter (a different population from any kept map), and
- a whole dashboard view (``GET /research/``) signed in as a researcher, as a ratio
  against ``/healthz`` measured in the same run.

    .venv/bin/python benchmarks/bench_research_maps.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (people, statements) per map: the largest first, as the dashboard orders them.
SIZES = [(400, 40), (200, 30), (120, 20), (60, 14), (30, 10), (12, 8)]
ROLES = ["teacher", "headteacher", "governor"]


def build(workdir: Path):
    """A fresh database with the six maps, drawn once by the worker; returns the app."""
    from sqlalchemy import insert

    from dialogue import create_app
    from dialogue.auth.models import Role, User
    from dialogue.auth.services import grant_role
    from dialogue.consensus import services, tasks
    from dialogue.consensus.demo import planted_votes
    from dialogue.consensus.models import Vote
    from dialogue.db import utcnow
    from dialogue.extensions import db
    from dialogue.jobs import get_huey
    from dialogue.localities import ensure_default_localities
    from dialogue.schema import create_all

    app = create_app({"CONFIG": "development", "SECRET_KEY": "bench-" * 8,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "INSTANCE_PATH": str(workdir / "instance"), "RATELIMIT_ENABLED": False,
                      "JOB_QUEUE_IMMEDIATE": True, "WTF_CSRF_ENABLED": False})
    now = utcnow()
    most = max(people for people, _ in SIZES)
    with app.app_context():
        create_all()
        localities = ensure_default_localities()
        db.session.execute(insert(User), [
            {"email": f"v{n}@bench.example.org", "display_name": f"Voter {n}",
             "password_hash": "!", "created_at": now, "research_consent": True,
             "education_role": ROLES[n % len(ROLES)]} for n in range(most)])
        researcher = User(email="researcher@bench.example.org", display_name="Researcher",
                          password_hash="!", research_consent=True)  # noqa: S106 - no password
        db.session.add(researcher)
        db.session.flush()
        grant_role(researcher, Role.RESEARCHER, by=None)
        grant_role(researcher, Role.FACILITATOR, by=None)
        voters = list(db.session.scalars(db.select(User).where(User.id != researcher.id)
                                         .order_by(User.id)))
        conversation_ids = []
        for n, (people, count) in enumerate(SIZES):
            conversation = services.create_conversation(
                researcher, title=f"Map {n + 1}", locality=localities[n % len(localities)])
            statements = [services.add_statement(conversation, researcher, f"Statement {s}",
                                                 seed=True) for s in range(count)]
            votes, _truth = planted_votes(people, count, 2, rate=0.8, noise=0.1, seed=n)
            db.session.execute(insert(Vote), [
                {"conversation_id": conversation.id, "statement_id": statements[s].id,
                 "user_id": voters[p].id, "value": v, "created_at": now, "updated_at": now,
                 "education_role": voters[p].education_role} for p, s, v in votes])
            conversation.version += len(votes)
            conversation_ids.append(conversation.id)
        db.session.commit()
        get_huey(app)
        for conversation_id in conversation_ids:
            tasks.compute_map.call_local(conversation_id)
        researcher_id = researcher.get_id()
    return app, researcher_id


def median_ms(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    from dialogue.extensions import db
    from dialogue.reports import consensus_maps
    from dialogue.reports.filters import Filters

    with tempfile.TemporaryDirectory() as tmp:
        app, researcher_id = build(Path(tmp))
        figures = {}
        with app.test_request_context():
            for name, filters in (("maps, no filters", Filters()),
                                  ("maps, teachers only", Filters(education_role="teacher"))):
                consensus_maps.summaries(filters)  # warm
                figures[name] = median_ms(lambda f=filters: (consensus_maps.summaries(f),
                                                             db.session.rollback()), rounds)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = researcher_id
            session["_fresh"] = True
        for path in ("/healthz", "/research/"):
            assert client.get(path).status_code == 200, path
        healthz = median_ms(lambda: client.get("/healthz"), rounds)
        dashboard = median_ms(lambda: client.get("/research/"), rounds)
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {rounds}")
    for name, ms in figures.items():
        print(f"  {name:22s} {ms:8.1f} ms")
    print(f"  dashboard view         {dashboard:8.1f} ms ({dashboard / healthz:.0f}x /healthz, "
          f"{healthz:.2f} ms)")


if __name__ == "__main__":
    main()
