"""Access rows for briefings, findings, reactions, PDFs and search."""

from dialogue.briefings import services
from dialogue.briefings.models import Briefing, Finding
from dialogue.extensions import db
from tests.access import EVERYONE, SIGNED_IN, Route, World


def setup(world: World) -> None:
    from pathlib import Path


    content = Path(__file__).resolve().parents[2] / "content" / "briefings"
    services.import_content(content)
    db.session.flush()
    # A finding that takes reactions (the overview's are methods statements).
    world.finding = db.session.scalar(
        db.select(Finding).join(Briefing).where(Briefing.kind != "methods")
        .order_by(Finding.id))
    # The smallest briefing keeps the PDF row quick.
    world.briefing = db.session.scalar(db.select(Briefing).where(Briefing.slug == "glossary"))


ROUTES = [
    Route("briefings.index", "GET", "/briefings/", EVERYONE),
    Route("briefings.show", "GET", lambda w: f"/briefings/{w.briefing.slug}", EVERYONE),
    Route("briefings.pdf", "GET", lambda w: f"/briefings/{w.briefing.slug}.pdf", EVERYONE),
    Route("briefings.finding", "GET", lambda w: f"/findings/{w.finding.key}", EVERYONE),
    Route("briefings.react", "POST", lambda w: f"/findings/{w.finding.key}/reaction",
          SIGNED_IN, data={"answer": "partly"}),
    Route("search.search", "GET", "/search?q=academy", EVERYONE),
]
