"""Forms for starting threads and replying."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from dialogue.forms import no_control_characters, strip_filter
from dialogue.forums.services import MAX_TITLE
from dialogue.moderation.forms import body_field


class ThreadForm(FlaskForm):
    title = StringField("Title", filters=[strip_filter], validators=[
        DataRequired(message="Enter a title"),
        Length(max=MAX_TITLE, message=f"Title must be {MAX_TITLE} characters or fewer"),
        no_control_characters])
    body = body_field("Opening post")


class ReplyForm(FlaskForm):
    body = body_field("Your reply")
    quote_id = HiddenField(filters=[lambda v: int(v) if v and str(v).isdigit() else None])
