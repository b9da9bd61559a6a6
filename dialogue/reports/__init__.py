"""Research synthesis: dashboard, coding, exports, PDF summaries and the API."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from dialogue.reports import views  # noqa: E402, F401
