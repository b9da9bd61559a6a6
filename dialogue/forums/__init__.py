"""Locality forums: threads and posts, one space per locality."""

from flask import Blueprint

bp = Blueprint("forums", __name__)

from dialogue.forums import views  # noqa: E402, F401
