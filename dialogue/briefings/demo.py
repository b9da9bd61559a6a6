"""Demo data for briefings: the content itself, and a few reactions."""

from __future__ import annotations

from sqlalchemy import select

from dialogue.briefings import services
from dialogue.briefings.models import Briefing, Finding, Reaction, ReactionAnswer
from dialogue.extensions import db


def load_demo(people) -> list[str]:
    """Import the briefings (idempotent) and add demo reactions that are missing."""
    report = services.import_content()
    added = [f"briefings: {item}" for item in report.added]
    # Evidence only: a methods statement (the overview's) takes no reactions.
    findings = db.session.scalars(
        select(Finding).join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.retired_at.is_(None), Briefing.kind != "methods")
        .order_by(Finding.id).limit(8)
    ).all()
    answers = list(ReactionAnswer)
    existing = set(db.session.execute(select(Reaction.finding_id, Reaction.user_id)).all())
    count = 0
    for i, finding in enumerate(findings):
        for j, person in enumerate(people.practitioners[: 3 + i % 5]):
            if (finding.id, person.id) not in existing:
                services.react(finding, person, answers[(i + j) % 3 if j % 4 else 0])
                count += 1
    if count:
        added.append(f"{count} reaction(s) to findings")
    return added
