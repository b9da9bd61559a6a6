"""Forums views."""

from dialogue.forums import bp


@bp.route("/localities/")
def index():
    """Placeholder until the feature lands."""
    from flask import render_template

    return render_template("placeholder/page.html", title="Locality forums")
