"""Notifications views."""

from dialogue.notifications import bp


@bp.route("/notifications")
def index():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Notifications")
