"""Moderation views."""

from dialogue.moderation import bp


@bp.route("/moderation/")
def queue():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Moderation")
