"""The harness catches what it promises to: requests off the live server, unexpected
dialogs, page errors and CSP violations. (Each check is emptied after it is proved, so
this test itself passes.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.helpers import wait_until

pytestmark = pytest.mark.e2e


def test_guard_records_outside_requests_dialogs_errors_and_csp(browse, request):
    """Each kind of problem lands in the guard the test fails on."""
    guard = browse.guard
    page = browse()
    page.goto("/")

    # (The site's CSP already stops fetches and images elsewhere; a navigation is not
    # covered by CSP, so it shows the route guard itself at work.)
    with pytest.raises(PlaywrightError):
        page.goto("https://cdn.example.org/lib.js")
    assert guard.outside_requests == ["https://cdn.example.org/lib.js"]
    page = browse()
    page.goto("/")

    page.evaluate("() => { setTimeout(() => alert('hello'), 0); }")
    wait_until(page, lambda: guard.dialogs, "the alert was not recorded")
    assert guard.dialogs == ["alert: hello"]

    page.evaluate("() => { setTimeout(() => { throw new Error('boom'); }, 0); }")
    wait_until(page, lambda: any("boom" in e for e in guard.page_errors),
               "the page error was not recorded")

    # An inline script and a real inline style are refused by the site's CSP and recorded.
    page.evaluate("""() => {
      const s = document.createElement('script'); s.textContent = 'window.x = 1';
      document.body.appendChild(s);
      document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p>');
    }""")
    wait_until(page, lambda: any("inline script" in v for v in guard.csp_violations)
               and any("inline style" in v for v in guard.csp_violations),
               f"both CSP violations were not recorded: {guard.csp_violations}")
    assert page.evaluate("() => window.x") is None

    browse.expect_dialog()
    with page.expect_event("dialog"):
        page.evaluate("() => { setTimeout(() => confirm('sure?'), 0); }")
    assert guard.expected_dialogs == 0  # the harness's handler took it
    assert guard.dialogs == ["alert: hello"]  # the expected one was accepted, not recorded

    guard.outside_requests.clear()
    guard.dialogs.clear()
    guard.page_errors.clear()
    guard.csp_violations.clear()
    assert not guard.problems()
