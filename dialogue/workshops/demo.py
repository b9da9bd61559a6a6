"""Demo data for workshops: one past workshop run from the ready-made template."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from dialogue.discussion import services as posts
from dialogue.discussion.models import Post
from dialogue.extensions import db
from dialogue.workshops import participants as joining
from dialogue.workshops import publishing, services
from dialogue.workshops.models import Workshop, WorkshopState
from dialogue.workshops.template import TEMPLATE

DEMO_ANSWERS = [
    "More time for teachers to visit each other's classrooms across the trust",
    "Shared professional development between primary and secondary schools",
    "Less fear of Ofsted so that leaders can take risks together",
    "A local partnership that every school belongs to, not just the academies",
    "Fair admissions so that schools stop competing for the easiest pupils",
    "Funding for collaboration that lasts longer than one year",
    "Time for headteachers to support each other",
    "Clear local leadership now the local authority has stepped back",
]
DEMO_INTRO = ("Thank you to everyone who came. Here is what the room said, beside the "
              "national survey where we checked a finding. Tell us below what you make of it.")
ROLES = ["headteacher", "senior_leader", "teacher", "governor", None]
PHASES = ["primary", "secondary", "special", None]


def _answer_for(question, rng: random.Random, index: int) -> MultiDict:
    options = [option.id for option in question.options]
    if question.kind == "single":
        return MultiDict({"option": str(rng.choice(options))})
    if question.kind == "multiple":
        picks = rng.sample(options, k=min(question.max_choices or 2, len(options)))
        return MultiDict([("option", str(i)) for i in picks])
    if question.kind == "ranking":
        order = options[:]
        rng.shuffle(order)
        return MultiDict([("ranking", str(i)) for i in order])
    if question.kind == "open_text":
        return MultiDict({"text": DEMO_ANSWERS[index % len(DEMO_ANSWERS)]})
    # Scales lean towards agreement, as the survey did.
    return MultiDict({"value": str(rng.choices([1, 2, 3, 4, 5], [1, 2, 2, 5, 3])[0])})


def load_demo(people) -> list[str]:
    """Add this feature's demo data (idempotent); return lines describing what was added."""
    facilitator = people.by_role.get("facilitator")
    if facilitator is None:
        return []
    exists = db.session.scalar(select(Workshop).where(
        Workshop.owner_id == facilitator.id, Workshop.title == TEMPLATE["title"]))
    if exists is not None:
        return publish_demo_card(exists, facilitator)
    rng = random.Random(2018)  # the same demo every time
    locality = people.localities.get("locality-a")
    workshop = services.create_from_template(
        facilitator, date=dt.date.today(), locality_id=locality.id if locality else None)
    participants = [joining.join(workshop, user, education_role=None, phase=None)
                    for user in people.practitioners[:4]]
    participants += [joining.join(workshop, None, education_role=rng.choice(ROLES),
                                   phase=rng.choice(PHASES)) for _ in range(10)]
    for _question in workshop.questions:
        services.control(workshop, facilitator, "next")
        question = workshop.current_question
        for index, participant in enumerate(participants):
            if rng.random() < 0.9:  # a few people always miss a question
                joining.submit_response(question, participant,
                                         _answer_for(question, rng, index))
        if question.results_hidden:
            services.control(workshop, facilitator, "reveal")
    services.end_workshop(workshop, facilitator)
    workshop.date = dt.date.today() - dt.timedelta(days=14)  # run a fortnight ago
    db.session.flush()
    return [f"workshop '{workshop.title}' (code {workshop.code}) with "
            f"{len(participants)} participants", *publish_demo_card(workshop, facilitator)]


def publish_demo_card(workshop: Workshop, facilitator) -> list[str]:
    """Publish the past workshop's results card, so the demo shows the loop closed: its
    thread in Locality A, and the card on the findings it checked (idempotent)."""
    if workshop.state != WorkshopState.CLOSED or publishing.publish_refusal(
            workshop, publishing.card_for(workshop)) is not None:
        return []
    card = publishing.publish_card(workshop, facilitator, DEMO_INTRO)
    # The demo facilitator's account is new, so its post would wait for a moderator.
    opening = db.session.scalar(select(Post).where(Post.thread_id == card.thread_id))
    posts.publish_unreviewed(opening)
    return [f"results card of '{workshop.title}', published in its own thread"]
