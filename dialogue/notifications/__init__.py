"""In-app notifications and the email that tells people about them."""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__)

from dialogue.notifications import tasks, views  # noqa: E402, F401
from dialogue.notifications.badge import unread_badge  # noqa: E402


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
    app.context_processor(unread_badge)
    # The profile page shows the email choice from here (auth does not import us).
    app.add_template_global(views.email_choice_form)
