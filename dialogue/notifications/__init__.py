"""In-app notifications (and email when configured)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from dialogue.notifications import views  # noqa: E402, F401
