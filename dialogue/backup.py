"""``flask dialogue backup``, and the copying behind ``restore``: consistent copies of
the live database.

SQLite uses its online backup API, so a copy is consistent even while workers write.
PostgreSQL uses ``pg_dump --format=custom`` and ``pg_restore --clean``. The ``restore``
command is privacy's (``dialogue.privacy.restore``): a restore brings back accounts
erased after the backup was taken, and privacy applies those erasures again.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from dialogue.extensions import db


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


def restore_database(source: Path) -> None:
    """Replace the database with the backup at ``source`` (nothing else: see the module)."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
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


# The names backup_into_folder writes, and the only files retention ever deletes: an
# operator's own files in the folder (a copy kept by hand, a README) are never touched.
BACKUP_NAME = re.compile(r"dialogue-\d{8}T\d{6}Z\.(?:sqlite3|pgdump)")


def backup_into_folder(folder: Path, keep: int | None = None,
                       now: datetime | None = None) -> tuple[Path, list[Path]]:
    """A new dated backup in ``folder``; then only the newest ``keep`` dated backups stay.

    Returns the new backup and the old ones deleted. Old backups are deleted only after
    the new one was written, so a failing backup never leaves fewer copies than before.
    """
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1: the backup just made is kept.")
    folder = Path(folder)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if db.engine.dialect.name == "sqlite" else "pgdump"
    destination = folder / f"dialogue-{stamp}.{suffix}"
    if destination.exists():
        raise BackupError(f"{destination} already exists (two backups in one second?).")
    partial = destination.with_name(destination.name + ".partial")
    try:
        backup(partial)
        partial.replace(destination)  # a half-written file never carries a backup's name
    finally:
        partial.unlink(missing_ok=True)
    deleted: list[Path] = []
    if keep is not None:
        # The timestamp in the name sorts by age; modification times can be reset by a copy.
        dated = sorted(p for p in folder.iterdir()
                       if p.is_file() and BACKUP_NAME.fullmatch(p.name))
        for old in dated[:-keep]:
            old.unlink()
            deleted.append(old)
    return destination, deleted


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--keep", type=int, default=None,
              help="DESTINATION is a folder: keep only the newest KEEP dated backups in it.")
def backup_command(destination: Path, keep: int | None):
    """Write a consistent backup of the database to DESTINATION.

    DESTINATION is a file, or a folder (existing, or with --keep) that gets a dated
    dialogue-YYYYMMDDTHHMMSSZ file; with --keep only the newest KEEP of those stay.
    """
    try:
        if keep is not None or destination.is_dir():
            path, deleted = backup_into_folder(destination, keep)
        else:
            path, deleted = backup(destination), []
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {db.engine.dialect.name} database to {path}.")
    for old in deleted:
        click.echo(f"Deleted the old backup {old} (keeping {keep}).")
