"""The XSS corpus in a real browser: posted as forum replies and finding comments, then
shown as htmx fragments (the swap after posting) and as full pages (a reload).

The guarded context (tests/e2e/conftest.py) already fails the test on any dialog,
page error, CSP violation or request leaving the origin. On top, canary payloads would
set ``window.__xss`` or ask the server for a ``__xss`` URL if any markup ran: both
must stay untouched. The author views their own posts, so pre-moderation does not hide
them (a new member's first posts wait for a moderator, visible only to them).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import register, unique
from tests.security.corpus import XSS

pytestmark = pytest.mark.e2e

FINDING = "/findings/hierarchy-ofsted-priority"
CANARIES = (
    '<script>window.__xss = 1</script>',
    '<img src="/__xss.png" onerror="window.__xss = 1; alert(1)">',
    '<svg onload="window.__xss = 1"></svg>',
    '<div hx-get="/__xss" hx-trigger="load">hx</div>',
    '<a href="javascript:window.__xss = 1">link</a> [md](javascript:window.__xss=1)',
)
PAYLOADS = list(XSS[:35]) + list(CANARIES)  # 40, a fixed sample
# Posts per place, each carrying half the payloads: four posts in all stay under the
# live server's posting limit (6 a minute).
BUNDLES = 2


def _bundles() -> list[tuple[str, str]]:
    """(marker, body) for each post: a plain marker line, then the payloads."""
    size = -(-len(PAYLOADS) // BUNDLES)
    out = []
    for n in range(BUNDLES):
        marker = unique(f"hostile{n}")
        out.append((marker, marker + "\n\n" + "\n\n".join(PAYLOADS[n * size:(n + 1) * size])))
    return out


def _untouched(page, canary_requests: list[str]) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert not canary_requests, canary_requests


def _post_each(page, label: str, button: str, canary_requests: list[str]) -> list[str]:
    markers = []
    for marker, body in _bundles():
        page.get_by_label(label).fill(body)
        page.get_by_role("button", name=button).click()
        # With JavaScript the response is an htmx fragment swapped into the page.
        expect(page.locator("article.dialogue-post", has_text=marker)).to_be_visible()
        _untouched(page, canary_requests)
        markers.append(marker)
    return markers


def test_xss_payloads_do_not_run_in_posts_or_comments(browse, live_server):
    live_server.reset_rate_limits()
    page = browse()
    canary_requests: list[str] = []
    page.on("request", lambda r: canary_requests.append(r.url) if "__xss" in r.url else None)
    name = unique("Hostile")
    register(page, name, f"{name.lower()}@school.example.org")

    # Forum replies in a standing thread.
    page.goto("/localities/locality-a")
    page.locator("main a[href^='/threads/']").first.click()
    thread_url = page.url
    replies = _post_each(page, "Your reply", "Post reply", canary_requests)

    # Comments on a finding.
    page.goto(FINDING)
    comments = _post_each(page, "Your comment", "Post comment", canary_requests)

    # The full pages, loaded afresh.
    for url, markers in ((thread_url, replies), (FINDING, comments)):
        page.goto(url)
        for marker in markers:
            expect(page.locator("article.dialogue-post", has_text=marker)).to_be_visible()
        # The payloads are text: the page shows what was typed, not what it would do.
        expect(page.locator("main")).to_contain_text("alert(1)")
        _untouched(page, canary_requests)
