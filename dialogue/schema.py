"""Creating the schema outside Alembic (tests, and the migration check's reference).

``create_all`` builds the tables from the models and then the database objects the
models cannot describe (full-text search tables and indexes), which the migrations
also create. Features that own such objects add them to ``EXTRAS``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from dialogue.extensions import db

# Tables whose names start with these are created by EXTRAS (and by hand-written
# migration steps), not by the models; Alembic's autogenerate leaves them alone.
UNMANAGED_PREFIXES: tuple[str, ...] = ("search_fts",)



def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave the unmanaged objects (tables, indexes, triggers) alone."""
    return not (name and name.startswith(UNMANAGED_PREFIXES))


# Each takes a connection and creates its objects if they are missing.
EXTRAS: list[Callable[[Connection], None]] = []


def _install_search(connection: Connection) -> None:
    from dialogue.search import install_search

    install_search(connection)


EXTRAS.append(_install_search)


def create_all() -> None:
    db.create_all()
    with db.engine.begin() as connection:
        for install in EXTRAS:
            install(connection)
