"""Reports views."""

from dialogue.reports import bp


@bp.route("/research/")
def dashboard():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Research")
