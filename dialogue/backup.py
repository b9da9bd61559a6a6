"""``flask dialogue backup`` / ``restore``: consistent copies of the live database.

SQLite uses its online backup API, so a copy is consistent even while workers write.
PostgreSQL uses ``pg_dump --format=custom`` and ``pg_restore --clean``. A restore
brings back accounts erased after the backup was taken, so it then applies every
erasure again: those recorded in the database it replaces and those in the erasure
log file beside it (``instance/erasures.jsonl``), which a restore never touches.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.engine import make_url

from dialogue.extensions import db

log = logging.getLogger(__name__)


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with the reason."""


def _sqlite_path() -> Path:
    database = make_url(db.engine.url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _pg_command(tool: str) -> tuple[list[str], dict[str, str]]:
    """The tool with connection options, and an environment carrying the password."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client).")
    url = make_url(db.engine.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where ps would show it
    args = [executable, "--no-owner", "--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args, env


def backup(destination: Path) -> Path:
    """Write a consistent copy of the database to ``destination``."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif dialect == "postgresql":
        args, env = _pg_command("pg_dump")
        result = subprocess.run([*args, "--format=custom", "--file", str(destination)],  # noqa: S603
                                env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"No backup method for {dialect}.")
    return destination


def _erasures_to_keep() -> list[dict]:
    """Erasures known now: the log file and the database about to be replaced."""
    from dialogue.privacy.models import ErasureRecord
    from dialogue.privacy.services import read_erasure_log

    entries = {entry["user_id"]: entry for entry in read_erasure_log()}
    try:
        for record in db.session.scalars(select(ErasureRecord)):
            entries.setdefault(record.user_id, {"user_id": record.user_id, "mode": record.mode})
    except Exception as error:  # a damaged database is a reason to restore, not to stop
        log.warning("Could not read erasures from the current database: %s", error)
        db.session.rollback()
    return list(entries.values())


def restore(source: Path) -> list[int]:
    """Replace the database with the backup at ``source``, then re-apply erasures.

    Returns the ids of the accounts erased again.
    """
    from dialogue.privacy.services import reapply_erasures

    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    erasures = _erasures_to_keep()
    db.session.remove()
    db.engine.dispose()
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif dialect == "postgresql":
        args, env = _pg_command("pg_restore")
        result = subprocess.run([*args, "--clean", "--if-exists", "--single-transaction",  # noqa: S603
                                 str(source)], env=env, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"No restore method for {dialect}.")
    from dialogue.db import write_transaction

    with write_transaction():
        erased = reapply_erasures(erasures)
        db.session.commit()
    return erased


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(destination: Path):
    """Write a consistent backup of the database to DESTINATION."""
    try:
        path = backup(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {db.engine.dialect.name} database to {path}.")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool):
    """Replace the database with the backup in SOURCE and re-apply later erasures."""
    if not yes:
        click.confirm(f"Replace the current database with {source}?", abort=True)
    try:
        erased = restore(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {source}. Erasures applied again: {len(erased)}.")
