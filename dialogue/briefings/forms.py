"""Briefing forms."""

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from dialogue.briefings.models import REACTION_LABELS
from dialogue.forms import choices


class ReactionForm(FlaskForm):
    """Does this finding match your experience? (one button per answer)"""

    answer = RadioField(
        "Does this match your experience?",
        choices=choices((answer.value, label) for answer, label in REACTION_LABELS.items()),
        validators=[InputRequired(message="Choose whether this matches your experience")],
    )
