"""What a page of a long forum thread costs to render, in process.

    .venv/bin/python benchmarks/bench_threads.py [--replies 500] [--requests 15]

Builds a thread of ``--replies`` visible posts (markdown with a link, a quote, a list
and a finding card; every seventh one edited) in a fresh SQLite database, signs a
practitioner in with the test client, warms the page once, then times ``--requests``
requests for its first page of 50 posts and prints the median, minimum and maximum.
The number of SQL queries, which must not grow with the replies, is a test
(tests/forums/test_thread_performance.py); this script reports the time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dialogue import create_app  # noqa: E402  (after the path is set)
from dialogue.config import TestConfig  # noqa: E402
from dialogue.extensions import db  # noqa: E402
from dialogue.schema import create_all  # noqa: E402
from tests.factories import Factory  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=500)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-threads-") as tmp:
        app = create_app({"CONFIG": TestConfig, "INSTANCE_PATH": f"{tmp}/instance",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db"})
        with app.app_context():
            create_all()
            factory = Factory()
            factory.finding("perf-finding", "A finding for the cards", figure="42%")
            thread = factory.thread_with_replies(factory.locality(), args.replies, "timed")
            viewer = factory.user()
            url, user_id = f"/threads/{thread.id}", viewer.get_id()
            db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
        assert client.get(url).status_code == 200  # warm: templates, compiled statements
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            timings.append(time.perf_counter() - started)
    print(f"{args.replies}-reply thread, first page of 50 posts: median "
          f"{statistics.median(timings) * 1000:.1f} ms (min {min(timings) * 1000:.1f}, "
          f"max {max(timings) * 1000:.1f}) over {args.requests} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
