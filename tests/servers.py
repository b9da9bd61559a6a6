"""What the load tests, fault tests and benchmarks share: ports, PostgreSQL databases of
their own, waiting for a server, and percentiles.

The benchmarks import this module too (they put the project root on ``sys.path``). It
imports nothing from ``dialogue``: the benchmarks set the environment before the app is
imported.
"""

from __future__ import annotations

import http.client
import socket
import time

import psycopg
from sqlalchemy.engine import make_url


def free_port() -> int:
    """A loopback TCP port nobody is listening on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 20.0, path: str = "/healthz") -> None:
    """Return once ``GET path`` on the loopback ``port`` answers 200; raise after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:.0f} s")


def fresh_postgres_database(url: str, name: str) -> str:
    """A new, empty database ``<database of url>_<name>`` beside the one ``url`` names.

    The named database is only connected to (to create the new one), never changed. The
    URL returned names the psycopg 3 driver, as the app's configuration does.
    """
    base = make_url(url).set(drivername="postgresql+psycopg")
    database = f"{base.database}_{name}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return base.set(database=database).render_as_string(hide_password=False)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by the nearest-rank rule; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
