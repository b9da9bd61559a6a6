"""Forms for writing, editing, flagging and moderating posts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dialogue.discussion.models import FLAG_REASON_LABELS
from dialogue.discussion.services import MAX_BODY
from dialogue.forms import choices, no_control_characters, strip_filter

BODY_HINT = ("You can use markdown: **bold**, _italic_, lists and links. "
             f"Up to {MAX_BODY:,} characters.")


def body_field(label: str = "Your post") -> TextAreaField:
    # No strip filter: the text is stored exactly as typed; blank-only text is refused.
    return TextAreaField(label, description=BODY_HINT, validators=[
        DataRequired(message="Enter some text"),
        Length(max=MAX_BODY, message=f"Text must be {MAX_BODY:,} characters or fewer"),
        no_control_characters,
    ])


class EditPostForm(FlaskForm):
    body = body_field("Your text")


class FlagForm(FlaskForm):
    reason = RadioField("Why should a moderator look at this?",
                        choices=choices([(k.value, v) for k, v in FLAG_REASON_LABELS.items()]),
                        validators=[InputRequired(message="Choose a reason")])
    detail = StringField("Anything a moderator should know (needed for “Something else”)",
                         filters=[strip_filter],
                         validators=[Optional(), Length(max=1000), no_control_characters])

    def validate_detail(self, field) -> None:
        if self.reason.data == "other" and not field.data:
            raise ValidationError("Say what is wrong with this post")


class DecisionForm(FlaskForm):
    """Approve, restore: carries the version the moderator saw."""

    version = IntegerField(validators=[Optional()])


class HideForm(DecisionForm):
    reason = StringField("Reason (shown to the author)", filters=[strip_filter], validators=[
        DataRequired(message="Give a reason: the author will see it"),
        Length(max=1000), no_control_characters])


class SuspendForm(FlaskForm):
    days = IntegerField("Days", validators=[
        InputRequired(message="Enter a number of days"),
        NumberRange(min=1, max=365, message="Enter a number of days from 1 to 365")])
    reason = StringField("Reason (shown to the person)", filters=[strip_filter], validators=[
        DataRequired(message="Give a reason: the person will see it"),
        Length(max=1000), no_control_characters])
