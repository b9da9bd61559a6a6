"""axe-core in the page: WCAG 2.0, 2.1 and 2.2 A and AA, failing on serious or critical.

How it gets in: the site's CSP is ``script-src 'self'``, so ``page.add_script_tag``
(which inserts an inline ``<script>``) is refused by the browser, as it should be. We
evaluate the vendored file's source through Playwright instead: that runs over the
DevTools protocol and is not subject to the page's CSP, so the site keeps its real
policy during the check and no ``bypass_csp`` context is needed.

Pages a test opened with JavaScript disabled cannot run axe (its timers never fire).
Their exact HTML is replayed in a JavaScript-enabled context whose own scripts are
blocked, so axe sees the no-JavaScript page as it was.

Violations below serious are recorded (not failed) and written to
``test-artifacts/axe/axe-results.json``; ``docs/accessibility.md`` lists them with a plan.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
SESSION_STARTED = time.time()

_source: str | None = None
_checks: list[dict] = []

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return {
    violations: results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
    })),
    passes: results.passes.length,
  };
}"""


def _axe_source() -> str:
    global _source
    if _source is None:
        _source = AXE_PATH.read_text(encoding="utf-8")
    return _source


def _run(page) -> dict:
    # A page reached by a form post may still be loading its stylesheets when the test's
    # last expectation is met: axe would then measure the unstyled page (seen in CI on a
    # busy machine: header links 17 px high, "too small to touch").
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(RUN_AXE, TAGS)


def _replay_without_scripts(page, browser, base_url: str) -> dict:
    """Run axe on the HTML a no-JavaScript page shows, in a context that may run axe."""
    # A no-JavaScript form post navigates: take the HTML only once that page has fully
    # loaded, or a half-parsed document (a button cut off mid-way) gets checked.
    page.wait_for_load_state("load")
    html, url = page.content(), page.url
    viewport = page.viewport_size
    context = browser.new_context(base_url=base_url, viewport=viewport)
    try:
        def route(route):
            request_url = route.request.url
            if request_url == url:
                route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
            elif not request_url.startswith(base_url) or route.request.resource_type == "script":
                route.abort("blockedbyclient")
            else:
                route.continue_()

        context.route("**/*", route)
        replay = context.new_page()
        replay.goto(url)
        return _run(replay)
    finally:
        context.close()


def check(page, state: str, *, test: str, javascript: bool = True, browser=None,
          base_url: str = "") -> dict:
    """Run axe on the page as it is now; assert no serious or critical violations."""
    result = _run(page) if javascript else _replay_without_scripts(page, browser, base_url)
    viewport = page.viewport_size or {}
    record = {
        "state": state,
        "url": page.url.removeprefix(base_url) if base_url else page.url,
        "test": test,
        "viewport": f"{viewport.get('width')}x{viewport.get('height')}",
        "javascript": javascript,
        "passes": result["passes"],
        "violations": result["violations"],
    }
    _checks.append(record)
    failing = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe: serious/critical violations on {state!r} ({page.url}):\n" + \
        "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n    "
            + "\n    ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"][:5])
            for v in failing
        )
    return record


def write_results(directory: Path, *, worker: str | None, is_controller: bool) -> None:
    """Each process writes its checks; the controller merges this run's files into one."""
    directory.mkdir(parents=True, exist_ok=True)
    if _checks:
        (directory / f"worker-{worker or 'main'}.json").write_text(json.dumps(_checks, indent=1))
    if not is_controller:
        return
    merged: list[dict] = []
    for path in sorted(directory.glob("worker-*.json")):
        if path.stat().st_mtime >= SESSION_STARTED:
            merged.extend(json.loads(path.read_text()))
        else:
            os.unlink(path)  # a previous run's
    if not merged:
        return
    merged.sort(key=lambda r: (r["test"], r["state"], r["viewport"]))
    summary: dict[str, dict] = {}
    for record in merged:
        for violation in record["violations"]:
            entry = summary.setdefault(violation["id"], {
                "impact": violation["impact"], "help": violation["help"],
                "helpUrl": violation["helpUrl"], "states": [],
            })
            entry["states"].append(f"{record['state']} ({record['url']}, {record['viewport']})")
    (directory / "axe-results.json").write_text(json.dumps(
        {"tags": TAGS, "checks": len(merged), "violations_by_rule": summary,
         "pages": merged}, indent=1))
