"""Site search: one index over every kind of content, and the /search page.

Features keep their own entries current through ``dialogue.search.index``
(``index_document`` / ``remove_document``); this package only serves the page.
"""

from flask import Blueprint, Flask

bp = Blueprint("search", __name__)

from dialogue.search import views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register everything this feature adds to the application."""
    app.register_blueprint(bp)
