"""The demo data set: one account per role, practitioners spread across profiles, and
each feature's own demo content. Loaded only on request; running it twice changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogue.auth import services as accounts
from dialogue.auth.models import EducationRole, Phase, Role, SchoolType, User
from dialogue.extensions import db
from dialogue.localities import Locality, ensure_default_localities

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
    from dialogue.briefings import demo as briefings_demo
    from dialogue.forums import demo as forums_demo
    from dialogue.reports import demo as reports_demo
    from dialogue.workshops import demo as workshops_demo

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
    for feature in (briefings_demo, forums_demo, workshops_demo, reports_demo):
        added += feature.load_demo(people)
    if contributions:
        added += reports_demo.generate_contributions(people, contributions)
    return added
