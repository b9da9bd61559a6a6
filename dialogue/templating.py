"""Template globals and filters shared by every feature."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from dialogue.auth import permissions
from dialogue.auth.models import (
    EDUCATION_ROLE_LABELS,
    PHASE_LABELS,
    ROLE_LABELS,
    SCHOOL_TYPE_LABELS,
)
from dialogue.db import utcnow


def can(name: str, *args) -> bool:
    """``{% if can('research') %}``: the permission functions, for templates."""
    check = getattr(permissions, f"can_{name}", None) or permissions.PERMISSIONS[name]
    return check(current_user, *args)


def format_datetime(value: datetime | None, fmt: str = "%-d %B %Y at %-I:%M%p") -> str:
    if value is None:
        return ""
    text = value.strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm")


def format_date(value: datetime | None) -> str:
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
    app.jinja_env.globals.update(
        can=can,
        EDUCATION_ROLE_LABELS=EDUCATION_ROLE_LABELS,
        PHASE_LABELS=PHASE_LABELS,
        SCHOOL_TYPE_LABELS=SCHOOL_TYPE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )
    app.jinja_env.filters.update(datetime=format_datetime, date=format_date, ago=time_ago)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
