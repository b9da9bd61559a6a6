"""Research synthesis: dashboard, coding, exports, PDF summaries and the API."""

from flask import Blueprint, Flask

bp = Blueprint("reports", __name__)

from dialogue.reports import views  # noqa: E402, F401
from dialogue.reports.api import api_bp  # noqa: E402

# Nested, so the factory registers one blueprint: endpoints are "reports.api.*".
bp.register_blueprint(api_bp)


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
