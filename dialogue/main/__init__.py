"""The home page, health check and the site's standing pages."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from dialogue.main import views  # noqa: E402, F401
