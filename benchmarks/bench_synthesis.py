"""Research synthesis at scale: the dashboard and the PDF over 10,000 and 100,000
contributions, and a live workshop poll while a PDF renders.

    .venv/bin/python benchmarks/bench_synthesis.py [--sizes 10000 100000] [--rounds 3]

For each size, a fresh SQLite database gets the demo data plus N synthetic
contributions (``flask dialogue demo --contributions N`` does the same). Then:

- the research dashboard with no filters (the broadest), median of ``--rounds``;
- the PDF synthesis as the worker runs it (SQL aggregates and HTML in this process,
  WeasyPrint in a niced, limited child), with the peak memory of each;
- rendering the same final HTML alone with WeasyPrint, and the ratio;
- a facilitator's live-results poll, p50/p99, idle and while a PDF renders.

Targets from the issue: the 100,000-contribution synthesis under 15 s and 500 MiB,
with cost growing far slower than the data.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# dialogue itself is imported inside the functions, once the environment the app reads
# (database, secret, Redis) has been set for this run.


def mib(kib: int) -> float:
    return kib / 1024  # ru_maxrss is in KiB on Linux


def build_app(workdir: Path, size: int):
    from dialogue import create_app
    from dialogue.extensions import db
    from dialogue.schema import create_all

    app = create_app({"CONFIG": "development", "SECRET_KEY": "bench-" * 8,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "INSTANCE_PATH": str(workdir / "instance"), "RATELIMIT_ENABLED": False,
                      "JOB_QUEUE_IMMEDIATE": True, "SERVER_NAME": "localhost"})
    with app.app_context():
        create_all()
        started = time.perf_counter()
        people = demo_people()
        from dialogue.reports.demo import generate_contributions

        generate_contributions(people, size)
        db.session.commit()
        print(f"  generated in {time.perf_counter() - started:.1f} s")
    return app


def demo_people():
    """The demo accounts and the briefings, without the other features' demo content (so
    the benchmark measures only what it generates)."""
    from dialogue.briefings import services as briefings
    from dialogue.demo import DEMO_ACCOUNTS, DemoPeople, _ensure_user
    from dialogue.extensions import db
    from dialogue.localities import Locality, ensure_default_localities

    ensure_default_localities()
    briefings.import_content()
    people = DemoPeople()
    people.localities = {loc.slug: loc for loc in db.session.scalars(db.select(Locality))}
    for email, name, roles, education_role, phase, school_type, slug in DEMO_ACCOUNTS:
        user = _ensure_user(email, name, roles, education_role, phase, school_type,
                            people.localities.get(slug), [])
        people.by_role[roles[0].value if roles else "practitioner"] = user
    db.session.flush()
    return people


def signed_in_client(app, email: str):
    from sqlalchemy import select

    from dialogue.auth.models import User
    from dialogue.extensions import db

    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


def time_dashboard(app, rounds: int) -> float:
    client = signed_in_client(app, "researcher@dialogue.example.org")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get("/research/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def time_synthesis(app) -> dict:
    from dialogue.pdf import StaticOnlyFetcher, render_pdf
    from dialogue.reports import synthesis
    from dialogue.reports.filters import Filters

    with app.test_request_context():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        html = synthesis.build_html(Filters())
        built = time.perf_counter()
        pdf = synthesis.render(html)
        total = time.perf_counter() - started
        parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # The same final HTML, rendered alone in this process.
        alone_started = time.perf_counter()
        render_pdf(html, fetcher=StaticOnlyFetcher(app.static_folder))
        alone = time.perf_counter() - alone_started
        # The worker's path again with the child at normal priority: separates the cost
        # of the pipeline (fork, limits, pickling) from the effect of ``nice`` under load.
        from dialogue.jobs import run_limited

        unniced_started = time.perf_counter()
        run_limited(synthesis._render_in_child, html, app.static_folder, nice=0)
        unniced = (built - started) + time.perf_counter() - unniced_started
    from io import BytesIO

    from pypdf import PdfReader

    return {"total": total, "sql_html": built - started, "render": total - (built - started),
            "alone": alone, "unniced": unniced, "pages": len(PdfReader(BytesIO(pdf)).pages),
            "parent_peak": mib(parent_peak), "parent_growth": mib(parent_peak - before),
            "child_peak": mib(child_peak)}


def poll_latency(app, seconds: float, during_render: bool) -> tuple[float, float, int]:
    """p50 and p99 of the facilitator's live-results poll, optionally while a PDF renders."""
    from sqlalchemy import select

    from dialogue.extensions import db
    from dialogue.workshops.models import Workshop

    with app.app_context():
        owner_email = "facilitator@dialogue.example.org"
        workshop_id = db.session.scalar(select(Workshop.id).order_by(Workshop.id))
    client = signed_in_client(app, owner_email)
    url = f"/workshops/{workshop_id}/present/live"
    stop = threading.Event()
    renderer = None
    if during_render:
        from dialogue.reports import synthesis
        from dialogue.reports.filters import Filters

        # Built first: only the rendering (the long part, in the niced child) overlaps
        # the polls, as it does in the worker, which is a separate process from the web.
        with app.test_request_context():
            html = synthesis.build_html(Filters())

        def render_loop():
            with app.test_request_context():
                while not stop.is_set():
                    synthesis.render(html)

        renderer = threading.Thread(target=render_loop, daemon=True)
        renderer.start()
        time.sleep(1.0)  # let the first render get going
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code < 500, response.status_code
        time.sleep(0.01)
    stop.set()
    if renderer is not None:
        renderer.join()
    times.sort()
    return (statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000,
            len(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll-seconds", type=float, default=8.0)
    args = parser.parse_args()
    print(f"CPU cores: {os.cpu_count()}")
    results = []
    for size in args.sizes:
        print(f"== {size:,} contributions")
        with tempfile.TemporaryDirectory(prefix="dialogue-bench-") as tmp:
            app = build_app(Path(tmp), size)
            dashboard = time_dashboard(app, args.rounds)
            print(f"  dashboard (no filters): {dashboard:.2f} s (median of {args.rounds})")
            s = time_synthesis(app)
            print(f"  PDF synthesis: {s['total']:.2f} s ({s['sql_html']:.2f} s SQL and HTML, "
                  f"{s['render']:.2f} s rendering in the child), {s['pages']} pages")
            print(f"  peak memory: worker {s['parent_peak']:.0f} MiB "
                  f"(+{s['parent_growth']:.0f} MiB during the build), "
                  f"render child {s['child_peak']:.0f} MiB")
            print(f"  same HTML rendered alone: {s['alone']:.2f} s; "
                  f"synthesis/alone ratio {s['total'] / s['alone']:.2f} "
                  f"(with the child at nice 0: {s['unniced']:.2f} s, "
                  f"ratio {s['unniced'] / s['alone']:.2f})")
            load = os.getloadavg()[0]
            print(f"  (load average during the run: {load:.1f} on {os.cpu_count()} cores)")
            if size == args.sizes[-1] and args.poll_seconds > 0:
                idle = poll_latency(app, args.poll_seconds, during_render=False)
                busy = poll_latency(app, args.poll_seconds, during_render=True)
                print(f"  workshop live poll: idle p50 {idle[0]:.1f} ms p99 {idle[1]:.1f} ms "
                      f"({idle[2]} requests); while PDFs render (nice 10) p50 {busy[0]:.1f} ms "
                      f"p99 {busy[1]:.1f} ms ({busy[2]} requests)")
            results.append((size, dashboard, s))
    if len(results) >= 2:
        (small, d1, s1), (large, d2, s2) = results[0], results[-1]
        print(f"== growth for {large / small:.0f}x the data: dashboard {d2 / d1:.1f}x, "
              f"synthesis {s2['total'] / s1['total']:.1f}x")


if __name__ == "__main__":
    main()
