"""A small browser for deploy/stack/check.py: plain http.client, a cookie jar, forms.

Standard library only, so the check needs nothing the application does not install.
It talks to loopback addresses only.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_REDIRECTS = 5


class CheckFailed(AssertionError):
    """A check's expectation was not met; the message says what was seen."""


def expect(condition: object, message: str) -> None:
    """Fail the current check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


@dataclass
class Reply:
    """One HTTP response, read whole."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes
    seconds: float
    path: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def page(self) -> Page:
        return Page.parse(self.text, self.path)


@dataclass
class Form:
    """A form as the browser would submit it: its action and default field values."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radios and selects
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def values(self, **overrides: str) -> list[tuple[str, str]]:
        """The defaults with ``overrides`` replacing (or adding) fields by name."""
        kept = [(k, v) for k, v in self.fields if k not in overrides]
        return kept + [(k, v) for k, v in overrides.items() if v is not None]

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class Page(HTMLParser):
    """Links, static assets and forms of one HTML page."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.assets: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    @classmethod
    def parse(cls, html: str, base: str) -> Page:
        page = cls(base or "/")
        page.feed(html)
        page.close()
        return page

    def _url(self, value: str | None) -> str:
        return urljoin(self.base, value or "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "a" and a.get("href"):
            self.links.append(self._url(a["href"]))
        elif tag == "link" and a.get("href") and "stylesheet" in a.get("rel", ""):
            self.assets.append(self._url(a["href"]))
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(self._url(a["src"]))
        elif tag == "form":
            self.forms.append(Form(self._url(a.get("action") or self.base),
                                   (a.get("method") or "get").lower()))
        elif form is None:
            return
        elif tag == "input":
            self._input(form, a)
        elif tag == "button" and a.get("name"):
            form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            # A multiple select sends nothing unless an option is selected.
            self._select, self._select_first = a["name"], None
            self._select_chosen = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.choices.setdefault(self._select, []).append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                form.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def _input(self, form: Form, a: dict[str, str]) -> None:
        name, kind = a.get("name"), a.get("type", "text").lower()
        if not name:
            return
        if kind in ("radio", "checkbox"):
            form.choices.setdefault(name, []).append(a.get("value", "on"))
            if "checked" in a:
                form.fields.append((name, a.get("value", "on")))
        elif kind == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif kind not in ("button", "image", "reset", "file"):
            form.fields.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        form = self.forms[-1] if self.forms else None
        if tag == "select" and self._select and form is not None:
            if not self._select_chosen and self._select_first is not None:
                form.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea and form is not None:
            form.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def form(self, action_ends: str) -> Form:
        """The first form whose action's path ends with ``action_ends``."""
        for form in self.forms:
            if urlsplit(form.action).path.endswith(action_ends):
                return form
        raise CheckFailed(f"no form posting to ...{action_ends} on {self.base} "
                          f"(forms: {[f.action for f in self.forms]})")


class Browser:
    """One visitor: a cookie jar, one request per connection."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        if host not in LOOPBACK:
            raise ValueError(f"the stack check only talks to loopback, not {host}")
        self.host, self.port, self.timeout = host, port, timeout
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, form=None, headers: dict | None = None,
                timeout: float | None = None) -> Reply:
        body = urlencode(form, doseq=True) if form is not None else None
        sent = {"Host": f"{self.host}:{self.port}", "Connection": "close",
                "User-Agent": "dialogue-stack-check"}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        sent.update(headers or {})
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body, sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        cookies = response.headers.get_all("Set-Cookie") or []
        self._keep(cookies)
        headers_seen: dict[str, str] = {}
        for key, value in response.headers.items():
            key = key.lower()
            headers_seen[key] = f"{headers_seen[key]}, {value}" if key in headers_seen else value
        return Reply(response.status, headers_seen, cookies, data, elapsed, path)

    def _keep(self, cookies: list[str]) -> None:
        for cookie in cookies:
            pair, *attributes = cookie.split(";")
            name, _, value = pair.strip().partition("=")
            expired = any(a.strip().lower() in ("max-age=0",) for a in attributes)
            if expired or (value == "" and any("expires=" in a.lower() for a in attributes)):
                self.jar.pop(name, None)
            else:
                self.jar[name] = value

    def local(self, url: str) -> str:
        """``url`` as a path on this site; refuses a redirect elsewhere."""
        parts = urlsplit(url)
        expect(not parts.netloc or parts.hostname in LOOPBACK,
               f"redirected off the loopback site to {url}")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def get(self, path: str, follow: bool = True, **kwargs) -> Reply:
        reply = self.request("GET", path, **kwargs)
        for _ in range(MAX_REDIRECTS):
            if not follow or reply.status not in (301, 302, 303, 307, 308):
                break
            reply = self.request("GET", self.local(urljoin(path, reply.header("location"))),
                                 **kwargs)
        return reply

    def submit(self, form: Form, headers: dict | None = None, **overrides: str) -> Reply:
        """Send ``form`` with its defaults and ``overrides``; redirects are not followed."""
        if form.method == "get":
            query = urlencode(form.values(**overrides))
            return self.request("GET", f"{self.local(form.action)}?{query}", headers=headers)
        return self.request(form.method.upper(), self.local(form.action),
                            form=form.values(**overrides), headers=headers)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
