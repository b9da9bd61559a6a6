"""Accounts: registration, sign-in, profile, consent, password reset."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)

from dialogue.auth import views  # noqa: E402, F401
from dialogue.auth.cli import create_user  # noqa: E402
from dialogue.auth.sessions import init_sessions  # noqa: E402
from dialogue.auth.templating import init_templating  # noqa: E402
from dialogue.cli import dialogue_cli  # noqa: E402


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    init_sessions(app)
    init_templating(app)
    dialogue_cli.add_command(create_user)
