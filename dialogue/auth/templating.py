"""What templates may ask about accounts: ``can(...)`` and the role labels."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from dialogue.auth import permissions
from dialogue.auth.models import ROLE_LABELS


def can(name: str, *args) -> bool:
    """``{% if can('research') %}``: the permission functions, for templates."""
    check = getattr(permissions, f"can_{name}", None) or permissions.PERMISSIONS[name]
    return check(current_user, *args)


def init_templating(app: Flask) -> None:
    """Make ``can`` and ``ROLE_LABELS`` available to every template."""
    app.jinja_env.globals.update(can=can, ROLE_LABELS=ROLE_LABELS)
