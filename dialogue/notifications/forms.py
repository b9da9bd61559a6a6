"""The email choice."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from dialogue.forms import choices
from dialogue.notifications.models import FREQUENCY_LABELS


class EmailChoiceForm(FlaskForm):
    frequency = RadioField(
        "How often should we email you about your notifications?",
        choices=choices((value.value, label) for value, label in FREQUENCY_LABELS.items()),
        validators=[InputRequired("Choose how often we should email you")],
    )
