"""A room voting on a workshop's consensus map (``bench_consensus.py --room``).

    .venv/bin/python benchmarks/bench_consensus.py --room [--participants 300] [--seconds 60]

gunicorn (4 sync workers) and the job worker (``flask dialogue worker``, niced as in
``make run``) on a fresh SQLite database. A workshop is live on its first question and
its map is open with ``--statements`` seeds and on the audience screen. Then:

1. Baseline: the same number of phones polling ``/healthz`` every second.
2. The room: each phone joins with the code, keeps polling the workshop every second (as
   its page does), opens the map and votes on one statement every ``--vote-every``
   seconds (the first after 0-5 s, so votes spread); the audience screen polls its map
   region every 2 s, signed in as the facilitator. The job worker draws the map (once
   per few seconds for the whole room: the debounce), the screen's poll reads it.

Printed: latency p50/p99 per kind of request, the polls' p99 as a ratio of /healthz's in
the same run, votes acknowledged against stored, how many maps the screen saw drawn and
how far the last one lagged the last vote, and the load average.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import re
import subprocess
import tempfile
import time
from pathlib import Path

from bench_workshops import (
    CSRF,
    ROOT,
    STATE,
    Stats,
    facilitator_app,
    gunicorn,
    healthz_phone,
    percentile,
    prepare,
    request,
    take_cookies,
    timed,
)
from bench_workshops import (
    Phone as WorkshopPhone,
)

NEXT_STATEMENT = re.compile(rb"/map/statements/(\d+)/vote")
SCREEN_KEY = re.compile(rb"/map/screen\?v=([0-9a-z.]+)")
VOTED = re.compile(rb"<strong>(\d+)</strong> (?:person has|people have) voted")
PASSWORD = "bench-password-1"  # noqa: S105 - the benchmark's own throwaway account


def build(workdir: Path, statements: int):
    """The app, and a live workshop with its map open on the screen: (app, code, id)."""
    from dialogue.auth.models import User
    from dialogue.consensus import room
    from dialogue.extensions import db
    from dialogue.workshops import services

    app, user_id = facilitator_app(workdir, PASSWORD)
    with app.app_context():
        user = db.session.get(User, user_id)
        workshop = services.create_workshop(user, title="Benchmark", date=dt.date.today(),
                                            locality_id=None)
        services.add_question(workshop, user, kind="scale", prompt="First question")
        services.control(workshop, user, "next")
        room.start_map(workshop, user, title="Benchmark map",
                       seeds=[f"Statement number {n} about the school-led system."
                              for n in range(1, statements + 1)])
        db.session.commit()
        return app, workshop.code, workshop.id


def stored_votes(app) -> int:
    from dialogue.consensus.models import Vote
    from dialogue.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Vote))


class Phone:
    def __init__(self, port: int, code: str, stats: Stats, vote_every: float):
        self.port, self.code, self.stats, self.vote_every = port, code, stats, vote_every
        self.jar: dict[str, str] = {}
        self.csrf, self.state, self.statement = "", "0", None
        self.acknowledged = 0

    async def join(self) -> bool:
        # The same join as the workshop room's phones (bench_workshops.Phone.join).
        if await WorkshopPhone.join(self) is None:
            return False
        found = await timed(self.stats, "map page", (200,), request(
            self.port, "GET", f"/j/{self.code}/map", cookies=self.jar))
        if found is None or found.status != 200:
            return False
        self.statement = NEXT_STATEMENT.search(found.body)
        return True

    async def poll(self, until: float) -> None:
        while time.perf_counter() < until:
            started = time.perf_counter()
            reply = await timed(self.stats, "poll", (200, 204), request(
                self.port, "GET", f"/j/{self.code}/live?s={self.state}", cookies=self.jar,
                headers={"HX-Request": "true"}))
            if reply is not None and reply.status == 200 and STATE.search(reply.body):
                self.state = STATE.search(reply.body).group(1).decode()
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

    async def vote(self, until: float, last_vote: list[float]) -> None:
        await asyncio.sleep(random.uniform(0, self.vote_every))
        while time.perf_counter() < until and self.statement is not None:
            started = time.perf_counter()
            reply = await timed(self.stats, "vote", (200,), request(
                self.port, "POST",
                f"/j/{self.code}/map/statements/{self.statement.group(1).decode()}/vote",
                cookies=self.jar, form={"csrf_token": self.csrf,
                                        "vote": random.choice(["agree", "disagree", "pass"])},
                headers={"HX-Request": "true", "X-CSRFToken": self.csrf}))
            if reply is not None and reply.status == 200:
                self.acknowledged += 1
                last_vote[0] = time.perf_counter()
                self.statement = NEXT_STATEMENT.search(reply.body)
            await asyncio.sleep(max(0.0, self.vote_every - (time.perf_counter() - started)))

    async def live(self, arrive_at: float, until: float, last_vote: list[float]) -> bool:
        await asyncio.sleep(arrive_at)
        if not await self.join():
            return False
        await asyncio.gather(self.poll(until), self.vote(until, last_vote))
        return True


async def facilitator_cookies(port: int) -> dict:
    jar: dict[str, str] = {}
    page = await request(port, "GET", "/login")
    take_cookies(page, jar)
    token = CSRF.search(page.body).group(1).decode()
    reply = await request(port, "POST", "/login", cookies=jar, form={
        "csrf_token": token, "email": "bench@dialogue.example.org", "password": PASSWORD})
    assert reply.status == 302, reply.status
    take_cookies(reply, jar)
    return jar


async def screen(port: int, workshop_id: int, jar: dict, stats: Stats, until: float,
                 seen: list[tuple[float, int]]) -> None:
    """The projector: poll the map region every 2 s; note each new map (time, voters)."""
    key = "none"
    while time.perf_counter() < until:
        started = time.perf_counter()
        reply = await timed(stats, "screen", (200, 204), request(
            port, "GET", f"/workshops/{workshop_id}/map/screen?v={key}", cookies=jar,
            headers={"HX-Request": "true"}))
        if reply is not None and reply.status == 200:
            found = SCREEN_KEY.search(reply.body)
            key = found.group(1).decode() if found else key
            voters = VOTED.search(reply.body)
            if voters:
                seen.append((time.perf_counter(), int(voters.group(1))))
        await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - started)))


def in_process_costs(app, code: str, workshop_id: int, rounds: int = 5,
                     per_round: int = 60) -> dict:
    """CPU cost per request through the WSGI app in this process (no network, no
    queueing), interleaved with /healthz so the machine's other load cancels out: a
    phone's vote (changing it back and forth: the upsert, the version, the debounce's
    claim and the next statement rendered), the screen's unchanged and changed polls."""
    from itsdangerous import URLSafeSerializer

    from dialogue.consensus import room, services
    from dialogue.extensions import db
    from dialogue.workshops import participants

    # A pool of phones, so that no phone meets its vote rate limit (60 a minute).
    phones = []
    with app.app_context():
        workshop = participants.find_workshop_by_code(code)
        joined = [participants.join(workshop, None) for _ in range(rounds * per_round // 25)]
        db.session.commit()
        cookies = [URLSafeSerializer(app.config["SECRET_KEY"], salt="workshop-participant")
                   .dumps(p.token) for p in joined]
        statement = services.statements_of(room.workshop_map(workshop_id))[-1].id
    for cookie in cookies:
        phone = app.test_client()
        phone.set_cookie(f"dialogue_wsp_{code}", cookie, domain="127.0.0.1")
        page = phone.get(f"/j/{code}/map", base_url="https://127.0.0.1")
        phones.append((phone, CSRF.search(page.data).group(1).decode()))
    screen = app.test_client()
    with app.app_context():
        reply = screen.get("/login", base_url="https://127.0.0.1")
        token = CSRF.search(reply.data).group(1).decode()
        # https (the app's cookies are Secure), so Flask-WTF checks the Referer too.
        screen.post("/login", base_url="https://127.0.0.1", data={
            "csrf_token": token, "email": "bench@dialogue.example.org", "password": PASSWORD},
            headers={"Referer": "https://127.0.0.1/login"})
    key = SCREEN_KEY.search(screen.get(f"/workshops/{workshop_id}/map/screen",
                                       base_url="https://127.0.0.1").data).group(1).decode()
    votes = iter(["agree", "disagree"] * rounds * per_round)
    turns = iter(phones * (rounds * per_round))

    def vote():
        phone, csrf = next(turns)
        return phone.post(f"/j/{code}/map/statements/{statement}/vote",
                          base_url="https://127.0.0.1", data={"vote": next(votes)},
                          headers={"HX-Request": "true", "X-CSRFToken": csrf,
                                   "Referer": f"https://127.0.0.1/j/{code}/map"})

    calls = {
        "/healthz": lambda: screen.get("/healthz", base_url="https://127.0.0.1"),
        "a phone's vote (200, next statement)": vote,
        "screen poll, unchanged (204)": lambda: screen.get(
            f"/workshops/{workshop_id}/map/screen?v={key}", base_url="https://127.0.0.1"),
        "screen poll, changed (200, the map)": lambda: screen.get(
            f"/workshops/{workshop_id}/map/screen?v=x", base_url="https://127.0.0.1"),
    }
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            for _ in range(per_round):
                response = call()
                assert response.status_code in (200, 204), (name, response.status_code)
            timings[name].append((time.perf_counter() - started) / per_round)
            if name.startswith("a phone's vote"):
                key = SCREEN_KEY.search(screen.get(
                    f"/workshops/{workshop_id}/map/screen",
                    base_url="https://127.0.0.1").data).group(1).decode()
    return {name: sorted(values)[len(values) // 2] for name, values in timings.items()}


def ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f} ms" if values else "-"


async def run(args, port: int, app, code: str, workshop_id: int) -> None:
    n = args.participants
    base = Stats()
    until = time.perf_counter() + min(args.seconds, 20)
    await asyncio.gather(*(healthz_phone(port, base, 1.0, until) for _ in range(n)))

    stats, shown = Stats(), []
    jar = await facilitator_cookies(port)
    phones = [Phone(port, code, stats, args.vote_every) for _ in range(n)]
    last_vote = [0.0]
    started = time.perf_counter()
    until = started + args.seconds
    until = started + args.arrival + args.seconds

    async def phases():
        stats.phase = "arriving"
        await asyncio.sleep(args.arrival)
        stats.phase = "everyone in"

    outcomes = await asyncio.gather(
        screen(port, workshop_id, jar, stats, until + 12, shown),
        *(p.live(random.uniform(0, args.arrival), until, last_vote) for p in phones),
        phases())
    joined = sum(1 for ok in outcomes[1:-1] if ok)
    acknowledged = sum(p.acknowledged for p in phones)
    stored = await asyncio.to_thread(stored_votes, app)
    final = shown[-1] if shown else (0.0, 0)
    health = base.latencies.get("healthz", [])
    polls = stats.latencies.get("poll", [])
    costs = await asyncio.to_thread(in_process_costs, app, code, workshop_id)
    print(f"\nconsensus map in a room: {n} phones arriving over {args.arrival:g} s, then "
          f"{args.seconds:g} s more; each votes every {args.vote_every:g} s and polls every "
          f"1 s, the screen every 2 s; "
          f"{args.workers} gunicorn sync workers and the job worker, SQLite")
    print(f"  joined                  {joined} of {n}")
    print(f"  votes acknowledged      {acknowledged}; stored {stored} "
          f"({'EQUAL' if stored == acknowledged else 'MISMATCH'})")
    print(f"  errors                  {stats.errors or 'none'} (baseline "
          f"{base.errors or 'none'})")
    for kind in ("join", "map page", "poll", "vote", "screen",
                 "poll everyone in", "vote everyone in"):
        values = stats.latencies.get(kind, [])
        print(f"  {kind + ' latency':<23} p50 {ms(values, .5)}  p99 {ms(values, .99)}  "
              f"({len(values)})")
    print(f"  /healthz (baseline)     p50 {ms(health, .5)}  p99 {ms(health, .99)}")
    if health and polls:
        print(f"  poll p99 / healthz p99  {percentile(polls, .99) / percentile(health, .99):.2f}x")
    voters = sum(1 for p in phones if p.acknowledged)
    print(f"  maps the screen showed  {len(shown)} in {args.seconds + 12:g} s (the job draws "
          f"once per few seconds for the whole room); the last counted {final[1]} of the "
          f"{voters} phones that voted")
    print("  in-process cost per request (medians of interleaved rounds; /healthz = 1):")
    for name, seconds in costs.items():
        print(f"    {name:<34}{seconds * 1000:7.2f} ms  {seconds / costs['/healthz']:6.2f}x "
              "/healthz's cost")
    print(f"  requests by status      {dict(sorted(stats.statuses.items()))}")
    print(f"  machine load average    {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
          f" on {os.cpu_count()} CPUs")


def main(args) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    with tempfile.TemporaryDirectory(prefix="bench-consensus-room-") as tmp:
        workdir = Path(tmp)
        env = prepare(workdir, None, None)
        # The server and the worker share the run's own job queue (instance/jobs.sqlite3
        # in the run's directory), never the checkout's.
        (workdir / "bench_wsgi.py").write_text(
            "from dialogue import create_app\n"
            f"app = create_app({{'INSTANCE_PATH': {str(workdir / 'instance')!r}}})\n")
        env["PYTHONPATH"] = os.pathsep.join([str(workdir), str(ROOT)])
        app, code, workshop_id = build(workdir, args.statements)
        worker = subprocess.Popen(
            ["nice", "-n", "10", str(ROOT / ".venv/bin/flask"), "--app", "bench_wsgi:app",
             "dialogue", "worker"], cwd=ROOT, env=env,
            stdout=(workdir / "worker.log").open("ab"), stderr=subprocess.STDOUT)
        try:
            # On a busy machine the niced worker takes a while to start; the room only
            # starts once it can draw maps.
            deadline = time.monotonic() + 300
            while "consumer started" not in (workdir / "worker.log").read_text(errors="replace"):
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError("the job worker did not start")
                time.sleep(0.5)
            with gunicorn(env, workdir, args.workers, target="bench_wsgi:app") as served:
                # (port, master pid) lately; a bare port before that.
                port = served[0] if isinstance(served, tuple) else served
                asyncio.run(run(args, port, app, code, workshop_id))
            log = (workdir / "worker.log").read_text(errors="replace").strip()
            if "Traceback" in log or "ERROR" in log or os.environ.get("BENCH_DEBUG"):
                print("  the job worker's log ends:\n" + log[-2000:])
        finally:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
