"""Briefing page throughput against /healthz, from one gunicorn server in one run, and
the time to build the PDF of the longest briefing.

    .venv/bin/python benchmarks/bench_briefings.py [--seconds 5] [--rounds 3]

Starts gunicorn (2 sync workers) on a free loopback port against a temporary SQLite
database with the content imported, then alternates /healthz and a briefing page
(wrk when installed, else a small threaded load generator) and prints the ratio of
the medians. The issue asks for >= 0.8; the PDF for < 3 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# dialogue itself is imported inside the functions, once the environment the app reads
# (database, secret, Redis) has been set for this run.

from tests.servers import free_port, wait_until_up  # noqa: E402


def prepare(workdir: Path) -> dict:
    """Create the database, import the content; return the server's environment."""
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", SECRET_KEY="bench-" * 8,
               DIALOGUE_ENV="production", SESSION_COOKIE_SECURE="0",
               RATELIMIT_ENABLED="0", PUBLIC_URL="http://127.0.0.1")
    env.pop("REDIS_URL", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DIALOGUE_ENV",
                                         "PUBLIC_URL")})
    from dialogue import create_app
    from dialogue.briefings import services
    from dialogue.extensions import db
    from dialogue.schema import create_all

    app = create_app({"INSTANCE_PATH": str(workdir / "instance")})
    with app.app_context():
        create_all()
        services.import_content()
        db.session.commit()
    return env


def run_wrk(url: str, seconds: int) -> tuple[float, int]:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"errors while loading {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), requests


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master's workers (Linux /proc).

    On a shared machine requests/s moves with everything else that runs; the CPU the
    workers spend per request does not, so the script reports both.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_threads(port: int, path: str, seconds: int, threads: int = 8) -> tuple[float, int]:
    """A bounded keep-alive load generator for machines without wrk."""
    count = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            count[i] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(count) / (time.monotonic() - started), sum(count)


def time_pdf(workdir: Path, runs: int = 3) -> tuple[str, int, list[float]]:
    from sqlalchemy import func, select

    from dialogue import create_app
    from dialogue.briefings import services
    from dialogue.briefings.models import Briefing
    from dialogue.extensions import db

    app = create_app({"INSTANCE_PATH": str(workdir / "instance")})
    with app.app_context(), app.test_request_context():
        longest = db.session.scalar(
            select(Briefing).order_by(func.length(Briefing.body_html).desc()).limit(1))
        times = []
        size = 0
        for _ in range(runs):
            started = time.perf_counter()
            size = len(services.build_briefing_pdf(longest))
            times.append(time.perf_counter() - started)
        return longest.slug, size, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", default="/briefings/markets")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-briefings-"))
    server = None
    try:
        env = prepare(workdir)
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2",
             "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level",
             "warning", "wsgi:app"], cwd=ROOT, env=env)
        wait_until_up(port)
        use_wrk = shutil.which("wrk") is not None
        tool = "wrk -t2 -c16" if use_wrk else "threaded Python client (8 connections)"

        def measure(path: str) -> tuple[float, float]:
            """Requests/s, and worker CPU milliseconds per request."""
            cpu = server_cpu_seconds(server.pid)
            if use_wrk:
                rate, count = run_wrk(f"http://127.0.0.1:{port}{path}", args.seconds)
            else:
                rate, count = run_threads(port, path, args.seconds)
            return rate, (server_cpu_seconds(server.pid) - cpu) * 1000 / max(count, 1)

        measure("/healthz"), measure(args.page)  # warm-up: imports, caches, connections
        health, page = [], []
        for _ in range(args.rounds):  # interleaved, so both see the same machine
            health.append(measure("/healthz"))
            page.append(measure(args.page))
        h = statistics.median(r for r, _ in health)
        p = statistics.median(r for r, _ in page)
        h_cpu = statistics.median(c for _, c in health)
        p_cpu = statistics.median(c for _, c in page)
        print(f"load generator: {tool}, {args.seconds}s x {args.rounds} rounds, "
              f"gunicorn 2 sync workers, SQLite, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        for label, rounds, rate, cpu in (("/healthz", health, h, h_cpu),
                                         (args.page, page, p, p_cpu)):
            listed = ", ".join(f"{r:.0f}" for r, _ in rounds)
            print(f"{label:<20}{rate:8.0f} req/s (rounds: {listed}); "
                  f"{cpu:.2f} ms worker CPU per request")
        print(f"ratio briefing/healthz, requests/s: {p / h:.2f}  (target >= 0.80)")
        print(f"ratio briefing/healthz, by worker CPU per request: {h_cpu / p_cpu:.2f}")
        server.terminate()
        server.wait(10)
        server = None
        slug, size, times = time_pdf(workdir)
        print(f"PDF of the longest briefing ({slug}, {size / 1024:.0f} KiB): median "
              f"{statistics.median(times):.2f} s of {len(times)} "
              f"({', '.join(f'{t:.2f}' for t in times)}; target < 3 s)")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
