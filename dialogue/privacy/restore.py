"""``flask dialogue restore``: a restore never brings an erased person back.

A backup holds accounts erased after it was taken. So a restore first gathers every
erasure known now (the erasure log file beside the database, ``instance/erasures.jsonl``
by default, which a restore never touches, and the records in the database about to be
replaced), then copies the backup in (``dialogue.backup``) and applies them all again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from dialogue.backup import BackupError, restore_database
from dialogue.extensions import db
from dialogue.privacy.models import ErasureRecord
from dialogue.privacy.services import read_erasure_log, reapply_erasures
from dialogue.transactions import write_transaction

log = logging.getLogger(__name__)


def erasures_to_keep() -> list[dict]:
    """Erasures known now: the log file and the database about to be replaced."""
    entries = {entry["user_id"]: entry for entry in read_erasure_log()}
    try:
        for record in db.session.scalars(select(ErasureRecord)):
            entries.setdefault(record.user_id, {"user_id": record.user_id, "mode": record.mode})
    except SQLAlchemyError as error:  # a damaged database is a reason to restore, not to stop
        log.warning("Could not read erasures from the current database: %s", error)
        db.session.rollback()
    return list(entries.values())


def restore(source: Path) -> list[int]:
    """Replace the database with the backup at ``source``, then re-apply erasures.

    Returns the ids of the accounts erased again.
    """
    if not Path(source).exists():
        raise BackupError(f"{source} does not exist.")
    erasures = erasures_to_keep()
    restore_database(source)
    with write_transaction():
        erased = reapply_erasures(erasures)
        db.session.commit()
    return erased


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
