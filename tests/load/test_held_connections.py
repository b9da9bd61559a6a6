"""The server ``make run`` starts keeps answering while connections are held open.

A browser keeps idle connections open, and an attacker can hold many (slow-loris). With
gunicorn's sync workers and no proxy, two idle connections stopped two workers: the next
page waited 30 s and one visitor got gunicorn's raw error page. These tests hold 200 idle
connections and 50 that send a byte a second against ``flask dialogue serve`` (what
``make run`` runs) and ask for pages meanwhile. The bound is a stall detector, not a
speed figure: a held server answers after its 30 s timeout or never; the figures are
measured by ``benchmarks/bench_held_connections.py``.
"""

from __future__ import annotations

import socket
import threading
import time

from tests.load.harness import (
    REAL_SERVER_MARKS,
    Browser,
    EmbeddedServer,
    hold_connections,
    prepare_database,
)

pytestmark = REAL_SERVER_MARKS

IDLE, SLOW = 200, 50
STALLED_AFTER = 10.0  # seconds: far below the 30 s a held worker waits
PAGES = ["/healthz", "/", "/briefings/", "/localities/", "/workshops/join"]


def test_pages_answer_while_idle_and_slow_connections_are_held(tmp_path):
    url = f"sqlite:///{tmp_path / 'held.db'}"
    prepare_database(url, users=1, instance=tmp_path)
    stop = threading.Event()
    with EmbeddedServer(url, tmp_path) as server:
        held = hold_connections(server.port, IDLE, SLOW, stop)
        try:
            time.sleep(2)  # every slow client has started its request
            browser = Browser(server.base)
            answered = []
            for path in PAGES * 2:
                started = time.monotonic()
                status, _, _ = browser.request("GET", path, timeout=STALLED_AFTER)
                answered.append((path, status, time.monotonic() - started))
        finally:
            stop.set()
            for sock in held:
                sock.close()
    assert all(status < 500 for _, status, _ in answered), answered
    assert len(answered) == len(PAGES) * 2
    assert "Traceback" not in server.log()


def test_a_request_over_the_body_limit_is_refused_before_it_is_read(tmp_path):
    url = f"sqlite:///{tmp_path / 'limit.db'}"
    prepare_database(url, users=1, instance=tmp_path)
    with (EmbeddedServer(url, tmp_path) as server,
          socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock):
        sock.sendall(b"POST /password/forgot HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 52428800\r\n\r\n")
        reply = sock.recv(4096).decode("latin-1")
    assert reply.split(" ", 2)[1] == "413", reply[:200]
