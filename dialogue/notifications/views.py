"""The notifications page and marking notifications as read."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dialogue.extensions import db, htmx
from dialogue.notifications import bp
from dialogue.notifications import services as notifications


@bp.route("/notifications")
@login_required
def index():
    """This user's notifications, newest first, unread ones marked."""
    page = notifications.notifications_for(current_user, request.args.get("page", 1, type=int))
    return render_template("notifications/page.html", page=page)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    """Mark one notification (``id``) or all of them as read."""
    raw = request.form.get("id", "")
    count = notifications.mark_read(current_user, int(raw) if raw.isdigit() else None)
    db.session.commit()
    if htmx:
        page = notifications.notifications_for(current_user,
                                               request.args.get("page", 1, type=int))
        return render_template("notifications/_list.html", page=page,
                               message=f"Marked {count} as read.")
    flash("Marked as read." if count else "There was nothing unread.", "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def unread_notifications():
    """``unread_notifications()`` for the header badge (queried only when used)."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return notifications.unread_count(current_user)

    return {"unread_notifications": count}
