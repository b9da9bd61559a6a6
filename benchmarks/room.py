"""The whole-workshop room (issue 14): a real session, not one "Next" after the room settled.

    .venv/bin/python benchmarks/bench_workshops.py --room [--participants 1000]
        [--questions 10] [--next-every 20] [--arrival 30] [--think 8] [--workers 4]
        [--worker-class sync] [--database-url postgresql://...] [--redis-url redis://...]

One run, on one gunicorn:

1. baseline: as many clients as phones poll ``/healthz`` at the page's interval;
2. the room: the presenter signs in over HTTP, opens the console and presses *Next*
   ("Start with the first question") there, as the console's button does (an htmx POST
   to /workshops/<id>/control); the projector's screen and the console poll as their
   pages do. The phones arrive over ``--arrival`` seconds (the join page, the code
   posted, /j/<code> loaded), each answers 1 to ``--think`` seconds after a question
   appears (with the htmx headers and the page's token), and polls
   /j/<code>/live?s=<v> every interval all the while, swapping in whatever the server
   sends as htmx would (any answer reply included: the page's htmx config swaps 4xx
   too). The presenter presses *Next* every ``--next-every`` seconds through
   ``--questions`` questions of the ready-made workshop (one of every kind first), then
   *End workshop*. A person taps the answer to the question they are looking at: if a
   poll showed the next question first, they answer that one instead; if not, the
   answer to the closed question is sent and refused.

Phones are spread over loopback source addresses, 250 per address, as a room is spread
over school networks (the joins per address limit is 400 a minute); the joins per
workshop limit is raised to the room's size, as a deployment expecting such a room would.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import bench_workshops as bench
from bench_workshops import Stats, healthz_phone, request, take_cookies

from tests.servers import percentile

PAGE_TOKEN = re.compile(rb'"X-CSRFToken": "([^"]+)"')
FORM_TOKEN = bench.CSRF
STATE = bench.STATE
QUESTION_ID = bench.QUESTION_ID
SCALE = bench.SCALE_VALUE
OPTION = re.compile(rb'name="option" type="(?:radio|checkbox)" value="(\d+)"')
MAX_CHOICES = re.compile(rb'data-max-choices="(\d+)"')
RANKING = re.compile(rb'name="ranking" value="(\d+)"')
CONSOLE_LIVE = re.compile(rb'hx-get="(/workshops/\d+/console/live\?[^"]+)"')
SCREEN_LIVE = re.compile(rb'hx-get="(/workshops/\d+/present/live\?[^"]+)"')
PER_ADDRESS = 250
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a throwaway database


# --- The workshop -------------------------------------------------------------------------


def build(workdir: Path, count: int) -> tuple:
    """A facilitator and a draft workshop of ``count`` ready-made questions (one of every
    kind first, then in the template's order); returns (app, workshop id, code, the
    questions' ids in order, their kinds)."""
    import datetime as dt

    from dialogue.auth.models import User
    from dialogue.extensions import db
    from dialogue.workshops import services
    from dialogue.workshops.template import TEMPLATE

    items = [(section, item) for section, group in TEMPLATE["sections"] for item in group]
    first_of_kind = {}
    for position, (_, item) in enumerate(items):
        first_of_kind.setdefault(item["kind"], position)
    order = sorted(first_of_kind.values()) + [
        i for i in range(len(items)) if i not in first_of_kind.values()]
    chosen = sorted(order[:count]) + [i % len(items) for i in range(len(items), count)]
    app, user_id = bench.facilitator_app(workdir, PASSWORD)
    with app.app_context():
        user = db.session.get(User, user_id)
        workshop = services.create_workshop(user, title=TEMPLATE["title"],
                                            date=dt.date.today(), locality_id=None,
                                            briefing_slugs=TEMPLATE["briefing_slugs"])
        questions = [services.add_question(workshop, user, section=items[i][0], **items[i][1])
                     for i in chosen]
        db.session.commit()
        return (app, workshop.id, workshop.code, [q.id for q in questions],
                [str(q.kind) for q in questions])


def stored(app) -> dict[int, int]:
    """Rows stored per question; and every (question, participant) at most once."""
    from dialogue.extensions import db
    from dialogue.workshops.models import Response

    with app.app_context():
        rows = db.session.execute(db.select(Response.question_id, Response.participant_id))
        pairs = [tuple(row) for row in rows]
    assert len(pairs) == len(set(pairs)), "a participant's answer stored twice"
    counts: dict[int, int] = {}
    for question_id, _ in pairs:
        counts[question_id] = counts.get(question_id, 0) + 1
    return counts


# --- The people ---------------------------------------------------------------------------


@dataclass
class Press:
    sent: float
    done: float = float("nan")


@dataclass
class Room:
    port: int
    code: str
    workshop_id: int
    question_ids: list[int]
    interval: float
    think: float
    stats: Stats = field(default_factory=Stats)
    opened: dict[int, Press] = field(default_factory=dict)  # question id -> its Next
    closed: dict[int, Press] = field(default_factory=dict)  # question id -> Next or End
    acknowledged: dict[int, int] = field(default_factory=dict)
    refused_late: dict[str, int] = field(default_factory=dict)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    still_waiting: int = 0  # phones not shown the end when the run stopped waiting
    length: float = 0.0  # the workshop as planned (s)
    server_cpu: float = 0.0  # gunicorn's CPU seconds during the room
    base_cost: float = 0.0  # gunicorn's CPU seconds per /healthz in the baseline

    async def call(self, kind: str, method: str, path: str, *, ok=(200,), kinds=None,
                   timeout: float = 30.0, **kwargs):
        """A timed request; ``kinds`` names the kind by status (a poll that brings a new
        question is a new-question fetch). A phone gives up after ``timeout`` seconds
        (counted as TimeoutError), so an overloaded run still ends."""
        started = time.perf_counter()
        try:
            reply = await asyncio.wait_for(request(self.port, method, path, **kwargs), timeout)
        except OSError as error:  # TimeoutError included
            self.stats.add(kind, time.perf_counter() - started, False, type(error).__name__)
            return None
        kind = (kinds or {}).get(reply.status, kind)
        self.stats.add(kind, time.perf_counter() - started, reply.status in ok, reply.status)
        return reply


class Phone:
    def __init__(self, room: Room, index: int):
        self.room = room
        self.source = f"127.0.{1 + index // PER_ADDRESS // 250}.{1 + index // PER_ADDRESS % 250}"
        self.jar: dict[str, str] = {}
        self.token = ""
        self.state = "0"
        self.shown: int | None = None  # the question on the screen (None: none, or results)
        self.seen: dict[int, float] = {}  # question id -> when it first appeared
        self.page_at: float | None = None
        self.tasks: list[asyncio.Task] = []

    async def take_part(self, arrive_at: float) -> None:
        room, code = self.room, self.room.code
        await asyncio.sleep(max(0.0, arrive_at - time.perf_counter()))
        page = await room.call("join", "GET", "/join", source=self.source)
        if page is None or page.status != 200:
            return
        take_cookies(page, self.jar)
        token = FORM_TOKEN.search(page.body).group(1).decode()
        joined = await room.call("join", "POST", "/join", ok=(302,), cookies=self.jar,
                                 form={"csrf_token": token, "code": code}, source=self.source)
        if joined is None or joined.status != 302:
            return
        take_cookies(joined, self.jar)
        page = await room.call("page load", "GET", f"/j/{code}", cookies=self.jar,
                               source=self.source)
        if page is None or page.status != 200:
            return
        self.page_at = time.perf_counter()
        self.token = PAGE_TOKEN.search(page.body).group(1).decode()
        self.show(page.body)
        polls = {200: "new-question fetch", 286: "poll (ended)"}
        while True:  # until the workshop ends (286), or the run stops waiting
            started = time.perf_counter()
            reply = await room.call("poll", "GET", f"/j/{code}/live?s={self.state}",
                                    ok=(200, 204, 286), kinds=polls, cookies=self.jar,
                                    headers={"HX-Request": "true"}, source=self.source)
            if reply is not None and reply.status in (200, 286):
                self.show(reply.body)
                if reply.status == 286:  # htmx stops polling
                    break
            await asyncio.sleep(max(0.0, room.interval - (time.perf_counter() - started)))

    def show(self, body: bytes) -> None:
        """Swap in a fragment, as htmx does; a new question starts the person reading."""
        found = STATE.search(body)
        if found:
            self.state = found.group(1).decode()
        question = QUESTION_ID.search(body)
        shown = int(question.group(1)) if question else None
        if shown == self.shown:
            return
        self.shown = shown
        if shown is not None and shown not in self.seen:
            self.seen[shown] = time.perf_counter()
            self.tasks.append(asyncio.create_task(
                self.answer(shown, body, random.uniform(1.0, self.room.think))))

    async def answer(self, question_id: int, body: bytes, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.shown != question_id:
            return  # the page moved on before the person tapped: they answer the new one
        room = self.room
        form: dict[str, object] = {"question_id": str(question_id)}
        token = FORM_TOKEN.search(body)
        if token:  # a personal form carries its token; the room's shared one does not
            form["csrf_token"] = token.group(1).decode()
        if scale := SCALE.findall(body):
            form["value"] = random.choice(scale).decode()
        elif ranking := RANKING.findall(body):
            form["ranking"] = random.sample(ranking, len(ranking))
        elif options := OPTION.findall(body):
            limit = MAX_CHOICES.search(body)
            most = int(limit.group(1)) if limit else 1
            form["option"] = random.sample(options, random.randint(1, min(most, len(options))))
        else:
            form["text"] = f"Benchmark answer from a phone, {random.randint(1, 10 ** 6)}"
        sent = time.perf_counter()
        reply = await room.call("answer", "POST", f"/j/{room.code}/answer", cookies=self.jar,
                                form=form, source=self.source,
                                headers={"HX-Request": "true", "X-CSRFToken": self.token})
        if reply is None:
            return
        if reply.status == 200 and b"has been saved" in reply.body:
            room.acknowledged[question_id] = room.acknowledged.get(question_id, 0) + 1
        elif reply.status == 409:
            close = room.closed.get(question_id)
            when = ("sent while open" if close is None or sent < close.sent else
                    "sent during Next" if sent < close.done else "sent after close")
            room.refused_late[when] = room.refused_late.get(when, 0) + 1
        self.show(reply.body)


class Presenter:
    """The facilitator's laptop: the console (its buttons and its poll) and the screen."""

    def __init__(self, room: Room):
        self.room = room
        self.jar: dict[str, str] = {}
        self.token = ""
        self.console_live = ""
        self.screen_live = ""

    async def sign_in(self) -> None:
        room = self.room
        page = await room.call("presenter", "GET", "/login")
        take_cookies(page, self.jar)
        token = FORM_TOKEN.search(page.body).group(1).decode()
        reply = await room.call("presenter", "POST", "/login", ok=(302,), cookies=self.jar,
                                form={"csrf_token": token, "email": "bench@dialogue.example.org",
                                      "password": PASSWORD})
        assert reply.status == 302, f"sign-in failed: {reply.status}"
        take_cookies(reply, self.jar)
        console = await room.call("presenter", "GET", f"/workshops/{room.workshop_id}/console",
                                  cookies=self.jar)
        take_cookies(console, self.jar)
        self.token = FORM_TOKEN.search(console.body).group(1).decode()
        screen = await room.call("presenter", "GET", f"/workshops/{room.workshop_id}/present",
                                 cookies=self.jar)
        self.follow(console.body + screen.body)

    def follow(self, body: bytes) -> None:
        if found := CONSOLE_LIVE.search(body):
            self.console_live = html.unescape(found.group(1).decode())
        if found := SCREEN_LIVE.search(body):
            self.screen_live = html.unescape(found.group(1).decode())

    async def press(self, action: str) -> Press:
        """A console button: an htmx POST answered with the console's region."""
        room = self.room
        press = Press(time.perf_counter())
        if action == "end":
            reply = await room.call("presenter: End", "POST",
                                    f"/workshops/{room.workshop_id}/end", ok=(302,),
                                    cookies=self.jar, form={"csrf_token": self.token},
                                    timeout=300)
        else:
            reply = await room.call("presenter: Next", "POST",
                                    f"/workshops/{room.workshop_id}/control", cookies=self.jar,
                                    form={"csrf_token": self.token, "action": action,
                                          "view": "console"}, headers={"HX-Request": "true"},
                                    timeout=300)
        press.done = time.perf_counter()
        assert reply is not None and reply.status in (200, 302), f"{action}: {reply}"
        self.follow(reply.body)
        return press

    async def run(self, first_for: float, every: float) -> None:
        room = self.room
        for position, question_id in enumerate(room.question_ids):
            press = await self.press("next")
            room.opened[question_id] = press
            if position:
                room.closed[room.question_ids[position - 1]] = press
            await asyncio.sleep(max(0.0, press.sent + (first_for if position == 0 else every)
                                    - time.perf_counter()))
        room.closed[room.question_ids[-1]] = await self.press("end")
        room.ended.set()

    async def poll(self, which: str) -> None:
        """The console's or the screen's own poll (every second, 204 while unchanged)."""
        room = self.room
        while not room.ended.is_set():
            started = time.perf_counter()
            url = self.console_live if which == "console" else self.screen_live
            reply = await room.call(f"presenter: {which} poll", "GET", url, ok=(200, 204, 286),
                                    cookies=self.jar, headers={"HX-Request": "true"})
            if reply is not None and reply.status == 200:
                self.follow(reply.body)
            await asyncio.sleep(max(0.0, room.interval - (time.perf_counter() - started)))


# --- A run --------------------------------------------------------------------------------


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:7.0f}" if values else "      -"


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's master and workers: a cost that the machine's
    other load hardly moves, unlike latencies."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return float("nan")
    total = 0
    for each in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


async def run(args, port: int, pid: int, app, workshop_id: int, code: str,
              question_ids: list[int], kinds: list[str]) -> None:
    n = args.participants
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    base = Stats()
    started, cpu_base = time.perf_counter(), server_cpu(pid)
    await asyncio.gather(*(healthz_phone(port, base, args.interval, started + args.seconds)
                           for _ in range(n)))
    base_rate = len(base.latencies.get("healthz", [])) / (time.perf_counter() - started)
    base_failed = sum(base.errors.values())
    base_cost = (server_cpu(pid) - cpu_base) / max(1, base.requests - base_failed)

    room = Room(port, code, workshop_id, question_ids, args.interval, args.think)
    presenter = Presenter(room)
    await presenter.sign_in()
    phones = [Phone(room, i) for i in range(n)]
    cpu, started, cpu_room = time.process_time(), time.perf_counter(), server_cpu(pid)
    first_for = max(args.arrival, args.next_every)
    length = first_for + args.next_every * (len(question_ids) - 1)
    pollers = [asyncio.create_task(presenter.poll(which)) for which in ("console", "screen")]
    taking_part = [asyncio.create_task(phone.take_part(started + random.uniform(0, args.arrival)))
                   for phone in phones]
    await presenter.run(first_for, args.next_every)
    # Every phone should see the end on its next poll; wait one question's time, no more.
    _, waiting = await asyncio.wait(taking_part, timeout=max(args.next_every, 10))
    for task in waiting:
        task.cancel()
    await asyncio.gather(*pollers, *waiting, return_exceptions=True)
    room.still_waiting = len(waiting)
    room.length = length
    answers = [task for phone in phones for task in phone.tasks]
    for task in answers:
        task.cancel()  # a person still reading when the workshop ended never taps
    await asyncio.gather(*answers, return_exceptions=True)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    room.server_cpu = server_cpu(pid) - cpu_room
    room.base_cost = base_cost
    rows = await asyncio.to_thread(stored, app)
    report(args, room, phones, base, base_rate, base_failed, seconds, cpu, rows,
           question_ids, kinds, load_before)


def report(args, room: Room, phones: list[Phone], base: Stats, base_rate: float,
           base_failed: int, seconds: float, cpu: float, rows: dict[int, int],
           question_ids: list[int], kinds: list[str], load_before: list[str]) -> None:
    stats = room.stats
    joined = [p for p in phones if p.page_at is not None]
    follow, missed_pairs, missed_phones = [], 0, set()
    for position, question_id in enumerate(question_ids):
        opened, closed = room.opened[question_id], room.closed[question_id]
        for phone in joined:
            if phone.page_at >= closed.sent:
                continue  # arrived after this question had gone
            if question_id not in phone.seen:
                missed_pairs += 1
                missed_phones.add(id(phone))
            elif position and phone.page_at < opened.sent:
                follow.append(phone.seen[question_id] - opened.sent)
    served = stats.requests - sum(stats.errors.values())
    room_rate = served / seconds
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nroom: {args.participants} phones, {len(question_ids)} questions "
          f"({', '.join(dict.fromkeys(kinds))}), Next every {args.next_every:g} s, "
          f"arriving over {args.arrival:g} s, answering 1-{args.think:g} s, poll every "
          f"{args.interval:g} s; {args.workers} gunicorn {args.worker_class} workers; "
          f"{database}{' + Redis' if args.redis_url else ''}")
    print(f"  load average before the run  {' '.join(load_before)} "
          f"(after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}) "
          f"on {os.cpu_count()} CPUs")
    print(f"  joined                       {len(joined)} of {len(phones)}; workshop planned "
          f"{room.length:.0f} s, took {seconds:.0f} s; phones not shown the end "
          f"{room.still_waiting}")
    print(f"  {'request kind':<28}{'count':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}  failed")
    order = ["join", "page load", "poll", "new-question fetch", "answer", "poll (ended)",
             "presenter: Next", "presenter: End", "presenter: console poll",
             "presenter: screen poll", "presenter"]
    for kind in order:
        values = stats.latencies.get(kind, [])
        failed = {k: v for k, v in stats.errors.items() if k.rsplit(" ", 1)[0] == kind}
        print(f"  {kind:<28}{len(values):>8}{ms(values, .5)}{ms(values, .99)}"
              f"{ms(values, 1.0)}  {failed or ''}")
    print(f"  follow: Next -> phone shows the new question, {len(follow)} phone-questions: "
          f"p50 {percentile(follow, .5):.2f} s  p99 {percentile(follow, .99):.2f} s  "
          f"max {max(follow, default=float('nan')):.2f} s")
    print(f"  phones that missed a whole question  {len(missed_phones)} "
          f"({missed_pairs} phone-questions)")
    late = room.refused_late
    print(f"  answers refused as late (409)  sent while open {late.get('sent while open', 0)}, "
          f"during Next {late.get('sent during Next', 0)}, "
          f"after close {late.get('sent after close', 0)}")
    acked, total = room.acknowledged, sum(rows.values())
    gave_up = stats.errors.get("answer TimeoutError", 0)
    if all(acked.get(q, 0) == rows.get(q, 0) for q in question_ids):
        verdict = "EQUAL"
    elif (all(acked.get(q, 0) <= rows.get(q, 0) for q in question_ids)
          and total - sum(acked.values()) <= gave_up):
        verdict = (f"every acknowledged answer stored; {total - sum(acked.values())} more "
                   f"stored whose phone had given up waiting ({gave_up} gave up)")
    else:
        verdict = "MISMATCH"
    print(f"  answers acknowledged {sum(acked.values())}, rows stored {total} (each "
          f"question and phone at most once): {verdict}")
    print(f"  statuses                     {dict(sorted(stats.statuses.items()))}")
    print(f"  load generator's own CPU     {cpu:.0f} s in {seconds:.0f} s "
          f"({cpu / seconds:.0%} of one core)")
    health = base.latencies.get("healthz", [])
    print(f"  baseline /healthz            {base_rate:.0f} requests/s, p50 {ms(health, .5)} ms, "
          f"p99 {ms(health, .99)} ms, failed {base_failed}")
    print(f"  room served / baseline       {room_rate:.0f} / {base_rate:.0f} requests/s = "
          f"{room_rate / base_rate:.2f} (the room sends more than one request a phone a "
          "second: joins and answers on top of the polls)")
    polls = stats.latencies.get("poll", [])
    print(f"  poll p99 / /healthz p99      {percentile(polls, .99) / percentile(health, .99):.2f}")
    cost = room.server_cpu / max(1, served)
    print(f"  gunicorn CPU                 {room.server_cpu:.0f} s in the room "
          f"({room.server_cpu / seconds:.0%} of one core): {cost * 1000:.2f} ms a served "
          f"request, /healthz {room.base_cost * 1000:.2f} ms ({cost / room.base_cost:.2f}x; "
          "PostgreSQL's and Redis's own CPU not included)")


def main(args) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = bench.prepare(workdir, args.database_url, args.redis_url)
        app, workshop_id, code, question_ids, kinds = build(workdir, args.questions)
        # A room this size needs the per-workshop joins limit raised (1,000 a minute).
        joins = {"JOINS_PER_WORKSHOP_RATE_LIMIT": f"{max(1000, 2 * args.participants)} per minute"}
        with bench.gunicorn(env, workdir, args.workers, args.worker_class, args.threads,
                            target=f"dialogue:create_app({joins!r})") as (port, pid):
            asyncio.run(run(args, port, pid, app, workshop_id, code, question_ids, kinds))
        text = (workdir / "gunicorn.log").read_text(errors="replace")
        if "Traceback" in text:  # a 500 is a finding: show the last one
            print("  the server's last traceback:\n" + text[text.rindex("Traceback"):][:3000])
