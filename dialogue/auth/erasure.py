"""What each feature tells privacy about the personal data it owns, when an account goes.

Privacy (``dialogue.privacy``) works from the schema: every row with a foreign key to
``users.id`` is the person's, and its ``ondelete`` rule says what erasure does to it.
Two things the schema cannot say are told here by the feature that owns the table, in
its ``init_app``:

* an *eraser*: deletes what the person wrote when they choose "remove" (their posts,
  their answers), called with their user id before the account row goes;
* *rows owned through a parent*: rows with no user column that belong to the person
  because their parent row does (a post's revisions), for the own-data download.

It lives with the accounts, below the features, because privacy sits above them: the
features fill it without importing privacy. Registering is idempotent (by name or
table), so building several apps in one process, as the tests do, registers each once.
"""

from __future__ import annotations

from collections.abc import Callable

Eraser = Callable[[int], None]

_erasers: dict[str, Eraser] = {}
_owned_through: dict[str, tuple[str, str]] = {}


def register_eraser(name: str, erase: Eraser) -> None:
    """``erase(user_id)`` deletes what the person wrote, in "remove" mode; it flushes."""
    _erasers[name] = erase


def erasers() -> list[Eraser]:
    """Every registered eraser, in registration order."""
    return list(_erasers.values())


def register_owned_rows(table: str, key: str, parent: str) -> None:
    """Rows of ``table`` whose ``key`` points at a ``parent`` row of the person are theirs."""
    _owned_through[table] = (key, parent)


def owned_through() -> list[tuple[str, str, str]]:
    """``(table, key, parent)`` for every table registered with ``register_owned_rows``."""
    return [(table, key, parent) for table, (key, parent) in _owned_through.items()]
