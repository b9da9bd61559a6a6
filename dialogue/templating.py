"""Template filters and the profile vocabulary, shared by every feature.

Features add their own globals in their ``init_app`` (auth: ``can`` and the role labels).

User text that cannot reorder what surrounds it (issue 16, point 8). Right-to-left
letters pull the neutral characters beside them (commas, digits, brackets) into their
run, and the bidirectional controls (U+202E, the right-to-left override, and its kin)
reverse whatever follows them up to the end of the paragraph: "by NAME, 3 days
ago" read backwards, or an answer on the audience screen that turns the figure after it
round. One-line fields refuse the controls when typed; longer text keeps what was typed
(it is stored verbatim), so every place that shows it isolates it instead:

- in a page, inline text sits in a ``<bdi>`` (the ``bdi`` filter) and a block of text
  carries ``dir="auto"``: either ends whatever the text started at its own edge;
- in plain text, where there is no element (a plain-text mail), it sits between the
  isolate characters FSI and PDI (the ``isolate`` filter), with the controls it held
  taken out, so that none of them can close the isolate early;
- where even those cannot be trusted to show (a mail's subject, a page's ``<title>``,
  both drawn by programs that may not know them) the controls are taken out
  (``without_bidi_controls``).

Only what is shown changes: the stored text keeps every character.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from dialogue.db import utcnow
from dialogue.page_sections import page_section
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS

# The embeddings and overrides (U+202A-U+202E) and the isolates (U+2066-U+2069).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate, pop directional isolate
_REMOVE = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi_controls(text: str) -> str:
    """``text`` without its bidirectional controls (Markup stays Markup)."""
    return text.translate(_REMOVE)


def isolate(text: object) -> str:
    """User text for plain text: between FSI and PDI, with its own controls taken out."""
    return f"{FSI}{without_bidi_controls(str(text))}{PDI}"


def bdi(text: object) -> Markup:
    """User text for a page, inline: escaped, inside a ``<bdi>``."""
    return Markup("<bdi>{}</bdi>").format(text)


def format_datetime(value: datetime | None, fmt: str = "%-d %B %Y at %-I:%M%p") -> str:
    """``3 December 2026 at 2:05pm``."""
    if value is None:
        return ""
    text = value.strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm")


def format_date(value: datetime | None) -> str:
    """``3 December 2026``."""
    return value.strftime("%-d %B %Y") if value else ""


def time_ago(value: datetime | None) -> str:
    """A rough, human description of how long ago something happened."""
    if value is None:
        return ""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def init_templating(app: Flask) -> None:
    """The filters, the profile labels and Jinja's whitespace rules."""
    app.jinja_env.globals.update(
        EDUCATION_ROLE_LABELS=EDUCATION_ROLE_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        SCHOOL_TYPE_LABELS=SCHOOL_TYPE_LABELS,
        page_section=page_section,
    )
    app.jinja_env.filters.update(datetime=format_datetime, date=format_date, ago=time_ago)
    # User text shown beside ours: a page's inline text, plain text (mail), and text
    # drawn by programs that may not know the isolates (a page's title): see the docstring.
    app.jinja_env.filters.update(bdi=bdi, isolate=isolate,
                                 without_bidi_controls=without_bidi_controls)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
