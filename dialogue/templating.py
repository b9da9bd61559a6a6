"""Template filters and the profile vocabulary, shared by every feature.

Features add their own globals in their ``init_app`` (auth: ``can`` and the role labels).
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from dialogue.db import utcnow
from dialogue.page_sections import page_section
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS


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
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
