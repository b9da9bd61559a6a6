"""What one workshop answer costs the worker: CPU per answer POST and SQL statements.

    .venv/bin/python benchmarks/bench_answer_cost.py [--phones 100] [--rounds 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench]
        [--redis-url redis://127.0.0.1:6379/13] [--profile]

Runs the app in this process (Werkzeug's test client: no network, no queueing, the
production configuration with the rate limiter on), with a live workshop and
``--phones`` joined participants, each holding the real cookies and CSRF token a
participant page gives. Each round the presenter moves to the next question (not
timed), then, interleaved so that the machine's other load touches all alike:

- ``/healthz`` once per phone (the baseline: the cheapest route through Flask);
- an unchanged poll once per phone (answered before Flask);
- every phone's first answer to the question, as htmx sends it (200, the confirmation);
- every phone changing its answer (the upsert's update path).

It prints, per kind, the median over rounds of CPU ms per request (this process's CPU:
on PostgreSQL the server's own CPU is not in it), wall ms per request (which is, with the
round trips), the ratio to /healthz, and SQL statements per request. ``--profile`` runs
one more round of first answers under pyinstrument (``pip install pyinstrument`` into
the venv; it is not a project dependency) and prints where the time goes.

The figures are the app's cost per request only: the test client's own work (building
the environ, reading the response) is in every kind alike, /healthz included.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# dialogue itself is imported inside the functions, once the environment the app reads
# (database, secret, Redis) has been set for this run.

from tests.servers import fresh_postgres_database  # noqa: E402

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'&#34;X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')
STATE = re.compile(r"/live\?s=(\d+)")
HOST = "http://127.0.0.1"


def prepare(workdir: Path, database_url: str | None, redis_url: str | None) -> None:
    """Point the app's environment at this run's database (and Redis)."""
    url = (fresh_postgres_database(database_url, "bench_answer_cost") if database_url
           else f"sqlite:///{workdir / 'bench.db'}")
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench-" * 8, DIALOGUE_ENV="production",
                      SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="1",
                      PUBLIC_URL=HOST)
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url


def build(workdir: Path, rounds: int):
    """The app, and a live workshop with a question per round (scale and single choice)."""
    import datetime as dt

    from dialogue import create_app
    from dialogue.auth import services as accounts
    from dialogue.auth.models import Role
    from dialogue.extensions import db
    from dialogue.schema import create_all
    from dialogue.workshops import services

    app = create_app({"INSTANCE_PATH": str(workdir / "instance")})
    with app.app_context():
        create_all()
        if app.config.get("REDIS_URL"):
            from dialogue.redis_client import get_redis

            get_redis().flushdb()
        user = accounts.register_user(email="bench@dialogue.example.org",
                                      display_name="Bench", password="bench-password-1",  # noqa: S106
                                      research_consent=False)
        accounts.grant_role(user, Role.FACILITATOR, by=None)
        workshop = services.create_workshop(user, title="Benchmark", date=dt.date.today(),
                                            locality_id=None)
        for number in range(rounds + 1):
            if number % 2:
                services.add_question(workshop, user, kind="single",
                                      prompt=f"Question {number + 1}",
                                      options=["Red", "Green", "Blue"])
            else:
                services.add_question(workshop, user, kind="scale",
                                      prompt=f"Question {number + 1}")
        db.session.commit()
        return app, workshop.id, user.id, workshop.code


def move_on(app, workshop_id: int, user_id: int) -> tuple[int, str, list[str]]:
    """The presenter presses Next; the new question's id, kind and answer values."""
    from dialogue.auth.models import User
    from dialogue.extensions import db
    from dialogue.transactions import write_transaction
    from dialogue.workshops import services
    from dialogue.workshops.models import Workshop

    with app.app_context(), write_transaction():
        workshop = db.session.get(Workshop, workshop_id)
        services.control(workshop, db.session.get(User, user_id), "next")
        db.session.commit()
        question = workshop.current_question
        values = ([str(o.id) for o in question.options] if question.kind == "single"
                  else [str(v) for v in range(1, 6)])
        return question.id, question.kind, values


class Phone:
    """A joined participant: its own client (cookies) and the page's CSRF token."""

    def __init__(self, app, code: str):
        self.client = app.test_client()
        page = self.client.get("/join", base_url=HOST).get_data(as_text=True)
        token = CSRF_FIELD.search(page).group(1)
        joined = self.client.post("/join", data={"csrf_token": token, "code": code},
                                  base_url=HOST)
        assert joined.status_code == 302, joined.status_code
        page = self.client.get(f"/j/{code}", base_url=HOST).get_data(as_text=True)
        found = CSRF_HEADER.search(page)
        self.csrf = found.group(1) or found.group(2)
        self.code = code

    def answer(self, question_id: int, field: str, value: str) -> int:
        response = self.client.post(
            f"/j/{self.code}/answer", base_url=HOST,
            data={"question_id": str(question_id), field: value},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf})
        assert response.status_code == 200, (response.status_code, response.data[:300])
        assert b"has been saved" in response.data
        return response.status_code


class Counter:
    """SQL statements sent to the database meanwhile."""

    def __init__(self, app):
        from sqlalchemy import event

        from dialogue.extensions import db

        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, *_args) -> None:
        self.count += 1


def timed(fn, items) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per item of ``fn(item)`` over ``items``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        fn(item)
    return ((time.process_time() - cpu) / len(items),
            (time.perf_counter() - wall) / len(items))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def quiet_request_log() -> None:
    """The request log still formats its JSON lines (a worker's real cost), to nowhere."""
    import logging

    for handler in logging.getLogger("dialogue").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives for the run


def live_version(app, code: str) -> int:
    from dialogue.workshops import live

    with app.app_context():
        return live.live_state(code).state_version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--redis-url")
    parser.add_argument("--profile", action="store_true",
                        help="one more round of answers under pyinstrument")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        prepare(workdir, args.database_url, args.redis_url)
        rounds = args.rounds + (1 if args.profile else 0)
        app, workshop_id, user_id, code = build(workdir, rounds)
        quiet_request_log()
        phones = [Phone(app, code) for _ in range(args.phones)]
        counter = Counter(app)
        kinds = ("/healthz", "unchanged poll (204)", "answer (htmx, 200)",
                 "changed answer (htmx, 200)")
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        wall: dict[str, list[float]] = {k: [] for k in kinds}
        statements: dict[str, list[float]] = {k: [] for k in kinds}

        def measure(kind: str, fn) -> None:
            before = counter.count
            seconds_cpu, seconds_wall = timed(fn, phones)
            cpu[kind].append(seconds_cpu)
            wall[kind].append(seconds_wall)
            statements[kind].append((counter.count - before) / len(phones))

        for round_ in range(args.rounds):
            question_id, kind, values = move_on(app, workshop_id, user_id)
            field = "option" if kind == "single" else "value"
            state = live_version(app, code)
            measure("/healthz", lambda p: p.client.get("/healthz", base_url=HOST))
            measure("unchanged poll (204)", lambda p, s=state: p.client.get(
                f"/j/{code}/live?s={s}", base_url=HOST, headers={"HX-Request": "true"}))
            measure("answer (htmx, 200)", lambda p, q=question_id, f=field, v=values:
                    p.answer(q, f, v[0]))
            measure("changed answer (htmx, 200)", lambda p, q=question_id, f=field,
                    v=values: p.answer(q, f, v[-1]))
            print(f"  round {round_ + 1}: answer {cpu['answer (htmx, 200)'][-1] * 1000:.2f} "
                  f"ms CPU", flush=True)

        with open("/proc/loadavg") as loadavg:
            load = loadavg.read().split()[:3]
        base = median(cpu["/healthz"])
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"Answer cost, in process: {database}{' + Redis' if args.redis_url else ''}, "
              f"{args.phones} phones x {args.rounds} rounds, load average {' '.join(load)}")
        print(f"  {'request':28} {'CPU ms':>7} {'wall ms':>8} {'x /healthz':>10} "
              f"{'statements':>10}")
        for kind in kinds:
            print(f"  {kind:28} {median(cpu[kind]) * 1000:7.2f} "
                  f"{median(wall[kind]) * 1000:8.2f} {median(cpu[kind]) / base:10.2f} "
                  f"{median(statements[kind]):10.1f}")

        if args.profile:
            from pyinstrument import Profiler

            question_id, kind, values = move_on(app, workshop_id, user_id)
            field = "option" if kind == "single" else "value"
            profiler = Profiler(interval=0.0002)
            with profiler:
                for phone in phones:
                    phone.answer(question_id, field, values[0])
            print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
