"""Moderation shared by forums and finding comments: posts, flags, queue, audit."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from dialogue.moderation import views  # noqa: E402, F401
