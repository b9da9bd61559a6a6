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
from dialogue.request_figures import AccessLineFormatter

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


@dialogue_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep it loopback unless a proxy is in front.")
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--threads", type=int, default=8, show_default=True,
              help="Threads running requests (reading and writing need none).")
def serve(host: str, port: int, threads: int):
    """Serve the site with no proxy in front: the embedded default ``make run`` starts.

    waitress reads each request whole on its own I/O loop before a thread sees it, and
    buffers each response, so idle or byte-a-second connections hold no thread. A
    gunicorn sync or gthread worker is held by them: with no proxy, two idle browser
    connections stopped two sync workers (docs/deployment.md, "Slow and idle clients").
    One process; production runs gunicorn's workers behind nginx (``deploy/``).
    """
    # Imported here: only this command needs the server, and web workers never run it.
    from waitress import serve as waitress_serve

    app = current_app._get_current_object()
    handler = logging.StreamHandler()
    handler.setFormatter(AccessLineFormatter())
    for name in ("dialogue.request", "waitress"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    waitress_serve(
        app, host=host, port=port, threads=threads,
        # Idle connections cost a socket each, not a thread: allow a room of phones and
        # a few hundred held connections, and close the idle ones after 30 s.
        connection_limit=1000, channel_timeout=30,
        # Refuse bodies over the app's own limit before they are read into a file.
        max_request_body_size=app.config.get("MAX_CONTENT_LENGTH") or 2 * 1024 * 1024,
        ident="Dialogue")
