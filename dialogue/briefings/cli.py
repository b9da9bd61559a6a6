"""``flask dialogue content check|import``: the briefing content commands."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from dialogue.briefings import services
from dialogue.briefings.content import load_content
from dialogue.extensions import db
from dialogue.transactions import write_transaction

content_cli = AppGroup("content", help="Check and import the evidence briefings.")


@content_cli.command("check")
@click.option("--dir", "directory", default=None, help="Content folder (default CONTENT_DIR).")
def check(directory: str | None):
    """Validate every briefing file; print errors as file:line: message."""
    briefings, errors = load_content(directory or current_app.config["CONTENT_DIR"])
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise click.exceptions.Exit(1)
    findings = sum(len(b.findings) for b in briefings)
    figures = sum(len(f.figures) for b in briefings for f in b.findings)
    click.echo(f"OK: {len(briefings)} briefings, {findings} findings, {figures} key figures.")


@content_cli.command("import")
@click.option("--dir", "directory", default=None, help="Content folder (default CONTENT_DIR).")
@click.option("--pdf/--no-pdf", "build_pdfs", default=True,
              help="Build the PDFs of new and changed briefings now (default), so no web "
                   "request has to.")
def import_(directory: str | None, build_pdfs: bool):
    """Import the briefings (idempotent); print what was added, changed and retired."""
    try:
        with write_transaction():
            report = services.import_content(directory)
            db.session.commit()
    except services.ContentInvalid as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo("Nothing was imported.", err=True)
        raise click.exceptions.Exit(1) from None
    if report.unchanged:
        click.echo("No changes: the database already matches the content.")
    else:
        for label, items in (("added", report.added), ("changed", report.changed),
                             ("retired", report.retired)):
            click.echo(f"{len(items)} {label}")
            for item in items:
                click.echo(f"  {label}: {item}")
    if build_pdfs:
        _build_missing_pdfs()


def _build_missing_pdfs() -> None:
    """Build the cached PDF of every live briefing that does not have one yet."""
    built = 0
    for briefing in services.published_briefings():
        if not services.pdf_cache_path(briefing).is_file():
            started = time.perf_counter()
            services.briefing_pdf(briefing)
            built += 1
            click.echo(f"  PDF built: {briefing.slug} ({time.perf_counter() - started:.1f} s)")
    if built:
        click.echo(f"{built} PDF(s) built.")
