"""Creating the schema outside Alembic (tests, and the migration check's reference).

``create_all`` builds the tables from the models and then the database objects the
models cannot describe (search's full-text tables and triggers), which the migrations
also create. Like ``models``, this sits above every feature; a feature that owns such
objects adds its installer to ``EXTRAS`` and the prefix of its tables to
``UNMANAGED_PREFIXES``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from dialogue.extensions import db
from dialogue.search.index import install_search

# Tables whose names start with these are created by EXTRAS (and by hand-written
# migration steps), not by the models; Alembic's autogenerate leaves them alone.
UNMANAGED_PREFIXES: tuple[str, ...] = ("search_fts",)

# Each takes a connection and creates its objects if they are missing.
EXTRAS: tuple[Callable[[Connection], None], ...] = (install_search,)


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave the unmanaged objects (tables, indexes, triggers) alone."""
    return not (name and name.startswith(UNMANAGED_PREFIXES))


def create_all() -> None:
    """The models' tables, then the objects in ``EXTRAS``."""
    db.create_all()
    with db.engine.begin() as connection:
        for install in EXTRAS:
            install(connection)
