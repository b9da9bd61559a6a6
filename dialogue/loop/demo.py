"""Demo data: one published "We did" response per briefing theme, so a newcomer sees the
loop closed. Written by the demo researcher, published by the demo admin (the review
rule holds in the demo too). No figures: the briefings carry the evidence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dialogue.briefings.models import Briefing
from dialogue.extensions import db
from dialogue.loop import services
from dialogue.loop.models import LoopResponse

# (briefing slug, title, text): one per theme of the study's briefings.
RESPONSES = [
    ("overview", "How we are using what you told us about the study",
     "Several of you asked how a study of four anonymised localities can speak to your "
     "own area. We have added a short note on method to the next round of workshops, and "
     "each finding now says where its evidence comes from, so you can judge how far it "
     "travels."),
    ("hierarchy", "Inspection and the middle tier: what we are taking forward",
     "Many comments said that the inspection framework still decides what schools "
     "prioritise, and that oversight of maintained schools has become unclear. We have "
     "made *who holds schools to account locally* a standing question in every "
     "locality's space, and we will bring what you say there to the next workshop on "
     "the middle tier."),
    ("markets", "Competition for pupils: your experience beside the survey",
     "In the survey, competition for pupils was felt far more keenly in secondary than "
     "in primary schools, and your comments raised the same difference. We are now "
     "asking primary and secondary colleagues separately in workshops, so that the "
     "picture for each phase is not lost in an average."),
    ("networks", "Partnerships: what works, and who is left out",
     "You told us that partnerships often depend on a few headteachers who trust each "
     "other, and that some schools are outside every network. Our next workshops will "
     "ask which schools are missing from local partnerships and why."),
    ("mats-and-outcomes", "Multi-academy trusts: reading the outcomes evidence",
     "Some of you read the outcomes findings as a verdict on all trusts. The analysis "
     "found important differences between trusts of different sizes, so our workshops "
     "on trusts now start from that difference rather than from one answer to whether "
     "trusts make a difference."),
    ("conclusions", "Coercive autonomy: the four themes we will return to",
     "The discussion of the conclusions kept coming back to knowledge, fragmentation, "
     "equity and legitimacy. We will organise the next round of locality discussions "
     "around these four themes, and report back here on what each locality says."),
]


def load_demo(people) -> list[str]:
    """Add the demo responses that are missing (matched by title), published."""
    author, reviewer = people.by_role.get("researcher"), people.by_role.get("admin")
    if author is None or reviewer is None:
        return []
    existing = set(db.session.scalars(select(LoopResponse.title)))
    added = 0
    for slug, title, body in RESPONSES:
        briefing = db.session.scalar(select(Briefing).where(Briefing.slug == slug))
        if briefing is None or briefing.is_retired or title in existing:
            continue
        response = services.create_response(author, services.Target(briefing), title, body)
        services.publish_response(reviewer, response, dt.date.today())
        added += 1
    return [f"{added} published response(s) to briefings"] if added else []
