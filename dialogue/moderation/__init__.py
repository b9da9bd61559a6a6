"""Moderation, on top of discussion: a post's own pages and actions, the queue, the
decisions made from it, suspensions and the moderation log."""

from flask import Blueprint, Flask

bp = Blueprint("moderation", __name__)

from dialogue.discussion.queue import flag_label  # noqa: E402
from dialogue.moderation import log_views, post_views, queue_views, subscribers  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    app.add_template_global(flag_label)
    subscribers.connect(app)
