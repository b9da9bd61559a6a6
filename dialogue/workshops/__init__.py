"""Live workshop polls: facilitators present, participants answer on their phones."""

from flask import Blueprint

from dialogue.charts import bar_chart
from dialogue.workshops.models import SCALE_LABELS

bp = Blueprint("workshops", __name__)
bp.add_app_template_global(bar_chart, "bar_chart")
bp.add_app_template_global(SCALE_LABELS, "SCALE_LABELS")

from dialogue.workshops import views  # noqa: E402, F401
