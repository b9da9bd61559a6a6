"""What the journeys share: signing in, screenshots, keyboard, focus and target-size checks."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "dialogue-demo"  # the documented demo credential (dialogue/demo.py)
# A workshop's join code lasts until the day after its date: journeys run a workshop
# dated today (a fixed date would expire, and the journeys with it, as time passes).
TODAY = dt.date.today().isoformat()
DEMO = {
    "admin": "admin@dialogue.example.org",
    "researcher": "researcher@dialogue.example.org",
    "facilitator": "facilitator@dialogue.example.org",
    "moderator": "moderator@dialogue.example.org",
    "practitioner": "practitioner@dialogue.example.org",
}


def artifacts_root() -> Path:
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def unique(prefix: str) -> str:
    """A value no other test (or worker) uses, for names and emails in the shared database."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_until(page: Page, condition: Callable[[], object], what: str,
               timeout: float = 10.0) -> None:
    """Wait, as ``expect`` does, until ``condition()`` is true; fail saying ``what`` did not
    happen. For conditions on what the harness recorded (dialogs, requests), which no
    locator can see. Playwright delivers its events while the page waits, so this waits
    on the page in short steps rather than sleeping."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s: {what}")
        page.wait_for_timeout(25)


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form (CSRF token and all)."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def register(page: Page, name: str, email: str, *, consent: bool = True,
             locality: str = "Locality A") -> None:
    """Fill in and send the registration form as a person would."""
    page.goto("/register")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Your role in education").select_option(label="Headteacher")
    page.get_by_label("Phase").select_option(label="Primary")
    page.get_by_label("Locality").select_option(label=locality)
    page.get_by_label(re.compile("^Yes, the research team" if consent else "^No, keep")).check()
    page.get_by_role("button", name="Create account").click()
    # Every address is answered "check your email" (issue 16, point 6): the account is
    # made by the link mailed to it, as a person would follow it.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(confirmation_link(page, email))
    page.get_by_role("button", name="Create my account").click()


def confirmation_link(page: Page, email: str) -> str:
    """The link of the newest confirmation mail to ``email`` (the e2e server's outbox)."""
    mails = page.request.get("/__e2e__/outbox").json()
    bodies = [m["body"] for m in mails
              if m["to"] == email.lower() and "/register/confirm/" in m["body"]]
    assert bodies, f"no confirmation mail to {email}"
    return re.search(r"https?://\S+/register/confirm/\S+", bodies[-1]).group(0)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/<name>-<viewport>.png."""
    directory = artifacts_root() / "screenshots"
    directory.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 0}
    kind = "phone" if size["width"] < 600 else "desktop"
    path = directory / f"{name}-{kind}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 80),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
             && style.outlineColor !== "rgba(0, 0, 0, 0)" && style.outlineColor !== "transparent",
    shadow: style.boxShadow !== "none",
    background: style.backgroundColor,
    inViewport: rect.bottom > 0 && rect.right > 0 && rect.top < innerHeight
                && rect.left < innerWidth && rect.width > 0 && rect.height > 0,
    covered: !!top && top !== el && !el.contains(top) && !top.contains(el)
             && !(el.labels && [...el.labels].some((l) => l.contains(top))),
  };
}"""


def focused(page: Page) -> dict | None:
    """What has keyboard focus now, whether its focus indicator shows and is not hidden."""
    return page.evaluate(FOCUSED)


def assert_focus_visible(page: Page, where: str = "") -> dict:
    """WCAG 2.4.7 and 2.4.11: the focused element shows focus and is not hidden."""
    info = focused(page)
    assert info is not None, f"nothing has focus {where}"
    assert info["outline"] or info["shadow"], f"no visible focus indicator on {info} {where}"
    assert info["inViewport"], f"focused element is outside the viewport: {info} {where}"
    assert not info["covered"], f"focused element is covered by another element: {info} {where}"
    return info


def tab_to(page: Page, matches, *, limit: int = 80, check_each: bool = True) -> list[dict]:
    """Press Tab until ``matches(info)`` is true; returns the focus order walked.

    Every stop is checked for a visible, unobscured focus indicator on the way.
    """
    order = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None:
            continue  # past the end of the page, in the browser's own controls
        if check_each:
            assert_focus_visible(page, f"(after {len(order) + 1} Tab presses)")
        order.append(info)
        if matches(info):
            return order
    raise AssertionError("Tab never reached the target; focus order was:\n" +
                         "\n".join(f"{o['tag']}#{o['id']} {o['text']!r}" for o in order if o))


TARGETS = """() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
                 + "[role=button], [role=link], [tabindex]:not([tabindex='-1'])";
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  // A radio or checkbox counts with its label (GOV.UK draws a 40px or 24px box).
  const box = (el) => {
    if ((el.type === "radio" || el.type === "checkbox") && el.labels && el.labels[0]) {
      const a = el.getBoundingClientRect(), b = el.labels[0].getBoundingClientRect();
      return {left: Math.min(a.left, b.left), top: Math.min(a.top, b.top),
              right: Math.max(a.right, b.right), bottom: Math.max(a.bottom, b.bottom)};
    }
    return el.getBoundingClientRect();
  };
  // WCAG 2.5.8 exception: a target in a sentence or block of text.
  const inline = (el) => {
    if (getComputedStyle(el).display !== "inline") return false;
    const block = el.closest("p, li, dd, td, th, label, legend, .govuk-hint, .govuk-body");
    return !!block && block.textContent.trim().length > el.textContent.trim().length;
  };
  const all = [...document.querySelectorAll(selector)].filter(visible);
  const rects = all.map(box);
  const small = [];
  all.forEach((el, i) => {
    const r = rects[i];
    const w = r.right - r.left, h = r.bottom - r.top;
    if ((w >= 24 && h >= 24) || inline(el) || el.classList.contains("govuk-skip-link")) return;
    // Spacing exception: a 24px circle on its centre overlaps no other target.
    const cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
    const crowded = rects.some((o, j) => j !== i && o.left < cx + 12 && o.right > cx - 12
                                         && o.top < cy + 12 && o.bottom > cy - 12);
    if (!crowded) return;
    const name = (el.innerText || el.value || "").trim().slice(0, 40);
    small.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${name}" `
               + `${w.toFixed(1)}x${h.toFixed(1)}`);
  });
  return small;
}"""


def assert_touch_targets(page: Page, where: str) -> None:
    """WCAG 2.5.8: every target is at least 24 by 24 CSS px (or inline, or spaced)."""
    small = page.evaluate(TARGETS)
    assert not small, f"targets under 24x24 CSS px on {where}:\n  " + "\n  ".join(small)


def live_region_text(page: Page, selector: str = "#alerts") -> str:
    """The text of a live region (which must be one: aria-live or an implicit role)."""
    region = page.locator(selector)
    live = region.get_attribute("aria-live") or ""
    role = region.get_attribute("role") or ""
    assert live in {"polite", "assertive"} or role in {"status", "alert", "log"}, \
        f"{selector} is not a live region"
    return region.inner_text()


def heading(page: Page, text: str | re.Pattern):
    return page.get_by_role("heading", level=1, name=text)


# The heading of a copy of the ready-made workshop: it says it is a copy, and of which
# day, so that two copies are told apart in the facilitator's list.
TEMPLATE_COPY_TITLE = re.compile(
    r"^Copy of What should a self-improving school-led system mean\? \(\d{1,2} \w+ \d{4}\)$")
