"""A dump of every row of every table, to compare database states."""

from __future__ import annotations

from sqlalchemy import select

from dialogue.extensions import db


def dump_database() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    dump = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        dump[table.name] = [tuple(row) for row in rows]
    return dump
