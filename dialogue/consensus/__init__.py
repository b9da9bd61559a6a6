"""Consensus maps: short statements, agree / disagree / pass, and the opinion groups."""

from flask import Blueprint, Flask

bp = Blueprint("consensus", __name__)

from dialogue.consensus import erasure, models, room_views, tasks, views  # noqa: E402, F401
from dialogue.page_sections import (  # noqa: E402
    moderation_queue_sections,
    workshop_console_sections,
    workshop_phone_sections,
    workshop_screen_sections,
)


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    erasure.register()
    moderation_queue_sections.connect(views.moderation_queue_section, app)
    workshop_console_sections.connect(room_views.console_section, app)
    workshop_screen_sections.connect(room_views.screen_section, app)
    workshop_phone_sections.connect(room_views.phone_section, app)
