"""``flask dialogue ...``: the group every command joins, and the core's own commands.

Features add theirs to ``dialogue_cli`` in their ``init_app`` (auth: ``create-user``,
briefings: ``content``, privacy: ``restore``); ``create_app`` adds ``demo``.
"""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from dialogue.backup import backup_command
from dialogue.config_check import check_configuration
from dialogue.extensions import db
from dialogue.jobs import get_huey
from dialogue.localities import ensure_default_localities

dialogue_cli = AppGroup("dialogue", help="Dialogue's own commands.")
dialogue_cli.add_command(backup_command)


@dialogue_cli.command("localities")
def ensure_localities():
    """Create the default localities if they are missing."""
    created = ensure_default_localities()
    db.session.commit()
    click.echo(f"{len(created)} locality(ies) created.")


@dialogue_cli.command("check-config")
def check_config():
    """Say what is wrong with this configuration; exit 1 on a problem (warnings pass).

    systemd's ExecStartPre and the container run it before serving anyone.
    """
    report = check_configuration(current_app.config)
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo(f"configuration ok ({current_app.config['ENV_NAME']}, "
               f"{len(report.warnings)} warning(s))")


@dialogue_cli.command("worker")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Worker threads (PDF renders run in their own niced child process).")
def worker(workers: int):
    """Run the background job worker (Huey: SQLite queue by default, Redis if REDIS_URL)."""
    # Huey reports each job's start, finish and any error through logging.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one line per page otherwise
    consumer = get_huey(current_app._get_current_object()).create_consumer(
        workers=workers, worker_type="thread")
    consumer.run()
