"""The browser harness: the app on loopback, Debian's Chromium through Playwright.

One server process and one browser per pytest worker (so ``pytest -n 2`` works and stays
fast); a new browser context per page the test opens. Every context is guarded:

- any request that is not to the live server's origin is aborted and fails the test
  (the site must never reach a CDN or the network);
- a JavaScript ``dialog`` (alert/confirm/prompt) fails the test unless the test said it
  expects one (``browse.expect_dialog()``);
- uncaught page errors, Content-Security-Policy violations and 5xx responses fail it;
- a traceback in the server's log while the test ran fails it.

The server sends its mail by SMTP to a real server on loopback (aiosmtpd), started
first: ``live_server.mail.to(address)`` is what reached it, as parsed messages.

Chromium missing: the tests are skipped with the reason, unless ``REQUIRE_BROWSER=1``
(CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright

from tests.e2e import axe
from tests.e2e.helpers import PROJECT_ROOT, artifacts_root
from tests.servers import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# About an iPhone 13/14: the size most participants will join a workshop on.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
SERVER_START_TIMEOUT = 90
EMPTY_STYLE_HASH = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # sha256 of ""


def _browser_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = (f"Chromium is not installed at {CHROMIUM}: `apt-get install -y chromium` "
              "(.ci/run does this) or set CHROMIUM_PATH")
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# -- the live server -------------------------------------------------------------------


class MailCatcher:
    """An SMTP server's handler that keeps every message it is given (never refuses)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages to ``address`` so far, oldest first."""
        with self.lock:
            return [m for m in self.received if m["To"] == address]


@pytest.fixture(scope="session")
def mail_catcher():
    """The loopback SMTP server the live server sends to, one per worker."""
    catcher = MailCatcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    catcher.port = controller.port
    yield catcher
    controller.stop()


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    mail: MailCatcher

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def reset_rate_limits(self) -> None:
        request = urllib.request.Request(f"{self.url}/__e2e__/reset-rate-limits", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204

    def outbox(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/__e2e__/outbox", timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mail_catcher) -> LiveServer:
    """Dialogue served on a free loopback port from its own process and SQLite file."""
    _browser_or_skip()
    root = tmp_path_factory.mktemp("live-server")
    log_path = root / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DIALOGUE_ENV": "testing",
           "E2E_SMTP_PORT": str(mail_catcher.port)}
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER"):
        env.pop(name, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.serve", "--root", str(root)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    ready = root / "ready"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail("The live server did not start:\n" + log_path.read_text()[-4000:],
                        pytrace=False)
        time.sleep(0.05)
    server = LiveServer(url=ready.read_text().strip(), process=process, log_path=log_path,
                        mail=mail_catcher)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(live_server):
    """One headless Chromium per worker; each test gets fresh contexts from it."""
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class Guard:
    """What went wrong in the browser during one test."""

    origin: str
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    expected_dialogs: int = 0
    log_offset: int = 0

    def problems(self) -> list[str]:
        found = []
        for title, items in (
            ("requests outside the live server (aborted)", self.outside_requests),
            ("unexpected JavaScript dialogs", self.dialogs),
            ("uncaught page errors", self.page_errors),
            ("Content-Security-Policy violations", self.csp_violations),
            ("5xx responses", self.server_errors),
        ):
            if items:
                found.append(f"{title}:\n  " + "\n  ".join(items))
        return found


class Browse:
    """Opens guarded pages: ``page = browse()``, ``browse(phone=True)``,
    ``browse(javascript=False)``. Each call is a separate person (its own context)."""

    def __init__(self, browser, server: LiveServer, guard: Guard, test_name: str):
        self.browser = browser
        self.server = server
        self.guard = guard
        self.test_name = test_name
        self.contexts = []
        self.javascript: dict[int, bool] = {}

    @property
    def url(self) -> str:
        return self.server.url

    def __call__(self, *, phone: bool = False, javascript: bool = True):
        options = dict(PHONE if phone else DESKTOP)
        context = self.browser.new_context(
            base_url=self.server.url, java_script_enabled=javascript, locale="en-GB",
            timezone_id="Europe/London", reduced_motion="reduce", **options,
        )
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        context.route("**/*", self._route)
        context.on("response", self._response)
        page = context.new_page()
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.guard.page_errors.append(str(error)))
        page.on("console", self._console)
        self.contexts.append(context)
        self.javascript[id(page)] = javascript
        return page

    def expect_dialog(self, count: int = 1) -> None:
        """The next ``count`` dialogs are expected (e.g. a confirm button) and accepted."""
        self.guard.expected_dialogs += count

    def _route(self, route) -> None:
        url = route.request.url
        if url == self.server.url or url.startswith(self.server.url + "/"):
            route.continue_()
        else:
            self.guard.outside_requests.append(url)
            route.abort("blockedbyclient")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.guard.server_errors.append(f"{response.status} {response.request.method} "
                                            f"{response.url}")

    def _dialog(self, dialog) -> None:
        if self.guard.expected_dialogs > 0:
            self.guard.expected_dialogs -= 1
            dialog.accept()
        else:
            self.guard.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            if EMPTY_STYLE_HASH in message.text:
                # An empty style="" (left by the test tools on some elements and copied
                # by htmx's attribute settling) changes nothing when blocked. Any real
                # inline style has another hash and still fails the test.
                return
            where = message.location or {}
            self.guard.csp_violations.append(
                f"{message.text.split('. Either')[0]} at {where.get('url')}:"
                f"{where.get('lineNumber')} (page {message.page.url if message.page else '?'}, "
                f"{message.page.viewport_size if message.page else ''})")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browse(browser, live_server, request):
    """A factory of guarded pages for this test; the guard is checked after the test."""
    live_server.reset_rate_limits()
    guard = Guard(origin=live_server.url)
    guard.log_offset = live_server.log_size()
    pages = Browse(browser, live_server, guard, request.node.name)
    request.node._e2e_guard = (guard, live_server)
    yield pages
    pages.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when the browser guard caught something."""
    result = yield
    guarded = getattr(item, "_e2e_guard", None)
    if guarded is not None:
        guard, server = guarded
        log = server.log_since(guard.log_offset)
        if "Traceback" in log:
            guard.server_errors.append("server log:\n" + log[-3000:])
        if guard.problems():
            pytest.fail("\n".join(guard.problems()), pytrace=False)
    return result


# -- accessibility ---------------------------------------------------------------------


@pytest.fixture
def check_a11y(browse, request):
    """``check_a11y(page, "name of the state")``: axe-core on what the page shows now."""

    def _check(page, state: str):
        return axe.check(page, state, test=request.node.nodeid,
                         javascript=browse.javascript.get(id(page), True),
                         browser=browse.browser, base_url=browse.url)

    return _check


def pytest_sessionfinish(session, exitstatus):
    """Write what axe found (below serious) as a JSON artefact, merged across workers."""
    axe.write_results(artifacts_root() / "axe",
                      worker=os.environ.get("PYTEST_XDIST_WORKER"),
                      is_controller=not hasattr(session.config, "workerinput"))

