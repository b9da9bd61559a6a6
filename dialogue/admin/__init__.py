"""Administration: users and their roles, and localities. Sits above the features
(adding a locality also opens its standing forum threads)."""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")

from dialogue.admin import views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
