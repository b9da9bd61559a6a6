"""``flask dialogue ...``: the commands operators and developers use."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from dialogue.extensions import db

dialogue_cli = AppGroup("dialogue", help="Dialogue's own commands.")


@dialogue_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None, help="Display name (default: from email).")
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["practitioner", "facilitator", "moderator", "researcher",
                                 "admin"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, display_name: str | None, roles: tuple[str, ...], password: str):
    """Create an account (or add roles to an existing one)."""
    from dialogue.auth import services as accounts
    from dialogue.auth.models import Role

    user = accounts.find_user_by_email(email)
    if user is None:
        user = accounts.register_user(
            email=email, display_name=display_name or email.split("@")[0], password=password,
            research_consent=False,
        )
        click.echo(f"Created {user.email}.")
    for role in roles:
        if role != "practitioner" and accounts.grant_role(user, Role(role), by=None):
            click.echo(f"Granted {role}.")
    db.session.commit()


@dialogue_cli.command("demo")
@click.option("--contributions", type=int, default=0,
              help="Also generate N synthetic contributions (for benchmarks).")
def demo(contributions: int):
    """Load the demo data set (idempotent) and print the demo logins."""
    from dialogue.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    # Demo content builds links (search entries, notifications): give url_for a request.
    with current_app.test_request_context("/"):
        added = load_demo(contributions=contributions)
    db.session.commit()
    click.echo(f"Demo data: {len(added)} item(s) added." if added else
               "Demo data already present; nothing added.")
    for line in added[:40]:
        click.echo(f"  + {line}")
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, roles, *_rest in DEMO_ACCOUNTS:
        click.echo(f"  {(roles[0].value if roles else 'practitioner'):<13} {email}")


@dialogue_cli.command("localities")
def ensure_localities():
    """Create the default localities if they are missing."""
    from dialogue.localities import ensure_default_localities

    created = ensure_default_localities()
    db.session.commit()
    click.echo(f"{len(created)} locality(ies) created.")


@dialogue_cli.command("worker")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Worker threads (PDF renders run in their own niced child process).")
def worker(workers: int):
    """Run the background job worker (Huey: SQLite queue by default, Redis if REDIS_URL)."""
    import logging

    from flask import current_app

    from dialogue.jobs import get_huey

    # Huey reports each job's start, finish and any error through logging.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one line per page otherwise
    consumer = get_huey(current_app._get_current_object()).create_consumer(
        workers=workers, worker_type="thread")
    consumer.run()


from dialogue.briefings.cli import content_cli  # noqa: E402  (the feature owns its commands)

dialogue_cli.add_command(content_cli)

from dialogue.backup import backup_command, restore_command  # noqa: E402

dialogue_cli.add_command(backup_command)
dialogue_cli.add_command(restore_command)
