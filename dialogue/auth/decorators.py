"""View decorators that apply the named permission functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from dialogue.extensions import login_manager


def permission_required(check: Callable[[object], bool]):
    """Anonymous users are sent to sign in; signed-in users without permission get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
