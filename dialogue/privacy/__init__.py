"""Data protection: download your own data, delete your account."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from dialogue.privacy import views  # noqa: E402, F401
