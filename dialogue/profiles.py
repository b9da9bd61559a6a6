"""The profile a practitioner gives: their role in education, their school's phase and type.

Core vocabulary, below every feature: accounts store it, and every contribution
(reaction, post, workshop answer) keeps a snapshot of it through ``ProfileSnapshot``.
"""

from __future__ import annotations

import enum


class EducationRole(enum.StrEnum):
    HEADTEACHER = "headteacher"
    SENIOR_LEADER = "senior_leader"
    TEACHER = "teacher"
    GOVERNOR = "governor"
    TRUST_OR_LA_OFFICER = "trust_or_la_officer"
    RESEARCHER = "researcher"
    OTHER = "other"


class Phase(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"
    ALL_THROUGH = "all_through"
    OTHER = "other"


class SchoolType(enum.StrEnum):
    MAINTAINED = "maintained"
    STANDALONE_ACADEMY = "standalone_academy"
    MAT_ACADEMY = "mat_academy"
    FREE_SCHOOL = "free_school"
    INDEPENDENT = "independent"
    OTHER = "other"


EDUCATION_ROLE_LABELS = {
    EducationRole.HEADTEACHER: "Headteacher",
    EducationRole.SENIOR_LEADER: "Senior leader",
    EducationRole.TEACHER: "Teacher",
    EducationRole.GOVERNOR: "Governor or trustee",
    EducationRole.TRUST_OR_LA_OFFICER: "Trust or local authority officer",
    EducationRole.RESEARCHER: "Researcher",
    EducationRole.OTHER: "Other",
}
PHASE_LABELS = {
    Phase.PRIMARY: "Primary",
    Phase.SECONDARY: "Secondary",
    Phase.SPECIAL: "Special",
    Phase.ALL_THROUGH: "All-through",
    Phase.OTHER: "Other",
}
SCHOOL_TYPE_LABELS = {
    SchoolType.MAINTAINED: "Maintained school",
    SchoolType.STANDALONE_ACADEMY: "Standalone academy",
    SchoolType.MAT_ACADEMY: "Academy in a multi-academy trust",
    SchoolType.FREE_SCHOOL: "Free school",
    SchoolType.INDEPENDENT: "Independent school",
    SchoolType.OTHER: "Other",
}
