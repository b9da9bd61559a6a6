"""Briefing forms: reactions to findings and comments on them."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from dialogue.briefings.models import REACTION_LABELS
from dialogue.forms import choices
from dialogue.moderation.forms import body_field


class ReactionForm(FlaskForm):
    """Does this finding match your experience? (one button per answer)"""

    answer = RadioField(
        "Does this match your experience?",
        choices=choices((answer.value, label) for answer, label in REACTION_LABELS.items()),
        validators=[InputRequired(message="Choose whether this matches your experience")],
    )


class CommentForm(FlaskForm):
    """A comment on a finding, or a reply to one."""

    body = body_field("Your comment")
    parent_id = HiddenField(filters=[lambda v: int(v) if v and str(v).isdigit() else None])
