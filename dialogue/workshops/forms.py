"""Workshop forms: one per screen."""

from __future__ import annotations

from pathlib import Path

import frontmatter
from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from dialogue.auth.models import EDUCATION_ROLE_LABELS, PHASE_LABELS
from dialogue.extensions import db
from dialogue.forms import choices, no_control_characters, strip_filter
from dialogue.localities import all_localities
from dialogue.workshops.models import KIND_LABELS, KINDS_WITH_OPTIONS, QuestionKind

MAX_OPTIONS = 10


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def briefing_choices() -> list[tuple[str, str]]:
    """(slug, title) of the evidence briefings, read from the content folder."""
    folder = Path(current_app.config["CONTENT_DIR"])
    pairs = []
    for path in sorted(folder.glob("*.md")):
        meta = frontmatter.load(path).metadata
        if meta.get("slug") and meta.get("slug") != "glossary":
            pairs.append((str(meta["slug"]), str(meta.get("title", meta["slug"]))))
    return pairs


def finding_choices() -> list[tuple[str, str]]:
    """(key, title) of findings that have a key figure to compare with."""
    try:
        from dialogue.briefings.models import Finding, KeyFigure
    except ImportError:
        return []
    rows = db.session.execute(
        select(Finding.key, Finding.title).where(Finding.id.in_(select(KeyFigure.finding_id)))
        .order_by(Finding.key)).all()
    return [(key, f"{title} ({key})") for key, title in rows]


class WorkshopForm(FlaskForm):
    """A workshop's details."""

    title = StringField("Title", filters=[strip_filter],
                        validators=[DataRequired("Enter a title"), Length(max=200),
                                    no_control_characters])
    date = DateField("Date", description="For example, 2026-11-27",
                     validators=[InputRequired("Enter the date of the workshop")])
    locality_id = SelectField("Locality", coerce=_int_or_none)
    briefing_slugs = SelectMultipleField("Briefings it draws on (optional)")

    def load_choices(self) -> None:
        self.locality_id.choices = choices([("", "Not tied to a locality")] + [
            (str(loc.id), loc.name) for loc in all_localities()])
        self.briefing_slugs.choices = choices(briefing_choices())


class TemplateForm(FlaskForm):
    """Start a workshop from the ready-made template."""

    date = DateField("Date", validators=[InputRequired("Enter the date of the workshop")])
    locality_id = SelectField("Locality", coerce=_int_or_none)

    def load_choices(self) -> None:
        self.locality_id.choices = choices([("", "Not tied to a locality")] + [
            (str(loc.id), loc.name) for loc in all_localities()])


class QuestionForm(FlaskForm):
    """One question: its type, wording and choices."""

    section = StringField("Part of the workshop (optional)", filters=[strip_filter],
                          validators=[Length(max=200), no_control_characters])
    kind = RadioField("Type of question",
                      choices=choices([(k.value, label) for k, label in KIND_LABELS.items()]),
                      validators=[InputRequired("Choose the type of question")])
    prompt = TextAreaField("Question", filters=[strip_filter],
                           validators=[DataRequired("Enter the question"), Length(max=1000),
                                       no_control_characters])
    options = TextAreaField(
        "Choices, one a line", filters=[strip_filter],
        description="For single choice, multiple choice and ranking questions: 2 to 10.",
        validators=[Length(max=3000), no_control_characters])
    max_choices = IntegerField("Most choices a person may pick (multiple choice)",
                               validators=[Optional(), NumberRange(min=1, max=MAX_OPTIONS)])
    finding_key = SelectField("Finding to compare with (finding checks)", default="")
    results_hidden = BooleanField("Hide the results until I reveal them")

    def load_choices(self) -> None:
        self.finding_key.choices = choices([("", "Choose a finding"), *finding_choices()])

    def option_labels(self) -> list[str]:
        lines = [line.strip() for line in (self.options.data or "").splitlines()]
        return [line for line in lines if line]

    def validate_options(self, field) -> None:
        if self.kind.data in KINDS_WITH_OPTIONS:
            labels = self.option_labels()
            if not 2 <= len(labels) <= MAX_OPTIONS:
                raise FieldError(f"Enter between 2 and {MAX_OPTIONS} choices, one a line")
            if len(set(labels)) != len(labels):
                raise FieldError("Each choice must be different")
            if any(len(label) > 300 for label in labels):
                raise FieldError("Keep each choice to 300 characters or fewer")

    def validate_max_choices(self, field) -> None:
        if (self.kind.data == QuestionKind.MULTIPLE and field.data is not None
                and field.data > len(self.option_labels())):
            raise FieldError("The most choices cannot be more than the number of choices")

    def validate_finding_key(self, field) -> None:
        if self.kind.data == QuestionKind.FINDING_CHECK and not field.data:
            raise FieldError("Choose the finding to compare the room's answers with")


class JoinForm(FlaskForm):
    """Join with a code, optionally saying one's role and phase."""

    code = StringField("Workshop code", description="The six characters on the screen",
                       filters=[strip_filter],
                       validators=[DataRequired("Enter the workshop code"), Length(max=20)])
    education_role = SelectField("Your role (optional)", default="", choices=choices(
        [("", "Prefer not to say")] + [(k.value, v) for k, v in EDUCATION_ROLE_LABELS.items()]))
    phase = SelectField("Phase (optional)", default="", choices=choices(
        [("", "Prefer not to say")] + [(k.value, v) for k, v in PHASE_LABELS.items()]))


class AboutYouForm(FlaskForm):
    """Joining by link or QR code: the code is in the address already."""

    education_role = JoinForm.education_role
    phase = JoinForm.phase
