"""Closing the loop with practitioners: "You said" on every finding (what people said,
with the research outputs' own consent and suppression rules) and "We did" (the research
team's reviewed responses, on the finding and briefing pages, in the briefing PDF and on
``/you-said-we-did``)."""

from flask import Blueprint, Flask

bp = Blueprint("loop", __name__)

from dialogue import page_sections  # noqa: E402
from dialogue.loop import sections, views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register the blueprint and the sections this feature adds to briefings' pages."""
    app.register_blueprint(bp)
    page_sections.finding_sections.connect(sections.finding_section, app)
    page_sections.briefing_sections.connect(sections.briefing_section, app)
    page_sections.briefing_pdf_sections.connect(sections.pdf_section, app)
