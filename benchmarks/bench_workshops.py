"""A live workshop under load: 1,000 phones join, answer and poll as the real page does.

With ``--room``, the whole workshop instead (``benchmarks/room.py``, issue 14): the
presenter presses Next every 20 s through the ready-made workshop while the room answers.

    .venv/bin/python benchmarks/bench_workshops.py [--participants 1000] [--workers 4]
        [--interval 1.0] [--arrival 30] [--think 8] [--database-url postgresql://postgres@127.0.0.1:5432/bench]
        [--redis-url redis://127.0.0.1:6379/13]

Starts gunicorn (sync workers) on a free loopback port against a temporary SQLite
database (or a fresh database on the PostgreSQL server given), creates a workshop and
then, in one run:

1. baseline: every simulated phone polls ``/healthz`` at the page's interval;
2. the workshop: the room arrives over ``--arrival`` seconds; each phone fetches /join,
   posts the code, loads /j/<code>, answers the open question 1 to ``--think`` seconds
   later with htmx headers, and polls /j/<code>/live?s=<version> every interval all the
   while, exactly as the participant page does (204 while nothing changed);
3. once everyone has answered, the presenter moves on (through the service, committed
   like the control view); each phone's next poll returns the new question, which it
   answers too;
4. a short saturation run of /healthz and of an unchanged poll with 64 connections.

It prints responses acknowledged against responses stored (they must be equal), p50 and
p99 latency, how long until every phone showed the new question, requests per second,
and each as a ratio to the /healthz baseline measured in the same run. The load
generator is asyncio over plain sockets in this process; it shares the machine's CPUs
with gunicorn, so latencies include some client-side scheduling delay.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# dialogue itself is imported inside the functions, once the environment the app reads
# (database, secret, Redis) has been set for this run.

from tests.servers import free_port, fresh_postgres_database, percentile  # noqa: E402

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
STATE = re.compile(rb"/live\?s=(\d+)")
QUESTION_ID = re.compile(rb'name="question_id" value="(\d+)"')
SCALE_VALUE = re.compile(rb'name="value" type="radio" value="(\d)"')
OPTION_VALUE = re.compile(rb'name="option" type="radio" value="(\d+)"')


# --- Setting up -------------------------------------------------------------------------


def prepare(workdir: Path, database_url: str | None, redis_url: str | None) -> dict:
    """Create the schema, a facilitator and a live workshop; return the server's env."""
    url = (fresh_postgres_database(database_url, "bench_workshops") if database_url
           else f"sqlite:///{workdir / 'bench.db'}")
    env = dict(os.environ)
    env.update(DATABASE_URL=url, SECRET_KEY="bench-" * 8, DIALOGUE_ENV="production",
               SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="1",
               PUBLIC_URL="http://127.0.0.1")  # production refuses to start without it
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    for key in ("DATABASE_URL", "SECRET_KEY", "DIALOGUE_ENV", "REDIS_URL", "PUBLIC_URL"):
        if key in env:
            os.environ[key] = env[key]
    return env


def facilitator_app(workdir: Path, password: str = "bench-password-1"):  # noqa: S107
    """The app (schema created, the run's Redis db emptied) and a facilitator's id."""
    from dialogue import create_app
    from dialogue.auth import services as accounts
    from dialogue.auth.models import Role
    from dialogue.extensions import db
    from dialogue.schema import create_all

    app = create_app({"INSTANCE_PATH": str(workdir / "instance")})
    with app.app_context():
        create_all()
        if app.config.get("REDIS_URL"):
            from dialogue.redis_client import get_redis

            get_redis().flushdb()
        user = accounts.register_user(email="bench@dialogue.example.org",
                                      display_name="Bench", password=password,
                                      research_consent=False)
        accounts.grant_role(user, Role.FACILITATOR, by=None)
        db.session.commit()
        return app, user.id


def build_workshop(workdir: Path):
    """The app (for the presenter's moves) and the workshop's code, in a live state."""
    import datetime as dt

    from dialogue.auth.models import User
    from dialogue.extensions import db
    from dialogue.workshops import services

    app, user_id = facilitator_app(workdir)
    with app.app_context():
        user = db.session.get(User, user_id)
        workshop = services.create_workshop(user, title="Benchmark", date=dt.date.today(),
                                            locality_id=None)
        services.add_question(workshop, user, kind="scale", prompt="First question")
        services.add_question(workshop, user, kind="single", prompt="Second question",
                              options=["Red", "Green", "Blue"])
        services.control(workshop, user, "next")
        db.session.commit()
        return app, workshop.id, user.id, workshop.code


def move_on(app, workshop_id: int, user_id: int) -> None:
    """The presenter presses Next: one committed transaction, as the control view does."""
    from dialogue.auth.models import User
    from dialogue.extensions import db
    from dialogue.transactions import write_transaction
    from dialogue.workshops import services
    from dialogue.workshops.models import Workshop

    with app.app_context(), write_transaction():
        services.control(db.session.get(Workshop, workshop_id),
                         db.session.get(User, user_id), "next")
        db.session.commit()


def stored_responses(app) -> int:
    from dialogue.extensions import db
    from dialogue.workshops.models import Response

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Response))


# --- A tiny HTTP/1.1 client (one request per connection, as gunicorn's sync workers) --


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes


async def request(port: int, method: str, path: str, *, cookies: dict | None = None,
                  form: dict | list | None = None, headers: dict | None = None,
                  source: str | None = None) -> Reply:
    """One request on its own connection; ``source`` is the loopback address to send from
    (the whole-workshop room spreads its phones over several, as over several schools)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    body = b""
    if form is not None:
        body = urlencode(form, doseq=True).encode()
        lines += ["Content-Type: application/x-www-form-urlencoded",
                  f"Content-Length: {len(body)}"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, local_addr=(source, 0) if source else None)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        # Half-close once the request is sent, as the proxy in front of gunicorn does in
        # effect: gunicorn lingers after each response until the peer's FIN (RFC 9112
        # 9.6), so a client slow to close ties up a sync worker. See docs/deployment.md.
        writer.write_eof()
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        parsed.setdefault(key.strip().lower(), []).append(value.strip())
    return Reply(int(status_line.split()[1]), parsed, content)


def take_cookies(reply: Reply, jar: dict) -> None:
    for cookie in reply.headers.get("set-cookie", []):
        name, _, rest = cookie.partition("=")
        jar[name] = rest.split(";", 1)[0]


# --- Load -------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    requests: int = 0
    seen_new_question: list[float] = field(default_factory=list)
    phase: str = ""  # latencies are also kept per phase of the workshop
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, ok: bool, status: int | str = "") -> None:
        self.requests += 1
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        self.latencies.setdefault(kind, []).append(seconds)
        if self.phase:
            self.latencies.setdefault(f"{kind} {self.phase}", []).append(seconds)
        if not ok:
            key = f"{kind} {status}".strip()
            self.errors[key] = self.errors.get(key, 0) + 1


async def timed(stats: Stats, kind: str, ok_statuses: tuple[int, ...], coro) -> Reply | None:
    start = time.perf_counter()
    try:
        reply = await coro
    except OSError as error:
        stats.add(kind, time.perf_counter() - start, False, type(error).__name__)
        return None
    stats.add(kind, time.perf_counter() - start, reply.status in ok_statuses, reply.status)
    return reply


async def healthz_phone(port: int, stats: Stats, interval: float, until: float) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    while time.perf_counter() < until:
        started = time.perf_counter()
        await timed(stats, "healthz", (200,), request(port, "GET", "/healthz"))
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))


class Phone:
    """One participant's browser: join, answer after reading the question, poll every
    interval, and answer each new question the presenter moves on to."""

    def __init__(self, port: int, code: str, stats: Stats, interval: float, think: float):
        self.port, self.code, self.stats = port, code, stats
        self.interval, self.think = interval, think
        self.jar: dict[str, str] = {}
        self.csrf = ""
        self.state = "0"
        self.answered: set[bytes] = set()
        self.answers: list[asyncio.Task] = []

    async def join(self) -> bytes | None:
        """The join page, the code posted, the phone's page: its body, or None."""
        page = await timed(self.stats, "join", (200,), request(self.port, "GET", "/join"))
        if page is None:
            return None
        take_cookies(page, self.jar)
        self.csrf = CSRF.search(page.body).group(1).decode()
        joined = await timed(self.stats, "join", (302,), request(
            self.port, "POST", "/join", cookies=self.jar,
            form={"csrf_token": self.csrf, "code": self.code}))
        if joined is None or joined.status != 302:
            return None
        take_cookies(joined, self.jar)
        page = await timed(self.stats, "join", (200,), request(
            self.port, "GET", f"/j/{self.code}", cookies=self.jar))
        if page is None or page.status != 200:
            return None
        self.state = STATE.search(page.body).group(1).decode()
        return page.body

    def answer_soon(self, body: bytes) -> None:
        """A person reads the question, then taps an answer (in the background: the
        page keeps polling meanwhile)."""
        self.answers.append(asyncio.create_task(self.answer(body, random.uniform(
            1.0, self.think))))

    async def answer(self, body: bytes, delay: float) -> None:
        await asyncio.sleep(delay)
        found = QUESTION_ID.search(body)
        if found is None or found.group(1) in self.answered:
            return
        token = CSRF.search(body)
        csrf = token.group(1).decode() if token else self.csrf
        values = SCALE_VALUE.findall(body)
        form = {"csrf_token": csrf, "question_id": found.group(1).decode()}
        if values:
            form["value"] = random.choice(values).decode()
        else:
            form["option"] = random.choice(OPTION_VALUE.findall(body)).decode()
        reply = await timed(self.stats, "answer", (200,), request(
            self.port, "POST", f"/j/{self.code}/answer", cookies=self.jar, form=form,
            headers={"HX-Request": "true", "X-CSRFToken": csrf}))
        if reply is not None and reply.status == 200 and b"has been saved" in reply.body:
            self.stats.acknowledged += 1
            self.answered.add(found.group(1))

    async def live(self, arrive_at: float, until: float, moved: asyncio.Event,
                   moved_at: list[float]) -> bool:
        """Arrive (scan the QR) at ``arrive_at`` seconds, then take part until ``until``."""
        await asyncio.sleep(arrive_at)
        body = await self.join()
        if body is None:
            return False
        self.answer_soon(body)
        seen = False
        while time.perf_counter() < until:
            started = time.perf_counter()
            reply = await timed(self.stats, "poll", (200, 204, 286), request(
                self.port, "GET", f"/j/{self.code}/live?s={self.state}", cookies=self.jar,
                headers={"HX-Request": "true"}))
            if reply is not None and reply.status == 200:
                found = STATE.search(reply.body)
                if found:
                    self.state = found.group(1).decode()
                if moved.is_set() and not seen and b"Second question" in reply.body:
                    seen = True
                    self.stats.seen_new_question.append(time.perf_counter() - moved_at[0])
                    self.answer_soon(reply.body)
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))
        await asyncio.gather(*self.answers)
        return True


async def saturate(port: int, path: str, cookies: dict, seconds: float,
                   connections: int = 64) -> tuple[float, list[float]]:
    """Closed loop: ``connections`` clients back to back; return (requests/s, latencies)."""
    latencies: list[float] = []
    until = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < until:
            start = time.perf_counter()
            reply = await request(port, "GET", path, cookies=cookies)
            if reply.status in (200, 204):
                latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return len(latencies) / (time.perf_counter() - started), latencies


def in_process_costs(app, code: str, rounds: int = 5, per_round: int = 200) -> dict:
    """CPU cost per request through the WSGI app in this process (no network, no
    queueing), interleaved with /healthz so the machine's other load cancels out."""
    from itsdangerous import URLSafeSerializer

    from dialogue.extensions import db
    from dialogue.workshops import participants

    with app.app_context():
        workshop = participants.find_workshop_by_code(code)
        participant = participants.join(workshop, None)
        db.session.commit()
        cookie = URLSafeSerializer(app.config["SECRET_KEY"],
                                   salt="workshop-participant").dumps(participant.token)
        state = workshop.state_version
    client = app.test_client()
    client.set_cookie(f"dialogue_wsp_{code}", cookie, domain="127.0.0.1")
    paths = {"/healthz": "/healthz",
             "unchanged poll (204)": f"/j/{code}/live?s={state}",
             "changed poll (200, fragment)": f"/j/{code}/live?s=0",
             "participant page": f"/j/{code}"}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            started = time.perf_counter()
            for _ in range(per_round):
                response = client.get(path, base_url="http://127.0.0.1")
                assert response.status_code in (200, 204), (path, response.status_code)
            timings[name].append((time.perf_counter() - started) / per_round)
    return {name: sorted(values)[len(values) // 2] for name, values in timings.items()}


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


async def run(args, port: int, app, workshop_id: int, user_id: int, code: str) -> None:
    n, interval = args.participants, args.interval

    # 1. Baseline: the same number of phones polling /healthz at the same interval.
    base = Stats()
    started = time.perf_counter()
    until = started + args.seconds
    await asyncio.gather(*(healthz_phone(port, base, interval, until) for _ in range(n)))
    base_rate = base.requests / (time.perf_counter() - started)

    # 2. The workshop. The room arrives over --arrival seconds (each phone scans the QR,
    #    joins, reads the open question and answers within --think seconds, polling all
    #    the while); once everyone is in and has had time to answer, the presenter moves
    #    on, and every phone must show the second question and answer it too.
    stats = Stats()
    phones = [Phone(port, code, stats, interval, args.think) for _ in range(n)]
    moved, moved_at = asyncio.Event(), [0.0]
    client_cpu = time.process_time()
    started = time.perf_counter()
    move_after = args.arrival + args.think + 2
    until = started + move_after + args.think + args.seconds

    async def presenter():
        stats.phase = "arriving"
        await asyncio.sleep(args.arrival)
        stats.phase = "everyone in"
        await asyncio.sleep(move_after - args.arrival)
        stats.phase = "after Next"
        moved_at[0] = time.perf_counter()
        await asyncio.to_thread(move_on, app, workshop_id, user_id)
        moved.set()

    outcomes = await asyncio.gather(presenter(), *(
        p.live(random.uniform(0, args.arrival), until, moved, moved_at) for p in phones))
    joined = sum(1 for ok in outcomes[1:] if ok)
    workshop_seconds = time.perf_counter() - started
    workshop_rate = stats.requests / workshop_seconds
    client_share = (time.process_time() - client_cpu) / workshop_seconds
    stored = await asyncio.to_thread(stored_responses, app)
    live = [p for p, ok in zip(phones, outcomes[1:], strict=True) if ok]

    # 3. Saturation: the bare route against an unchanged poll.
    phone = live[0]
    health_rps, health_lat = await saturate(port, "/healthz", {}, 5)
    poll_rps, poll_lat = await saturate(port, f"/j/{code}/live?s={phone.state}", phone.jar, 5)

    costs = await asyncio.to_thread(in_process_costs, app, code)

    polls = stats.latencies.get("poll", [])
    answers = stats.latencies.get("answer", [])
    health = base.latencies.get("healthz", [])
    followed = len(stats.seen_new_question)
    print(f"\nbench_workshops: {n} participants, {args.workers} gunicorn sync workers, "
          f"poll every {interval:g} s, database "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}"
          f"{', Redis' if args.redis_url else ''}")
    joins = stats.latencies.get("join", [])
    print(f"  joined                      {joined} of {n}, arriving over {args.arrival:g} s; "
          f"join requests p50 {ms(percentile(joins, .5))}  p99 {ms(percentile(joins, .99))}")
    print(f"  responses acknowledged      {stats.acknowledged}")
    print(f"  responses stored            {stored}   "
          f"({'EQUAL' if stored == stats.acknowledged else 'MISMATCH'})")
    print(f"  errors                      {stats.errors or 'none'} (baseline "
          f"{base.errors or 'none'})")
    print(f"  poll latency                p50 {ms(percentile(polls, .5))}  "
          f"p99 {ms(percentile(polls, .99))}")
    print(f"  answer latency              p50 {ms(percentile(answers, .5))}  "
          f"p99 {ms(percentile(answers, .99))}")
    for phase in ("arriving", "everyone in", "after Next"):
        phase_polls = stats.latencies.get(f"poll {phase}", [])
        phase_answers = stats.latencies.get(f"answer {phase}", [])
        print(f"    {phase + ':':<14} polls p50 {ms(percentile(phase_polls, .5))} "
              f"p99 {ms(percentile(phase_polls, .99))}; answers p50 "
              f"{ms(percentile(phase_answers, .5))} p99 {ms(percentile(phase_answers, .99))} "
              f"({len(phase_answers)})")
    print(f"  /healthz latency (baseline) p50 {ms(percentile(health, .5))}  "
          f"p99 {ms(percentile(health, .99))}")
    print(f"  poll p99 / healthz p99      "
          f"{percentile(polls, .99) / percentile(health, .99):.2f}x")
    print(f"  followed the presenter      {followed} of {len(live)}; all within "
          f"{max(stats.seen_new_question, default=float('nan')):.2f} s "
          f"(p50 {percentile(stats.seen_new_question, .5):.2f} s)")
    print(f"  requests/s in the workshop  {workshop_rate:.0f} (baseline phones polling "
          f"/healthz {base_rate:.0f}; ratio {workshop_rate / base_rate:.2f})")
    print(f"  saturation requests/s       unchanged poll {poll_rps:.0f}, /healthz "
          f"{health_rps:.0f}; ratio {poll_rps / health_rps:.2f} "
          f"(p99 {ms(percentile(poll_lat, .99))} vs {ms(percentile(health_lat, .99))})")
    print("  in-process cost per request (median of interleaved rounds; /healthz = 1):")
    for name, seconds in costs.items():
        print(f"    {name:<30}{seconds * 1000:7.2f} ms   "
              f"{costs['/healthz'] / seconds:5.2f}x the bare route's speed")
    print(f"  answers by status           {dict(sorted(stats.statuses.items()))}")
    print(f"  load generator's own CPU    {client_share:.0%} of one core during the workshop "
          "(at 100% its own queueing adds to every latency above)")
    print(f"  machine load average        {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


@contextmanager
def gunicorn(env: dict, workdir: Path, workers: int, worker_class: str = "sync",
             threads: int = 1, target: str = "wsgi:app"):
    """gunicorn on a free loopback port; yields (port, master pid) once /healthz answers.
    The app's request log (a line per request) goes to a file, as a deployment's would."""
    port = free_port()
    log = (workdir / "gunicorn.log").open("ab")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-k", worker_class,
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--backlog", "4096",
         "--log-level", "warning", target], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if asyncio.run(request(port, "GET", "/healthz")).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + (
                    workdir / "gunicorn.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--interval", type=float, default=1.0, help="poll interval (s)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of the baseline, and of polling after the last answer")
    parser.add_argument("--arrival", type=float, default=30.0,
                        help="the room joins over this many seconds")
    parser.add_argument("--think", type=float, default=8.0,
                        help="each person answers 1 to this many seconds after seeing a question")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--redis-url", help="Redis for live versions and rate limits")
    parser.add_argument("--costs-only", action="store_true",
                        help="only the in-process cost per request (no gunicorn, no load)")
    parser.add_argument("--room", action="store_true",
                        help="the whole workshop (benchmarks/room.py): Next every "
                             "--next-every seconds through --questions questions")
    parser.add_argument("--questions", type=int, default=10,
                        help="--room: questions of the ready-made workshop (all kinds first)")
    parser.add_argument("--next-every", type=float, default=20.0,
                        help="--room: the presenter presses Next every this many seconds")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    args = parser.parse_args()
    if args.room:
        import room

        room.main(args)
        return

    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = prepare(workdir, args.database_url, args.redis_url)
        app, workshop_id, user_id, code = build_workshop(workdir)
        if args.costs_only:
            costs = in_process_costs(app, code)
            for name, seconds in costs.items():
                print(f"{name:<30}{seconds * 1000:7.2f} ms   "
                      f"{costs['/healthz'] / seconds:5.2f}x the bare route's speed")
            print(f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            return
        with gunicorn(env, workdir, args.workers) as (port, _):
            asyncio.run(run(args, port, app, workshop_id, user_id, code))


if __name__ == "__main__":
    main()
