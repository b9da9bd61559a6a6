"""Research filters: what a researcher narrowed the data to, parsed one way for every output.

The dashboard, the CSV files, the API and the PDF job all rebuild ``Filters`` from a
query string with ``Filters.from_args`` (a request's arguments) or
``Filters.from_query`` (a stored query string), and narrow the contributions with
``apply_filters``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from dialogue.briefings.models import Finding
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.reports.models import KIND_LABELS, Code, Coding

ID_FILTERS = ("locality", "briefing", "finding", "workshop", "code")
CHOICE_FILTERS = {
    "phase": frozenset(p.value for p in Phase),
    "school_type": frozenset(s.value for s in SchoolType),
    "education_role": frozenset(r.value for r in EducationRole),
    "kind": frozenset(KIND_LABELS),
}
DATE_FILTERS = ("date_from", "date_to")


# Ids as the API documents them (1 to 999,999,999): 0 names nothing, and was once
# taken as a filter of nothing instead of refused.
LARGEST_ID = 999_999_999


def _integer(raw: str) -> int | None:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if 1 <= value <= LARGEST_ID else None


# Dates a filter can mean: "up to 9999-12-31" would overflow when the end of the day is
# worked out, and no contribution is older than the platform.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def _day(raw: str) -> date | None:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def _parse(name: str, raw: str):
    if name in ID_FILTERS:
        return _integer(raw)
    if name in DATE_FILTERS:
        return _day(raw)
    return raw if raw in CHOICE_FILTERS[name] else None


@dataclass(frozen=True)
class Filters:
    """What a researcher narrowed the data to; every output takes the same filters."""

    locality: int | None = None
    phase: str | None = None
    school_type: str | None = None
    education_role: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    briefing: int | None = None
    finding: int | None = None
    workshop: int | None = None
    code: int | None = None
    kind: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Parse query-string filters, ignoring values that are not valid choices."""
        return cls(**{f.name: _parse(f.name, (args.get(f.name) or "").strip())
                      for f in fields(cls)})

    @classmethod
    def from_query(cls, query: str) -> Filters:
        """The filters a stored query string (``query_string()``) describes."""
        return cls.from_args(dict(parse_qsl(query)))

    @classmethod
    def rejected(cls, args: Mapping[str, str]) -> list[str]:
        """The names of filters given a value ``from_args`` would ignore."""
        names = []
        for f in fields(cls):
            raw = (args.get(f.name) or "").strip()
            if raw and _parse(f.name, raw) is None:
                names.append(f.name)
        return names

    def items(self) -> list[tuple[str, str]]:
        """The filters that are set, as (name, value) strings in a fixed order."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                pairs.append((f.name, value.isoformat() if isinstance(value, date)
                              else str(value)))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.items())

    def is_empty(self) -> bool:
        return not self.items()


def apply_filters(query: Select, c, filters: Filters) -> Select:
    """Narrow a query over the contributions subquery ``c`` to ``filters``."""
    conditions = []
    if filters.locality is not None:
        conditions.append(c.c.locality_id == filters.locality)
    for name in ("phase", "school_type", "education_role", "kind"):
        if getattr(filters, name):
            conditions.append(c.c[name] == getattr(filters, name))
    if filters.date_from:
        conditions.append(c.c.created_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        conditions.append(c.c.created_at < datetime.combine(filters.date_to, time.min, UTC)
                          + timedelta(days=1))
    if filters.finding is not None:
        conditions.append(c.c.finding_id == filters.finding)
    if filters.briefing is not None:
        conditions.append(c.c.finding_id.in_(
            select(Finding.id).where(Finding.briefing_id == filters.briefing)))
    if filters.workshop is not None:
        conditions.append(c.c.workshop_id == filters.workshop)
    if filters.code is not None:
        conditions.append(_coded_with(c, filters.code))
    return query.where(and_(true(), *conditions))


def _coded_with(c, code_id: int):
    # A theme includes the codes filed under it. The codings get their own alias: a
    # query that already joins research_codings (code counts, quotes by code) would
    # otherwise correlate this test with its own join and lose its FROM clause.
    coding = aliased(Coding)
    code_ids = select(Code.id).where(or_(Code.id == code_id, Code.parent_id == code_id))
    return exists().where(coding.contribution_kind == c.c.kind,
                          coding.contribution_id == c.c.id, coding.code_id.in_(code_ids))
