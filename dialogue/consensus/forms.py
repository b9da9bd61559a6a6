"""Forms for opening a consensus map, adding a statement, voting and moderating."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from dialogue.consensus.services import (
    MAX_PROMPT,
    MAX_REASON,
    MAX_STATEMENT,
    MAX_TITLE,
    StatementRefused,
    check_statement_text,
)
from dialogue.forms import choices, no_control_characters, strip_filter

STATEMENT_HINT = (f"One idea, in your own words, up to {MAX_STATEMENT} characters. Others "
                  "will agree, disagree or pass on it.")
NATIONAL = "national"


def _statement_text(form, field) -> None:
    try:
        check_statement_text(field.data or "")
    except StatementRefused as error:
        raise ValidationError(error.message) from None


class StatementForm(FlaskForm):
    # No strip filter: the statement is stored exactly as written.
    text = TextAreaField("Your statement", description=STATEMENT_HINT,
                         validators=[_statement_text])


class VoteForm(FlaskForm):
    vote = SelectField("Your vote", choices=choices(
        [("agree", "Agree"), ("disagree", "Disagree"), ("pass", "Pass / unsure")]),
        validators=[DataRequired(message="Choose agree, disagree or pass")])


class ConversationForm(FlaskForm):
    title = StringField("Title", filters=[strip_filter], validators=[
        DataRequired(message="Enter a title"),
        Length(max=MAX_TITLE, message=f"Title must be {MAX_TITLE} characters or fewer"),
        no_control_characters])
    prompt = TextAreaField("The question people respond to", validators=[
        Length(max=MAX_PROMPT, message=f"The question must be {MAX_PROMPT} characters or fewer"),
        no_control_characters])
    space = SelectField("Where it runs")
    requires_approval = BooleanField("Hold participants' statements until I approve them")
    seeds = TextAreaField(
        "Seed statements", description=f"One statement a line, each up to {MAX_STATEMENT} "
        "characters. Participants can add their own.")

    def validate_seeds(self, field) -> None:
        for number, line in enumerate(seed_lines(field.data), start=1):
            try:
                check_statement_text(line)
            except StatementRefused as error:
                raise ValidationError(f"Seed statement {number}: {error.message}") from None


def seed_lines(text: str | None) -> list[str]:
    """The seed statements typed one a line (blank lines skipped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class HideStatementForm(FlaskForm):
    reason = StringField("Reason", filters=[strip_filter], validators=[
        DataRequired(message="Give a reason for hiding the statement"),
        Length(max=MAX_REASON), no_control_characters])


class RoomMapForm(ConversationForm):
    """A workshop's map: it runs in the workshop's locality, so no space to choose."""

    space = None
