"""Own-data download and account erasure, worked out from the schema itself.

Every table with a foreign key to ``users.id`` holds something about a person, so the
download and the erasure both start from the metadata: a feature that adds such a table
is covered without changes here. What happens on erasure follows each key's
``ondelete``: CASCADE rows (reactions, subscriptions, notifications, tokens) go with
the account; SET NULL rows (posts, threads, workshop participation) stay, unlinked, so
they drop out of research outputs (which only use contributions joined to a consenting
account). In "remove" mode each feature's eraser deletes what the person wrote, and the
download follows the rows each feature says are owned through a parent (both told
through ``dialogue.auth.erasure``).
"""

from __future__ import annotations

import enum
import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Column, Table, delete, func, select, update

from dialogue import audit
from dialogue.auth import erasure as registry
from dialogue.auth.models import User
from dialogue.extensions import db
from dialogue.privacy.models import ErasureRecord
from dialogue.refusals import Refusal

log = logging.getLogger(__name__)

MODES = ("remove", "anonymise")
FORMAT_VERSION = 1



class PrivacyError(Refusal):
    """An erasure that cannot be done yet, with a message for the person (409)."""


def _secret(name: str) -> bool:
    return any(word in name for word in ("password", "hash", "token", "secret", "session_version"))


def user_references() -> list[tuple[Table, Column]]:
    """Every (table, column) whose foreign key points at ``users.id``."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == "users":
            continue
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == "users" and key.column.name == "id":
                    found.append((table, column))
    return found


def _user_columns(table: Table) -> set[str]:
    return {c.name for t, c in user_references() if t is table}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _rows(table: Table, where, keep_user_column: str | None) -> list[dict]:
    hidden = _user_columns(table) - {keep_user_column}  # other people's ids stay out
    rows = db.session.execute(select(table).where(where)).mappings()
    return [
        {key: _jsonable(val) for key, val in row.items() if key not in hidden and not _secret(key)}
        for row in rows
    ]


def own_data(user: User) -> dict:
    """Everything the platform holds about ``user`` and everything they contributed."""
    users = db.metadata.tables["users"]
    account = _rows(users, users.c.id == user.id, None)[0]
    account["roles"] = sorted(role.value for role in user.roles)
    records: dict[str, list[dict]] = {}
    for table, column in user_references():
        rows = _rows(table, column == user.id, column.name)
        if rows:
            records.setdefault(table.name, []).extend(rows)
    for name, key, parent in registry.owned_through():
        table = db.metadata.tables[name]
        parent_ids = [row["id"] for row in records.get(parent, []) if "id" in row]
        if parent_ids:
            rows = _rows(table, table.c[key].in_(parent_ids), None)
            if rows:
                records[name] = rows
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": datetime.now().astimezone().isoformat(),
        "account": account,
        "records": records,
    }


def _blocking(user: User) -> list[str]:
    """Why the account cannot go yet: rows that must not lose or change their owner."""
    reasons = []
    for table, column in user_references():
        key = next(iter(column.foreign_keys))
        ondelete = (key.ondelete or "").upper()
        if ondelete in ("CASCADE", "SET NULL") or (ondelete == "" and column.nullable):
            continue
        count = db.session.scalar(
            select(func.count()).select_from(table).where(column == user.id)
        )
        if count:
            reasons.append(table.name)
    return reasons


def erase_account(user: User, mode: str, *, by: User | None) -> ErasureRecord:
    """Delete the account; in "remove" mode delete what they wrote, else unlink it."""
    if mode not in MODES:
        raise PrivacyError("Choose what should happen to what you contributed.")
    blocking = _blocking(user)
    if blocking:
        names = ", ".join(name.replace("_", " ") for name in blocking)
        raise PrivacyError(
            f"Your account still runs things others depend on ({names}). Hand them over "
            "to someone else or ask an administrator, then try again."
        )
    user_id = user.id
    users = db.metadata.tables["users"]
    # Keys with no ondelete rule that may be NULL: unlink them here, as SET NULL would.
    for table, column in user_references():
        key = next(iter(column.foreign_keys))
        if not key.ondelete and column.nullable:
            db.session.execute(update(table).where(column == user_id).values({column.name: None}))
    if mode == "remove":
        for erase in registry.erasers():
            erase(user_id)
    db.session.expunge(user)
    db.session.execute(delete(users).where(users.c.id == user_id))
    record = ErasureRecord(user_id=user_id, mode=mode)
    db.session.add(record)
    audit.record("account", "account_deleted", by if by is not None and by.id != user_id
                 else None, "user", user_id, mode=mode)
    db.session.flush()
    return record


# --- the erasure log outside the database ----------------------------------------------

def erasure_log_path() -> Path:
    """``ERASURE_LOG``, or ``erasures.jsonl`` in the instance folder (which restores keep)."""
    configured = current_app.config["ERASURE_LOG"]
    return Path(configured) if configured else Path(current_app.instance_path) / "erasures.jsonl"


def append_to_erasure_log(record: ErasureRecord) -> None:
    """Keep the erasure outside the database too, so a restore can apply it again."""
    path = erasure_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"user_id": record.user_id, "mode": record.mode,
                       "erased_at": record.erased_at.isoformat()})
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read_erasure_log() -> list[dict]:
    """Every erasure in the log file, oldest first."""
    path = erasure_log_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def reapply_erasures(entries: list[dict]) -> list[int]:
    """Erase again every account in ``entries`` that a restore brought back."""
    erased = []
    for entry in entries:
        user = db.session.get(User, entry["user_id"])
        if user is None:
            known = db.session.scalar(
                select(ErasureRecord.id).where(ErasureRecord.user_id == entry["user_id"])
            )
            if known is None:
                db.session.add(ErasureRecord(user_id=entry["user_id"], mode=entry["mode"]))
            continue
        try:
            erase_account(user, entry["mode"], by=None)
            erased.append(entry["user_id"])
        except PrivacyError as error:
            log.warning("Could not re-apply the erasure of user %s: %s", entry["user_id"],
                        error)
    db.session.flush()
    return erased
