"""The account deletion form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.validators import InputRequired

from dialogue.forms import choices

MODE_CHOICES = choices([
    ("remove", "Remove everything I wrote (posts, comments, reactions and workshop answers)"),
    ("anonymise", "Keep what I wrote in the conversations, with my name taken off"),
])


class DeleteAccountForm(FlaskForm):
    mode = RadioField(
        "What should happen to what you contributed?",
        choices=MODE_CHOICES,
        validators=[InputRequired("Choose what should happen to what you contributed")],
    )
    password = PasswordField(
        "Your password",
        description="To make sure it is you.",
        validators=[InputRequired("Enter your password")],
    )
