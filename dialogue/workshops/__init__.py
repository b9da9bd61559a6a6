"""Live workshop polls: facilitators present, participants answer on their phones."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)

from dialogue.workshops import views  # noqa: E402, F401
