"""Evidence briefings: findings from content/, reactions, comments and PDFs."""

from flask import Blueprint

bp = Blueprint("briefings", __name__)

from dialogue.briefings import views  # noqa: E402, F401
