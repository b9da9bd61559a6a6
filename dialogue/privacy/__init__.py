"""Data protection: download your own data, delete your account, and restores that keep
erasures. Features tell it what they own through ``dialogue.auth.erasure``."""

from flask import Blueprint, Flask

bp = Blueprint("privacy", __name__)

from dialogue.cli import dialogue_cli  # noqa: E402
from dialogue.privacy import views  # noqa: E402, F401
from dialogue.privacy.restore import restore_command  # noqa: E402


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    dialogue_cli.add_command(restore_command)
