"""Accounts: registration, sign-in, profile, consent, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from dialogue.auth import views  # noqa: E402, F401
