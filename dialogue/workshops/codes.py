"""Workshop join codes: short, unambiguous when read off a projector, unique."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import timedelta

from sqlalchemy import select

from dialogue.extensions import db
from dialogue.workshops.models import Workshop

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: a code read off a projector is typed correctly.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
# A code keeps working until the end of the day after the workshop's date.
CODE_GRACE = timedelta(days=2)


def normalise_code(text: str) -> str:
    """Upper-case, without spaces or dashes, as people type codes off a screen."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_expiry(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) + CODE_GRACE


def unique_code() -> str:
    # 25^6 codes: a clash is rare, and the unique constraint still guards the insert.
    for _ in range(20):
        code = new_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code
    raise RuntimeError("could not find a free workshop code")
