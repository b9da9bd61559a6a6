"""Words for the raw values contributions carry: pages show these, files keep the values."""

from __future__ import annotations

from datetime import datetime

from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS
from dialogue.reports.analysis import ANSWER_LABELS

ROLE_WORDS = {role.value: label for role, label in EDUCATION_ROLE_LABELS.items()}
PHASE_WORDS = {phase.value: label for phase, label in PHASE_LABELS.items()}
SCHOOL_TYPE_WORDS = {kind.value: label for kind, label in SCHOOL_TYPE_LABELS.items()}


def readable(row: dict) -> dict:
    """A contribution row (as ``exports.contribution_rows`` gives it) with words to show:
    ``role``, ``phase_label``, ``school_type_label``, ``answer_label`` and ``created``."""
    return {
        **row,
        "role": ROLE_WORDS.get(row["education_role"], row["education_role"]),
        "phase_label": PHASE_WORDS.get(row["phase"], row["phase"]),
        "school_type_label": SCHOOL_TYPE_WORDS.get(row["school_type"], row["school_type"]),
        # Reactions carry a code word; workshop answers are already an option's words.
        "answer_label": ANSWER_LABELS.get(row["answer"], row["answer"]),
        "created": datetime.fromisoformat(row["created_at"]) if row["created_at"] else None,
    }
