"""``flask dialogue demo``: one account per role, practitioners spread across profiles,
and each feature's own demo content. Loaded only on request; running it twice changes
nothing.

Like ``create_app``, this module sits above every feature: it is the one place that
asks each of them for its demo content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext

from dialogue.auth import services as accounts
from dialogue.auth.models import Role, User
from dialogue.briefings import demo as briefings_demo
from dialogue.consensus import demo as consensus_demo
from dialogue.extensions import db
from dialogue.forums import demo as forums_demo
from dialogue.localities import Locality, ensure_default_localities
from dialogue.loop import demo as loop_demo
from dialogue.notifications.services import without_email
from dialogue.profiles import EducationRole, Phase, SchoolType
from dialogue.reports import demo as reports_demo
from dialogue.workshops import demo as workshops_demo

DEMO_PASSWORD = "dialogue-demo"  # noqa: S105 - documented demo credential

# email, display name, roles, education role, phase, school type, locality slug
DEMO_ACCOUNTS = [
    ("admin@dialogue.example.org", "Ada Admin", [Role.ADMIN], EducationRole.OTHER, None, None,
     "national"),
    ("researcher@dialogue.example.org", "Rhea Researcher", [Role.RESEARCHER],
     EducationRole.RESEARCHER, None, None, "national"),
    ("facilitator@dialogue.example.org", "Femi Facilitator", [Role.FACILITATOR],
     EducationRole.TRUST_OR_LA_OFFICER, None, None, "locality-a"),
    ("moderator@dialogue.example.org", "Mo Moderator", [Role.MODERATOR], EducationRole.OTHER,
     None, None, "national"),
    ("practitioner@dialogue.example.org", "Priya Practitioner", [], EducationRole.HEADTEACHER,
     Phase.SECONDARY, SchoolType.MAT_ACADEMY, "locality-b"),
]

# Further practitioners so that breakdowns by phase, school type and locality have data.
DEMO_PRACTITIONERS = [
    ("Sam", EducationRole.HEADTEACHER, Phase.PRIMARY, SchoolType.MAINTAINED, "locality-a"),
    ("Jo", EducationRole.TEACHER, Phase.SECONDARY, SchoolType.STANDALONE_ACADEMY, "locality-a"),
    ("Alex", EducationRole.SENIOR_LEADER, Phase.PRIMARY, SchoolType.MAT_ACADEMY, "locality-b"),
    ("Chris", EducationRole.GOVERNOR, Phase.SPECIAL, SchoolType.MAINTAINED, "locality-b"),
    ("Nia", EducationRole.HEADTEACHER, Phase.SECONDARY, SchoolType.FREE_SCHOOL, "locality-c"),
    ("Tom", EducationRole.TEACHER, Phase.ALL_THROUGH, SchoolType.MAT_ACADEMY, "locality-c"),
    ("Ruth", EducationRole.TRUST_OR_LA_OFFICER, Phase.OTHER, SchoolType.OTHER, "locality-d"),
    ("Dev", EducationRole.SENIOR_LEADER, Phase.SECONDARY, SchoolType.MAINTAINED, "locality-d"),
    ("Ola", EducationRole.HEADTEACHER, Phase.PRIMARY, SchoolType.STANDALONE_ACADEMY,
     "locality-d"),
    ("Kim", EducationRole.TEACHER, Phase.PRIMARY, SchoolType.MAT_ACADEMY, "national"),
]


@dataclass
class DemoPeople:
    """The demo accounts, handed to each feature's ``load_demo``."""

    by_role: dict[str, User] = field(default_factory=dict)
    practitioners: list[User] = field(default_factory=list)
    localities: dict[str, Locality] = field(default_factory=dict)


def _ensure_user(email, name, roles, education_role, phase, school_type, locality, people_log):
    """The demo account with this email, created if missing, with ``roles`` granted."""
    user = accounts.find_user_by_email(email)
    if user is None:
        user = accounts.register_user(
            email=email, display_name=name, password=DEMO_PASSWORD, research_consent=True,
            education_role=education_role, phase=phase, school_type=school_type,
            locality_id=locality.id if locality else None,
        )
        people_log.append(f"account {email}")
    for role in roles:
        accounts.grant_role(user, role, by=None)
    return user


def load_demo(contributions: int = 0) -> list[str]:
    """Create the demo data that is missing; return what was added."""
    added: list[str] = [f"locality {loc.name}" for loc in ensure_default_localities()]
    people = DemoPeople()
    people.localities = {loc.slug: loc for loc in db.session.scalars(db.select(Locality))}
    for email, name, roles, education_role, phase, school_type, slug in DEMO_ACCOUNTS:
        user = _ensure_user(email, name, roles, education_role, phase, school_type,
                            people.localities.get(slug), added)
        people.by_role[roles[0].value if roles else "practitioner"] = user
    for name, education_role, phase, school_type, slug in DEMO_PRACTITIONERS:
        email = f"{name.lower()}@dialogue.example.org"
        people.practitioners.append(
            _ensure_user(email, f"{name} (demo)", [], education_role, phase, school_type,
                         people.localities.get(slug), added)
        )
    db.session.flush()
    # The demo's replies, responses and results card notify the demo accounts in the app
    # only: mailing each of them would fill the first `make run`'s outbox (and log) with
    # messages about things nobody did.
    with without_email():
        for feature in (briefings_demo, forums_demo, workshops_demo, reports_demo, loop_demo):
            added += feature.load_demo(people)
        # One finished locality conversation whose votes show two opinion groups (issue 18).
        added += consensus_demo.seed_demo_conversation(people.by_role["facilitator"])
        if contributions:
            added += reports_demo.generate_contributions(people, contributions)
    return added


@click.command("demo")
@with_appcontext
@click.option("--contributions", type=int, default=0,
              help="Also generate N synthetic contributions (for benchmarks).")
def demo_command(contributions: int):
    """Load the demo data set (idempotent) and print the demo logins."""
    # Demo content builds links (search entries, notifications): give url_for a request.
    with current_app.test_request_context("/"):
        added = load_demo(contributions=contributions)
    db.session.commit()
    click.echo(f"Demo data: {len(added)} item(s) added." if added else
               "Demo data already present; nothing added.")
    for line in added[:40]:
        click.echo(f"  + {line}")
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, roles, *_rest in DEMO_ACCOUNTS:
        click.echo(f"  {(roles[0].value if roles else 'practitioner'):<13} {email}")
