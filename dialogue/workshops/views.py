"""Workshops views."""

from dialogue.workshops import bp


@bp.route("/join")
def join():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Join a workshop")


@bp.route("/workshops/")
def index():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Workshops")
