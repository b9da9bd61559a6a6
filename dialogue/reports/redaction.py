"""Redaction of quotes: emails, phone numbers and registered people's names come out.

Matching never depends on case, spacing or punctuation: "maud ellery", "MAUD  ELLERY",
"Maud-Ellery" and "Maud.\nEllery" are all the name "Maud Ellery"; an address written
"maud @ school.org" or "maud[at]school[dot]org" is an address; "+44 (0)7700-900.123"
is a phone number. When in doubt a quote loses a word rather than keep a name.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from dialogue.auth.models import User
from dialogue.extensions import db

_AT = r"(?:\s*@\s*|\s*[\[({]\s*at\s*[\])}]\s*)"
_DOT = r"(?:\.|\s*[\[({]\s*dot\s*[\])}]\s*)"
EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE)
# A UK number (0... or +44 / 0044, with or without "(0)"), or any number in
# international form: at least ten digits whatever separates them.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s*\d{1,3}[\s.\-/]*(?:\(\s*0\s*\)[\s.\-/]*)?|\(?\s*0)"
    r"\d(?:[\s().\-/]{0,3}\d){8,}"
)
# What may stand between the parts of a name: spaces, line breaks, hyphens, dots...
_BETWEEN = r"[\s\W_]+"
MIN_PART = 3  # shorter single words ("Al", "Jo") are too often ordinary words


def _parts(display_name: str) -> list[str]:
    cleaned = re.sub(r"\(.*?\)", " ", display_name or "")
    return [part for part in re.split(r"[\W_]+", cleaned) if part]


def name_pattern(display_names: list[str]) -> re.Pattern | None:
    """One case-insensitive pattern for these people's full names and their name parts."""
    alternatives: set[str] = set()
    for display_name in display_names:
        parts = _parts(display_name)
        if len(parts) > 1 or (parts and len(parts[0]) >= 2):
            alternatives.add(_BETWEEN.join(re.escape(p) for p in parts))
        alternatives.update(re.escape(p) for p in parts if len(p) >= MIN_PART and p.isalpha())
    if not alternatives:
        return None
    # Longest first, so a full name is removed as one, before its parts.
    ordered = sorted(alternatives, key=lambda a: (-len(a), a))
    return re.compile(rf"(?<!\w)(?:{'|'.join(ordered)})(?!\w)", re.IGNORECASE)


class Redactor:
    """Removes emails, phone numbers and registered users' names from quotes."""

    def __init__(self, display_names: list[str] | None = None):
        if display_names is None:
            display_names = list(db.session.scalars(select(User.display_name)))
        self.names = name_pattern(display_names)

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email removed]", text)
        text = PHONE.sub("[phone number removed]", text)
        if self.names is not None:
            text = self.names.sub("[name removed]", text)
        return text
