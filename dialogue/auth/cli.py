"""``flask dialogue create-user``: accounts made from the command line."""

from __future__ import annotations

import click

from dialogue.auth import services as accounts
from dialogue.auth.models import Role
from dialogue.extensions import db


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None, help="Display name (default: from email).")
# "practitioner" is accepted and needs no grant: every account is one.
@click.option("--role", "roles", multiple=True,
              type=click.Choice(["practitioner", *(role.value for role in Role)]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, display_name: str | None, roles: tuple[str, ...], password: str):
    """Create an account (or add roles to an existing one)."""
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
