"""Briefings views."""

from dialogue.briefings import bp


@bp.route("/briefings/")
def index():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Evidence briefings")


@bp.route("/search")
def search():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Search")
