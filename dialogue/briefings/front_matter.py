"""The front matter every briefing file starts with, as a declarative schema.

Each ``Field`` names a key, the test its value must pass and the message shown when it
does not (``file:line: message``, the line being the key's own). ``FIELDS`` are required
in every file; ``TERMS`` only in the glossary (``glossary: true``) and nowhere else.
Lists of entries must also have unique keys, each schema saying how it reports repeats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- what a value may be --------------------------------------------------------------

def is_text(value: Any) -> bool:
    """A string with something in it besides spaces."""
    return isinstance(value, str) and value.strip() != ""


def is_slug(value: Any) -> bool:
    """Lower-case letters, digits and hyphens, starting with a letter or digit."""
    return isinstance(value, str) and SLUG_RE.match(value) is not None


def is_whole_number(value: Any) -> bool:
    """An int, and not a bool (YAML's ``yes`` is not an order)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_date(value: Any) -> bool:
    """A date and not a datetime (YAML reads ``2026-11-03 10:00`` as a datetime)."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def list_of(check: Check) -> Check:
    """A list (possibly empty) whose every item passes ``check``."""
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


def entries(**checks: Check) -> Check:
    """A non-empty list of mappings with exactly these keys, each value passing its check."""

    def check(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(
            isinstance(item, dict) and set(item) == set(checks)
            and all(test(item[key]) for key, test in checks.items())
            for item in value)

    return check


# --- how repeated keys are reported ---------------------------------------------------

def once_if_repeated(message: str) -> Callable[[list[dict]], list[str]]:
    """One ``message`` if any entry's key is used twice."""
    return lambda items: [message] if len({i["key"] for i in items}) != len(items) else []


def each_repeat(message: str) -> Callable[[list[dict]], list[str]]:
    """``message`` (with ``{key}``) for every entry whose key an earlier one used."""

    def repeats(items: list[dict]) -> list[str]:
        seen: set[str] = set()
        found = []
        for item in items:
            if item["key"] in seen:
                found.append(message.format(key=item["key"]))
            seen.add(item["key"])
        return found

    return repeats


@dataclass(frozen=True)
class Field:
    """One front-matter key: the test its value must pass, and what to say if not."""

    key: str
    check: Check
    message: str
    repeats: Callable[[list[dict]], list[str]] | None = None


FIELDS = (
    Field("slug", is_slug, "slug must be lower-case letters, digits and hyphens"),
    Field("title", is_text, "'title' must be non-empty text"),
    Field("summary", is_text, "'summary' must be non-empty text"),
    Field("order", is_whole_number, "'order' must be a whole number"),
    Field("themes", list_of(is_slug), "'themes' must be a list of lower-case words"),
    Field("sources", entries(key=is_text, label=is_text),
          "'sources' must be a list of {key, label} entries",
          repeats=once_if_repeated("source keys must be unique")),
    Field("updated", is_date, "'updated' must be a date (YYYY-MM-DD)"),
)
# Optional: what the briefing's findings are. "methods" marks statements about how the
# study was done (its survey, its case studies): nobody is asked whether they match
# their experience, and no "You said" is shown for them.
KINDS = ("findings", "methods")
KIND = Field("kind", lambda value: value in KINDS, "'kind' must be 'findings' or 'methods'")
TERMS = Field("terms", entries(key=is_slug, term=is_text, definition=is_text),
              "'terms' must be a list of {key, term, definition} entries",
              repeats=each_repeat("duplicate glossary term '{key}'"))
TERMS_OUTSIDE_GLOSSARY = "'terms' is only allowed in the glossary (glossary: true)"


@dataclass
class FrontMatter:
    """A briefing's front matter once it has passed the schema."""

    slug: str
    title: str
    summary: str
    order: int
    themes: list[str]
    sources: list[dict]
    updated: dt.date
    is_glossary: bool
    glossary_terms: list[dict]
    kind: str


def key_line(text: str, key: str) -> int:
    """The 1-based line where ``key:`` appears in the file (1 if it does not)."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text[: match.start()].count("\n") + 1 if match else 1


def body_start(text: str) -> int:
    """The 0-based line index where the body starts (after the closing ``---``)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            return index + 1
    return len(lines)


def _load(name: str, text: str, errors: list[ContentError]) -> dict | None:
    """The front matter as a mapping, or None with the reason added to ``errors``."""
    if not text.startswith("---"):
        errors.append(ContentError(
            name, 1, "the file must start with YAML front matter between '---' lines"))
        return None
    try:
        return frontmatter.loads(text).metadata
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        errors.append(ContentError(name, line, f"malformed front matter: {problem}"))
        return None


def _problems(field: Field, value: Any) -> list[str]:
    """What is wrong with ``value`` for ``field``: its message, or its repeated keys."""
    if not field.check(value):
        return [field.message]
    return field.repeats(value) if field.repeats else []


def _fields_to_check(meta: dict) -> tuple[list[Field], bool]:
    """The schema this file must pass, and whether it is the glossary."""
    is_glossary = meta.get("glossary", False) is True
    return [*FIELDS, TERMS] if is_glossary else list(FIELDS), is_glossary


def parse_front_matter(name: str, text: str,
                       errors: list[ContentError]) -> FrontMatter | None:
    """Check the front matter against the schema; None (and ``errors``) if it fails."""
    meta = _load(name, text, errors)
    if meta is None:
        return None
    missing = [f.key for f in FIELDS if f.key not in meta]
    for key in missing:
        errors.append(ContentError(name, 1, f"front matter is missing '{key}'"))
    if missing:
        return None
    fields, is_glossary = _fields_to_check(meta)
    found = [ContentError(name, key_line(text, field.key), message)
             for field in fields for message in _problems(field, meta.get(field.key, []))]
    if "kind" in meta:
        found += [ContentError(name, key_line(text, "kind"), message)
                  for message in _problems(KIND, meta["kind"])]
    if not is_glossary and "terms" in meta:
        found.append(ContentError(name, key_line(text, "terms"), TERMS_OUTSIDE_GLOSSARY))
    errors.extend(found)
    if found:
        return None
    return FrontMatter(
        slug=meta["slug"], title=meta["title"].strip(), summary=meta["summary"].strip(),
        order=meta["order"], themes=list(meta["themes"]),
        sources=[{"key": s["key"], "label": s["label"]} for s in meta["sources"]],
        updated=meta["updated"], is_glossary=is_glossary,
        glossary_terms=[dict(t) for t in meta.get("terms", [])] if is_glossary else [],
        kind=meta.get("kind", "findings"),
    )
