"""Evidence briefings: findings from content/, reactions, comments and PDFs."""

from flask import Blueprint, Flask

bp = Blueprint("briefings", __name__)

from dialogue.briefings import erasure, views  # noqa: E402, F401
from dialogue.briefings.cli import content_cli  # noqa: E402
from dialogue.briefings.post_context import FINDING_COMMENTS, finding_cards  # noqa: E402
from dialogue.cli import dialogue_cli  # noqa: E402
from dialogue.discussion import contexts  # noqa: E402


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    contexts.register(FINDING_COMMENTS)
    contexts.register_cards("linked findings", finding_cards)
    dialogue_cli.add_command(content_cli)
    erasure.register()
