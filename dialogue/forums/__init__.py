"""Locality forums: threads and posts, one space per locality."""

from flask import Blueprint, Flask

bp = Blueprint("forums", __name__)

from dialogue.discussion import contexts  # noqa: E402
from dialogue.forums import erasure, subscribers, views  # noqa: E402, F401
from dialogue.forums.post_context import THREAD_POSTS  # noqa: E402


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    contexts.register(THREAD_POSTS)
    subscribers.connect(app)
    erasure.register()
