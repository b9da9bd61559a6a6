"""Forms for writing and publishing "We did" responses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from dialogue.forms import no_control_characters, strip_filter

MAX_TITLE = 200
MAX_BODY = 20_000


class ResponseForm(FlaskForm):
    """A response to a finding or a whole briefing (choices are set by the view)."""

    target = SelectField("What it responds to", validators=[
        InputRequired(message="Choose the finding or briefing this responds to")])
    locality = SelectField("Locality (optional)",
                           description="Name a locality only if the response is about it.")
    title = StringField("Title", filters=[strip_filter], validators=[
        DataRequired(message="Enter a title"),
        Length(max=MAX_TITLE, message=f"The title must be {MAX_TITLE} characters or fewer"),
        no_control_characters])
    body = TextAreaField(
        "What the research team did", description="Markdown: links, lists and emphasis.",
        validators=[DataRequired(message="Enter the response"),
                    Length(max=MAX_BODY,
                           message=f"The response must be {MAX_BODY:,} characters or fewer"),
                    no_control_characters])


class PublishForm(FlaskForm):
    """Publish a reviewed draft with the date it is published on."""

    published_on = DateField("Publication date", validators=[
        InputRequired(message="Enter the publication date as YYYY-MM-DD")],
        description="For example, 2026-12-02.")
