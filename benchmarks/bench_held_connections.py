"""Pages from the server ``make run`` starts while connections are held open.

    .venv/bin/python benchmarks/bench_held_connections.py [--idle 200] [--slow 50]
        [--requests 60] [--runs 3]

Starts ``flask dialogue serve`` (waitress; what ``make run`` runs) on a fresh SQLite
database, then per run: times ``--requests`` page loads with nothing held (the
baseline), opens ``--idle`` silent connections and ``--slow`` that send one byte of a
request a second, and times the same page loads again. Prints p50/p99/max of each and
the held/baseline ratios, then the medians over the runs. gunicorn's sync workers on the
same test answer nothing until their 30 s timeout (tests/load/test_held_connections.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load.harness import (  # noqa: E402
    Browser,
    EmbeddedServer,
    hold_connections,
    prepare_database,
)
from tests.load.test_held_connections import PAGES  # noqa: E402
from tests.servers import percentile  # noqa: E402


def _time_pages(base: str, requests: int) -> list[float]:
    browser, timings = Browser(base), []
    for n in range(requests):
        started = time.perf_counter()
        status, _, _ = browser.request("GET", PAGES[n % len(PAGES)], timeout=60)
        if status >= 500:
            raise SystemExit(f"{PAGES[n % len(PAGES)]} answered {status}")
        timings.append(time.perf_counter() - started)
    return timings


def _figures(timings: list[float]) -> tuple[float, float, float]:
    return (percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000,
            max(timings) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ratios: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-held-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'held.db'}"
        prepare_database(url, users=1, instance=workdir)
        with EmbeddedServer(url, workdir) as server:
            _time_pages(server.base, len(PAGES))  # warm: templates, compiled statements
            for run in range(1, args.runs + 1):
                baseline = _figures(_time_pages(server.base, args.requests))
                stop = threading.Event()
                held = hold_connections(server.port, args.idle, args.slow, stop)
                try:
                    time.sleep(2)
                    loaded = _figures(_time_pages(server.base, args.requests))
                finally:
                    stop.set()
                    for sock in held:
                        sock.close()
                ratios.append((loaded[0] / baseline[0], loaded[1] / baseline[1]))
                print(f"run {run}: nothing held p50/p99/max {baseline[0]:.1f}/"
                      f"{baseline[1]:.1f}/{baseline[2]:.1f} ms; {args.idle} idle + "
                      f"{args.slow} slow held {loaded[0]:.1f}/{loaded[1]:.1f}/"
                      f"{loaded[2]:.1f} ms; ratio p50 {ratios[-1][0]:.2f}x, "
                      f"p99 {ratios[-1][1]:.2f}x")
                time.sleep(1)
    print(f"median over {args.runs} runs: held/nothing-held p50 "
          f"{statistics.median(r[0] for r in ratios):.2f}x, p99 "
          f"{statistics.median(r[1] for r in ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
