"""Who is signed in: Flask-Login's user loader and its settings."""

from __future__ import annotations

from flask import Flask

from dialogue.auth.models import User
from dialogue.extensions import db, login_manager


def load_user(session_user_id: str) -> User | None:
    """Restore the user from ``"<id>:<session version>"``; an old version is refused."""
    user_id, _, version = session_user_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def init_sessions(app: Flask) -> None:
    """Flask-Login loads users through ``load_user`` and sends strangers to sign in."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
