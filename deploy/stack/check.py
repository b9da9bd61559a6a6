"""`make stack-check`: the stack deploy/stack/start.sh started, tested through its nginx.

    .venv/bin/python deploy/stack/check.py [--stack-dir /tmp/dialogue-stack] [--phones 50]
        [--idle 200] [--slow 50] [--only pages,workshop,...]

Checks, each printing one line and its figures: health (PostgreSQL and Redis behind the
app); every public page answers 200 (found from the home page's links); the security
headers; static files served by nginx with a year's immutable cache when the URL has ?v=,
and gzip; sign-in with CSRF; a workshop run through the pages with simulated phones,
every acknowledged answer stored once (counted in the database); a PDF synthesis job;
idle and byte-a-second connections held while pages still answer in under a second;
a graceful reload of gunicorn (SIGHUP) under load with no failed request; the new-code
upgrade (USR2, then TERM to the old master) under load with no failed request.
Loopback only; every loop is bounded in count and time. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import random
import re
import signal
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from sqlalchemy.engine import make_url
from stackclient import LOOPBACK, Browser, CheckFailed, Reply, expect, ms, percentile

DEMO_PASSWORD = "dialogue-demo"  # noqa: S105 - dialogue/demo.py's documented demo login
FACILITATOR = "facilitator@dialogue.example.org"
RESEARCHER = "researcher@dialogue.example.org"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")
CODE = re.compile(r"/j/([A-Za-z0-9]{4,12})\b")
STATE = re.compile(r"/live\?s=(\d+)")
SAVED = b"has been saved"


class Stack:
    """Where the stack is: its address and database, read from its state folder."""

    def __init__(self, stack_dir: Path):
        env_file = stack_dir / "env"
        expect(env_file.exists(), f"{env_file} is missing: run deploy/stack/start.sh first")
        self.dir = stack_dir
        self.env = dict(line.split("=", 1) for line in env_file.read_text().splitlines()
                        if "=" in line and not line.startswith("#"))
        url = urlsplit(self.env["PUBLIC_URL"])
        expect(url.hostname in LOOPBACK, f"PUBLIC_URL {url.geturl()} is not loopback")
        self.host, self.port = url.hostname, url.port or 80
        database = make_url(self.env["DATABASE_URL"]).set(drivername="postgresql")
        expect(database.host in LOOPBACK, f"the database {database.host} is not loopback")
        self.database = database.render_as_string(hide_password=False)

    def browser(self) -> Browser:
        return Browser(self.host, self.port)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database) as conn:
            return conn.execute(sql, params).fetchall()

    def gunicorn_master(self) -> int:
        pid = int((self.dir / "run" / "gunicorn.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        expect(b"gunicorn" in cmdline, f"pid {pid} is not the stack's gunicorn")
        return pid


class Report:
    """One line per check; remembers failures for the exit status."""

    def __init__(self):
        self.failed: list[str] = []

    def run(self, name: str, check, *args) -> None:
        started = time.perf_counter()
        try:
            detail = check(*args)
        except (CheckFailed, OSError, KeyError, ValueError, psycopg.Error) as error:
            self.failed.append(name)
            kind = "" if isinstance(error, CheckFailed) else f"{type(error).__name__}: "
            print(f"FAIL {name}: {kind}{error}", flush=True)
            return
        print(f"ok   {name} ({time.perf_counter() - started:.1f} s): {detail}", flush=True)


# --- Pages and headers ----------------------------------------------------------------


def get_ok(browser: Browser, path: str, what: str) -> Reply:
    reply = browser.get(path)
    expect(reply.status == 200, f"{what} {path} answered {reply.status}")
    return reply


def first_link(reply: Reply, pattern: str, what: str) -> str:
    found = [link for link in reply.page().links
             if re.fullmatch(pattern, urlsplit(link).path)]
    expect(found, f"no link to {what} on {reply.path}")
    return urlsplit(found[0]).path


def discover_pages(stack: Stack) -> dict[str, str]:
    """The public pages, found by following links from the home page."""
    browser = stack.browser()
    home = get_ok(browser, "/", "home")
    pages = {"home": "/"}
    for name, pattern in (("briefings", r"/briefings/"), ("localities", r"/localities/"),
                          ("login", r"/login"), ("register", r"/register")):
        pages[name] = first_link(home, pattern, name)
    briefings = get_ok(browser, pages["briefings"], "briefings")
    pages["briefing"] = first_link(briefings, r"/briefings/(?!glossary)[a-z0-9-]+", "a briefing")
    briefing = get_ok(browser, pages["briefing"], "briefing")
    pages["finding"] = first_link(briefing, r"/findings/[A-Za-z0-9._-]+", "a finding")
    localities = get_ok(browser, pages["localities"], "localities")
    pages["locality"] = first_link(localities, r"/localities/[a-z0-9-]+", "a locality")
    search = home.page().form("/search")
    pages["search"] = f"{urlsplit(search.action).path}?q=school"
    return pages


def check_health(stack: Stack) -> str:
    reply = get_ok(stack.browser(), "/healthz", "health")
    expect(b'"database":"ok"' in reply.body.replace(b" ", b""), f"health: {reply.text}")
    expect(b'"redis":"ok"' in reply.body.replace(b" ", b""), f"health: {reply.text}")
    expect(b"postgresql" in reply.body, f"not on PostgreSQL: {reply.text}")
    workers = workers_of(stack.gunicorn_master())
    wanted = int(stack.env.get("WEB_CONCURRENCY", "4"))
    expect(len(workers) == wanted, f"gunicorn has {len(workers)} workers, not {wanted}")
    worker = int((stack.dir / "run" / "worker.pid").read_text())
    stat = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
    expect(int(stat[16]) >= 10, f"the job worker runs at nice {stat[16]}, not 10")
    return f"{reply.text.strip()}; {wanted} gunicorn workers; job worker at nice {stat[16]}"


def check_pages(stack: Stack, pages: dict[str, str]) -> str:
    browser = stack.browser()
    figures = []
    for name, path in pages.items():
        reply = get_ok(browser, path, name)
        figures.append(f"{name} {ms(reply.seconds)}")
    return f"{len(pages)} pages 200 through nginx: " + ", ".join(figures)


def check_security_headers(stack: Stack, pages: dict[str, str]) -> str:
    browser = stack.browser()
    missing = []
    for path in [*pages.values(), "/no-such-page-stack-check"]:
        reply = browser.get(path)
        absent = [h for h in SECURITY_HEADERS if not reply.header(h)]
        csp = reply.header("content-security-policy")
        if not reply.header("x-frame-options") and "frame-ancestors" not in csp:
            absent.append("frame protection")
        if reply.header("x-content-type-options").lower() != "nosniff":
            absent.append("nosniff")
        if absent:
            missing.append(f"{path} ({reply.status}) lacks {', '.join(absent)}")
    expect(not missing, "; ".join(missing))
    return (f"CSP, nosniff, Referrer-Policy and frame protection on {len(pages)} pages "
            "and a 404")


# --- Static files ---------------------------------------------------------------------


def check_static(stack: Stack, pages: dict[str, str]) -> str:
    browser = stack.browser()
    assets: set[str] = set()
    for path in pages.values():
        assets.update(a for a in browser.get(path).page().assets
                      if urlsplit(a).path.startswith("/static/"))
    expect(assets, "no /static/ stylesheets or scripts on the pages")
    problems, cached = [], 0
    for url in sorted(assets):
        path = browser.local(url)
        reply = browser.get(path)
        if reply.status != 200:
            problems.append(f"{path}: {reply.status}")
            continue
        if reply.header("permissions-policy") or "bytes" not in reply.header("accept-ranges"):
            problems.append(f"{path}: served by the application, not by nginx")
        cache = reply.header("cache-control")
        if "v=" not in urlsplit(path).query:
            problems.append(f"{path}: no ?v= content version in the URL (Cache-Control {cache})")
        elif "immutable" not in cache or "max-age=31536000" not in cache:
            problems.append(f"{path}: Cache-Control {cache!r}")
        else:
            cached += 1
    # nginx's half on its own: the same file asked for with a version in the URL.
    probe = browser.get(urlsplit(sorted(assets)[0]).path + "?v=stack-check")
    nginx_side = ("nginx gives ?v= URLs a year, immutable"
                  if "immutable" in probe.header("cache-control")
                  and "max-age=31536000" in probe.header("cache-control")
                  else f"nginx gives ?v= URLs {probe.header('cache-control')!r}")
    expect(not problems, f"{len(problems)} of {len(assets)} static URLs: "
           + "; ".join(problems) + f" ({nginx_side})")
    return f"{cached} static files from nginx, immutable, max-age=31536000 ({nginx_side})"


def check_gzip(stack: Stack, pages: dict[str, str]) -> str:
    browser = stack.browser()
    home = browser.get("/").page()
    wanted = {".css": None, ".js": None}
    for url in home.assets:
        for suffix in wanted:
            if wanted[suffix] is None and urlsplit(url).path.endswith(suffix):
                wanted[suffix] = browser.local(url)
    figures = []
    for suffix, path in wanted.items():
        expect(path, f"no {suffix} file on the home page")
        plain = browser.get(path)
        packed = browser.get(path, headers={"Accept-Encoding": "gzip"})
        expect(packed.header("content-encoding") == "gzip",
               f"{path}: no gzip (Content-Encoding {packed.header('content-encoding')!r})")
        expect(gzip.decompress(packed.body) == plain.body, f"{path}: gzip body differs")
        figures.append(f"{path.split('?')[0]} {len(plain.body)} -> {len(packed.body)} bytes")
    return "; ".join(figures)


# --- Sign-in --------------------------------------------------------------------------


def sign_in(stack: Stack, email: str, forge_first: bool = False) -> Browser:
    """A browser signed in as ``email`` through the login form (10 a minute per address)."""
    browser = stack.browser()
    page = get_ok(browser, "/login", "login").page()
    form = page.form("/login")
    token = form.value("csrf_token")
    expect(token, "the login form has no csrf_token")
    if forge_first:
        forged = browser.submit(form, csrf_token="", email=email, password=DEMO_PASSWORD)
        expect(forged.status == 400, f"sign-in without the CSRF token answered {forged.status}")
    reply = browser.submit(form, email=email, password=DEMO_PASSWORD)
    expect(reply.status in (302, 303), f"sign-in as {email} answered {reply.status}")
    account = browser.get("/account", follow=False)
    expect(account.status == 200, f"/account after sign-in answered {account.status}")
    return browser


def check_sign_in(stack: Stack) -> str:
    sign_in(stack, FACILITATOR, forge_first=True)
    return f"{FACILITATOR} signed in with the form's CSRF token; without it: 400"


# --- A workshop with simulated phones -------------------------------------------------


class Room:
    """What the phones saw, shared between their threads."""

    def __init__(self, code: str):
        self.code = code
        self.lock = threading.Lock()
        self.acked: dict[int, int] = {}  # question id -> acknowledged answers
        self.errors: list[str] = []
        self.latencies: dict[str, list[float]] = {"join": [], "answer": [], "poll": []}
        self.first_answered = threading.Semaphore(0)
        self.moved = threading.Event()
        self.moved_at = 0.0
        self.seen_next: list[float] = []

    def note(self, kind: str, reply: Reply, ok: bool) -> None:
        with self.lock:
            self.latencies[kind].append(reply.seconds)
            if not ok:
                self.errors.append(f"{kind} {reply.path} {reply.status}")


def answer(phone: Browser, room: Room, reply: Reply, token: str) -> int | None:
    """Answer the question in ``reply`` as htmx does; the question's id if acknowledged."""
    form = reply.page().form("/answer")
    question = form.value("question_id")
    choice = {name: random.choice(values) for name, values in form.choices.items()
              if name in ("value", "option")}
    expect(question and choice, f"no answerable question in {reply.path}")
    saved = phone.submit(form, headers={"HX-Request": "true", "X-CSRFToken": token},
                         csrf_token=form.value("csrf_token") or token, **choice)
    ok = saved.status == 200 and SAVED in saved.body
    room.note("answer", saved, ok)
    if not ok:
        return None
    with room.lock:
        room.acked[int(question)] = room.acked.get(int(question), 0) + 1
    return int(question)


def phone(stack: Stack, room: Room, seconds: float) -> None:
    """One participant: join by code, answer, poll each second, answer the next question."""
    deadline = time.monotonic() + seconds
    browser = stack.browser()
    time.sleep(random.uniform(0, 2))  # the room arrives over a couple of seconds
    page = browser.get("/join")
    room.note("join", page, page.status == 200)
    form = page.page().form("/join")
    token = form.value("csrf_token") or ""
    joined = browser.submit(form, code=room.code)
    room.note("join", joined, joined.status in (302, 303))
    live = browser.get(f"/j/{room.code}")
    room.note("join", live, live.status == 200)
    expect(live.status == 200, f"phone could not join: {live.status}")
    state = STATE.search(live.text).group(1)
    time.sleep(random.uniform(0.5, 3))  # reading the question
    first = answer(browser, room, live, token)
    room.first_answered.release()
    answered = {first}
    for _ in range(int(seconds) + 1):
        if time.monotonic() > deadline:
            break
        started = time.monotonic()
        poll = browser.get(f"/j/{room.code}/live?s={state}", headers={"HX-Request": "true"})
        room.note("poll", poll, poll.status in (200, 204, 286))
        if poll.status == 200 and room.moved.is_set() and b"question_id" in poll.body:
            found = STATE.search(poll.text)
            state = found.group(1) if found else state
            question = poll.page().form("/answer").value("question_id")
            if question and int(question) not in answered:
                with room.lock:
                    room.seen_next.append(time.monotonic() - room.moved_at)
                answered.add(answer(browser, room, poll, token))
                return
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    with room.lock:
        room.errors.append("a phone never saw the second question")


def build_workshop(facilitator: Browser) -> tuple[int, str]:
    """A workshop with two questions, made through the facilitator's pages, then started."""
    page = get_ok(facilitator, "/workshops/new", "new workshop").page()
    made = facilitator.submit(page.form("/workshops/new"),
                              title=f"Stack check {time.strftime('%H:%M:%S')}",
                              date=date.today().isoformat())
    expect(made.status in (302, 303), f"creating the workshop answered {made.status}")
    workshop_id = int(re.search(r"/workshops/(\d+)", made.header("location")).group(1))
    for kind, prompt, options in (
            ("scale", "Networks help schools improve", ""),
            ("single", "Which matters most here?", "Trust\nCapacity\nTime")):
        form = get_ok(facilitator, f"/workshops/{workshop_id}/questions/new",
                      "new question").page().form("/questions/new")
        added = facilitator.submit(form, kind=kind, prompt=prompt, options=options)
        expect(added.status in (302, 303), f"adding a {kind} question answered {added.status}")
    present = get_ok(facilitator, f"/workshops/{workshop_id}/present", "present")
    code = CODE.search(present.text)
    expect(code, "no /j/<code> on the presenter's page")
    control(facilitator, workshop_id, "next")
    return workshop_id, code.group(1)


def control(facilitator: Browser, workshop_id: int, action: str) -> None:
    form = facilitator.get(f"/workshops/{workshop_id}/present").page().form("/control")
    reply = facilitator.submit(form, action=action)
    expect(reply.status in (200, 302, 303), f"control {action} answered {reply.status}")


def check_workshop(stack: Stack, phones: int) -> str:
    facilitator = sign_in(stack, FACILITATOR)
    workshop_id, code = build_workshop(facilitator)
    room = Room(code)
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=phones) as pool:
        futures = [pool.submit(phone, stack, room, 60.0) for _ in range(phones)]
        arrived = sum(room.first_answered.acquire(timeout=40) for _ in range(phones))
        room.moved_at = time.monotonic()
        control(facilitator, workshop_id, "next")
        room.moved.set()
        for future in futures:
            try:
                future.result(timeout=90)
            except (CheckFailed, OSError, AttributeError) as error:
                failures.append(f"{type(error).__name__}: {error}")
    end = facilitator.get(f"/workshops/{workshop_id}").page().form(f"/workshops/{workshop_id}/end")
    facilitator.submit(end)
    stored = stack.query(
        "SELECT r.question_id, count(*), count(DISTINCT r.participant_id)"
        " FROM workshop_responses r JOIN workshop_questions q ON q.id = r.question_id"
        " WHERE q.workshop_id = %s GROUP BY r.question_id", (workshop_id,))
    joined = stack.query("SELECT count(*) FROM workshop_participants WHERE workshop_id = %s",
                         (workshop_id,))[0][0]
    in_db = {question: (rows, distinct) for question, rows, distinct in stored}
    acked = sum(room.acked.values())
    lat = room.latencies
    figures = (f"{phones} phones, {joined} joined, {acked} answers acknowledged, "
               f"{sum(r for r, _ in in_db.values())} stored; answer p50 "
               f"{ms(percentile(lat['answer'], .5))} max {ms(max(lat['answer'], default=0))}, "
               f"poll p50 {ms(percentile(lat['poll'], .5))} max {ms(max(lat['poll'], default=0))}"
               f", every phone on the next question within "
               f"{max(room.seen_next, default=0):.1f} s")
    mismatch = [f"question {q}: {n} acknowledged, {in_db.get(q, (0, 0))} stored (rows, phones)"
                for q, n in room.acked.items() if in_db.get(q) != (n, n)]
    expect(arrived == phones, f"only {arrived} of {phones} phones answered the first question")
    expect(not mismatch, "; ".join(mismatch) + f" -- {figures}")
    expect(set(in_db) <= set(room.acked), f"answers stored that nobody acknowledged: {in_db}")
    expect(not failures and not room.errors,
           f"{len(failures) + len(room.errors)} errors, e.g. "
           f"{(failures + room.errors)[:5]} -- {figures}")
    expect(acked == 2 * phones, f"{acked} of {2 * phones} answers acknowledged -- {figures}")
    return figures


# --- PDF synthesis ---------------------------------------------------------------------


def check_pdf(stack: Stack) -> str:
    researcher = sign_in(stack, RESEARCHER)
    dashboard = get_ok(researcher, "/research/", "research dashboard").page()
    started = time.monotonic()
    queued = researcher.submit(dashboard.form("/research/synthesis"))
    expect(queued.status in (302, 303), f"requesting a synthesis answered {queued.status}")
    job = researcher.local(queued.header("location"))
    state = None
    for _ in range(240):
        state = researcher.get(job, headers={"HX-Request": "true"})
        if state.status == 286:  # htmx's "stop polling": done or failed
            break
        expect(state.status == 200, f"{job} answered {state.status}")
        time.sleep(0.5)
    waited = time.monotonic() - started
    expect(state is not None and state.status == 286,
           f"the job was not done after {waited:.0f} s")
    link = re.search(r'href="(/research/synthesis/\d+\.pdf)"', researcher.get(job).text)
    expect(link, f"the finished job page has no PDF link (failed?): {state.text[:300]}")
    pdf = researcher.get(link.group(1))
    expect(pdf.status == 200 and pdf.body.startswith(b"%PDF"),
           f"{link.group(1)}: {pdf.status} {pdf.body[:20]!r}")
    return f"queued, rendered by the worker and fetched in {waited:.1f} s, {len(pdf.body)} bytes"


# --- Idle and slow connections --------------------------------------------------------


def check_idle_connections(stack: Stack, idle: int, slow: int, hold: float) -> str:
    """Connections that send nothing, or a byte a second, must not starve real visitors.

    Held for ``hold`` seconds: shorter than nginx's client_header_timeout (15 s), which
    then closes them."""
    sockets = []
    try:
        for _ in range(idle + slow):
            sock = socket.create_connection((stack.host, stack.port), timeout=5)
            sockets.append(sock)
        slow_ones = sockets[idle:]
        request = f"GET / HTTP/1.1\r\nHost: {stack.host}\r\nX-Slow: ".encode()
        stop = threading.Event()

        def trickle() -> None:
            for i in range(int(hold) + 2):
                if stop.wait(1.0 if i else 0.0):
                    return
                for sock in slow_ones:
                    with contextlib.suppress(OSError):  # counted as closed below
                        sock.send(request[i:i + 1] if i < len(request) else b"x")

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        browser = stack.browser()
        latencies, statuses = [], []
        until = time.monotonic() + hold
        for path in ["/", "/briefings/", "/healthz", "/login"] * 100:
            if time.monotonic() > until:
                break
            reply = browser.get(path)
            latencies.append(reply.seconds)
            statuses.append(reply.status)
            time.sleep(0.05)
        stop.set()
        sender.join(timeout=5)
        still_open = sum(_open(sock) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    figures = (f"{idle} idle + {slow} byte-a-second connections, {len(latencies)} page requests "
               f"meanwhile: p50 {ms(percentile(latencies, .5))} max {ms(max(latencies))}; "
               f"{still_open} of {idle + slow} still open at the end")
    expect(all(s == 200 for s in statuses), f"statuses {sorted(set(statuses))} -- {figures}")
    expect(max(latencies) < 1.0, f"a page took over a second -- {figures}")
    expect(still_open == idle + slow, f"connections closed before {hold:.0f} s -- {figures}")
    return figures


def _open(sock: socket.socket) -> bool:
    """The server has not closed ``sock`` (nothing to read, no end of file)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


# --- Graceful reload ------------------------------------------------------------------


def workers_of(master: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.add(int(stat.parent.name))
    return children


class PageLoad:
    """``clients`` visitors loading pages back to back until stopped.

    A request fails if it is not a 200 or takes longer than ``patience`` seconds (a visitor
    has given up)."""

    def __init__(self, stack: Stack, pages: dict[str, str], clients: int, patience: float):
        self.stack, self.clients, self.patience = stack, clients, patience
        self.paths = [pages["home"], pages["briefing"], pages["finding"], "/healthz",
                      pages["login"]]
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.answered_at = 0.0
        self.threads = [threading.Thread(target=self._load, daemon=True)
                        for _ in range(clients)]
        self.started = 0.0

    def _load(self) -> None:
        browser = self.stack.browser()
        for i in range(100_000):
            if self.stop_event.is_set():
                return
            path = self.paths[i % len(self.paths)]
            started = time.monotonic()
            try:
                status = browser.get(path, timeout=self.patience).status
            except OSError as error:
                status = type(error).__name__
            with self.lock:
                self.latencies.append(time.monotonic() - started)
                if status == 200:
                    self.answered_at = time.monotonic()
                else:
                    self.failures.append(
                        f"{path} {status} after {time.monotonic() - started:.1f} s")

    def start(self) -> None:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()

    def stop(self) -> str:
        """Stop the visitors; the figures of the whole run."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=self.patience + 5)
        elapsed = time.monotonic() - self.started
        slow = sum(1 for t in self.latencies if t > 1.0)
        return (f"{len(self.latencies)} requests from {self.clients} clients "
                f"({len(self.latencies) / elapsed:.0f} req/s), {len(self.failures)} failed; "
                f"p50 {ms(percentile(self.latencies, .5))} "
                f"p99 {ms(percentile(self.latencies, .99))} "
                f"max {ms(max(self.latencies, default=0))}, {slow} over 1 s")


def check_reload(stack: Stack, pages: dict[str, str], clients: int, seconds: float,
                 patience: float) -> str:
    """SIGHUP to gunicorn's master while ``clients`` visitors load pages back to back.

    The load runs until the new workers have answered for a few seconds."""
    master = stack.gunicorn_master()
    before = workers_of(master)
    expect(before, "gunicorn has no workers")
    load = PageLoad(stack, pages, clients, patience)
    load.start()
    time.sleep(2)
    os.kill(master, signal.SIGHUP)
    hup_at = time.monotonic()
    replaced = None
    for _ in range(int(seconds * 10)):
        now = workers_of(master)
        if replaced is None and now and not (now & before) and len(now) >= len(before):
            replaced = time.monotonic() - hup_at
        if replaced is not None and load.answered_at > hup_at + replaced + 3:
            break
        time.sleep(0.1)
    figures = load.stop()
    after = workers_of(master)
    figures += (f"; SIGHUP replaced workers {sorted(before)} by {sorted(after)}"
                + (f" (old ones gone after {replaced:.1f} s)" if replaced is not None else ""))
    expect(replaced is not None, f"the workers were not all replaced in {seconds:.0f} s -- "
           f"{figures}")
    expect(not load.failures, f"{load.failures[:4]} -- {figures}")
    return figures


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # exited, waiting to be reaped


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def check_upgrade(stack: Stack, pages: dict[str, str], clients: int, seconds: float,
                  patience: float) -> str:
    """The new-code upgrade of docs/deployment.md, under load: USR2 starts a new master
    (the code on disk now) beside the old one on the same socket; once its workers are up,
    TERM lets the old master finish its requests and go. No request may fail."""
    old = stack.gunicorn_master()
    before = workers_of(old)
    expect(before, "gunicorn has no workers")
    pid_file = stack.dir / "run" / "gunicorn.pid"
    # While the old master lives, the new one writes its pid beside the old one's; once
    # it sees the old master gone it takes the pid file's name (gunicorn's "promotion").
    new_pid_file = pid_file.with_name(pid_file.name + ".2")
    load = PageLoad(stack, pages, clients, patience)
    load.start()
    time.sleep(2)
    os.kill(old, signal.SIGUSR2)
    usr2_at = time.monotonic()
    new = None
    while time.monotonic() - usr2_at < seconds:
        try:
            pid = int(new_pid_file.read_text())
        except (OSError, ValueError):
            pid = None
        if pid and len(workers_of(pid)) >= len(before):
            new = pid
            break
        time.sleep(0.1)
    if new is None:
        figures = load.stop()
        expect(False, f"no new master with {len(before)} workers {seconds:.0f} s after USR2 "
                      f"-- {figures}")
    ready = time.monotonic() - usr2_at
    time.sleep(2)  # both masters' workers share the socket for a moment
    os.kill(old, signal.SIGTERM)
    term_at = time.monotonic()
    while time.monotonic() - term_at < seconds:
        if _gone(old) and _pid_in(pid_file) == new:
            break
        time.sleep(0.1)
    stopped = time.monotonic() - term_at
    time.sleep(3)  # the new code alone
    figures = load.stop()
    figures += (f"; USR2: new master {new} with {len(workers_of(new))} workers after "
                f"{ready:.1f} s; old master {old} gone and the new one promoted "
                f"{stopped:.1f} s after TERM")
    expect(_gone(old), f"the old master {old} did not stop -- {figures}")
    expect(_pid_in(pid_file) == new and not _gone(new),
           f"the new master was not promoted (gunicorn.pid: {_pid_in(pid_file)}) -- {figures}")
    expect(not load.failures, f"{load.failures[:4]} -- {figures}")
    return figures


# --- Main -----------------------------------------------------------------------------


CHECKS = ("health", "pages", "headers", "static", "gzip", "sign-in", "workshop", "pdf",
          "idle", "reload", "upgrade")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-dir", type=Path,
                        default=Path(os.environ.get("STACK_DIR", "/tmp/dialogue-stack")))  # noqa: S108
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--hold", type=float, default=8.0,
                        help="seconds the idle connections are held (under 15)")
    parser.add_argument("--patience", type=float, default=10.0,
                        help="seconds after which a request during the reload has failed")
    parser.add_argument("--only", default=",".join(CHECKS),
                        help=f"comma-separated subset of {','.join(CHECKS)}")
    args = parser.parse_args()
    only = set(args.only.split(","))
    report = Report()
    try:
        stack = Stack(args.stack_dir)
        pages = discover_pages(stack)
    except (CheckFailed, OSError, KeyError) as error:
        print(f"FAIL stack: {error}")
        return 1
    print(f"stack on http://{stack.host}:{stack.port}, pages: {pages}", flush=True)
    plan = [("health", check_health, stack), ("pages", check_pages, stack, pages),
            ("headers", check_security_headers, stack, pages),
            ("static", check_static, stack, pages), ("gzip", check_gzip, stack, pages),
            ("sign-in", check_sign_in, stack),
            ("workshop", check_workshop, stack, args.phones), ("pdf", check_pdf, stack),
            ("idle", check_idle_connections, stack, args.idle, args.slow, args.hold),
            ("reload", check_reload, stack, pages, 8, 60.0, args.patience),
            # A new master imports the app afresh: seconds on a quiet machine, a minute
            # at a load average of 15.
            ("upgrade", check_upgrade, stack, pages, 8, 180.0, args.patience)]
    for name, check, *check_args in plan:
        if name in only:
            report.run(name, check, *check_args)
    if report.failed:
        print(f"stack-check: {len(report.failed)} failed: {', '.join(report.failed)}")
        return 1
    print("stack-check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
