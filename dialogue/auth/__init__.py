"""Accounts: registration, sign-in, profile, consent, password reset; and admin pages."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from dialogue.auth import admin_views, views  # noqa: E402, F401
