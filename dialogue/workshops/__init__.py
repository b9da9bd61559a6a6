"""Live workshop polls: facilitators present, participants answer on their phones."""

from flask import Blueprint, Flask

from dialogue import page_sections
from dialogue.charts import bar_chart, data_table, labels_cut
from dialogue.workshops.models import SCALE_LABELS
from dialogue.workshops.poll_shortcut import LivePollShortcut

bp = Blueprint("workshops", __name__)
bp.add_app_template_global(bar_chart, "bar_chart")
bp.add_app_template_global(data_table, "data_table")
bp.add_app_template_global(labels_cut, "labels_cut")
bp.add_app_template_global(SCALE_LABELS, "SCALE_LABELS")

# The views register their routes on ``bp``, so they are imported once it exists.
from dialogue.workshops import erasure, views  # noqa: E402, F401
from dialogue.workshops.finding_section import finding_results_cards  # noqa: E402


def init_app(app: Flask) -> None:
    """Register the blueprint and erasure, show published results cards on the findings
    they checked, and answer unchanged polls before Flask does.

    The shortcut wraps whatever ``app.wsgi_app`` is by now: ``create_app`` has already
    applied ProxyFix in ``configure``, so the shortcut stays the outermost layer."""
    app.register_blueprint(bp)
    erasure.register()
    page_sections.you_said_workshops.connect(finding_results_cards, app)
    app.wsgi_app = LivePollShortcut(app.wsgi_app, app)
