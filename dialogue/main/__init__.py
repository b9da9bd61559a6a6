"""The home page, health check and the site's standing pages."""

from flask import Blueprint, Flask

bp = Blueprint("main", __name__)

from dialogue.main import views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
