"""Workshop forms: one per screen."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from dialogue.briefings.models import Briefing, Finding, KeyFigure
from dialogue.extensions import db
from dialogue.forms import choices, no_control_characters, strip_filter
from dialogue.localities import all_localities
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS
from dialogue.workshops.models import KIND_LABELS, KINDS_WITH_OPTIONS, QuestionKind
from dialogue.workshops.timers import MAX_SECONDS, MIN_SECONDS

MAX_OPTIONS = 10
# The question form's fields that only some types use (the rest every type uses): the
# builder shows each only for these types where JavaScript runs, and all with hints where
# it does not.
FIELD_KINDS = {
    "options": tuple(KINDS_WITH_OPTIONS),
    "max_choices": (QuestionKind.MULTIPLE,),
    "finding_key": (QuestionKind.FINDING_CHECK,),
}


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def briefing_choices() -> list[tuple[str, str]]:
    """(slug, title) of the imported evidence briefings still published, in reading order."""
    rows = db.session.execute(
        select(Briefing.slug, Briefing.title)
        .where(Briefing.retired_at.is_(None), Briefing.is_glossary.is_(False))
        .order_by(Briefing.position, Briefing.slug)).all()
    return [(slug, title) for slug, title in rows]


def finding_choices() -> list[tuple[str, str]]:
    """(key, title) of findings that have a key figure to compare with, by title: never a
    methods statement ("a survey of almost 700 school leaders"), which is no finding a
    room's experience can match or not."""
    rows = db.session.execute(
        select(Finding.key, Finding.title).join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.id.in_(select(KeyFigure.finding_id)), Briefing.kind != "methods")
        .order_by(Finding.title, Finding.key)).all()
    return [(key, title) for key, title in rows]


def _is_methods_statement(key: str) -> bool:
    return db.session.scalar(
        select(Finding.id).join(Briefing, Briefing.id == Finding.briefing_id)
        .where(Finding.key == key, Briefing.kind == "methods").limit(1)) is not None


def finding_titles(keys: list[str]) -> dict[str, str]:
    """The titles of these findings (a key whose briefing is not imported is left out)."""
    if not keys:
        return {}
    return dict(db.session.execute(select(Finding.key, Finding.title)
                                   .where(Finding.key.in_(keys))).all())


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
        description="Single choice, multiple choice and ranking only: 2 to 10 choices.",
        validators=[Length(max=3000), no_control_characters])
    max_choices = IntegerField(
        "Most choices a person may pick",
        description="Multiple choice only. Leave it empty to allow every choice.",
        validators=[Optional(), NumberRange(min=1, max=MAX_OPTIONS)])
    # Checked by ``validate_finding_key`` (only a finding check uses it), so a refused
    # key gets one message that says why.
    finding_key = SelectField(
        "Finding to compare with", default="", validate_choice=False,
        description="Finding checks only: the room's answers are shown beside the "
                    "finding's national figure.")
    timer_seconds = IntegerField(
        "Timer in seconds (optional)",
        description=f"Answers close by themselves when it ends: {MIN_SECONDS} to "
                    f"{MAX_SECONDS} seconds. Leave it empty for no timer; the console can "
                    "still set one when it opens the question.",
        validators=[Optional(), NumberRange(
            min=MIN_SECONDS, max=MAX_SECONDS,
            message=f"Enter a timer between {MIN_SECONDS} and {MAX_SECONDS} seconds, or "
                    "leave it empty")])
    results_hidden = BooleanField("Hide the results until I reveal them")

    def load_choices(self) -> None:
        self.finding_key.choices = choices([("", "Choose a finding"), *finding_choices()])

    def option_labels(self) -> list[str]:
        lines = [line.strip() for line in (self.options.data or "").splitlines()]
        return [line for line in lines if line]

    def question_fields(self) -> dict:
        """The question as ``services.add_question`` and ``update_question`` take it."""
        return {"kind": self.kind.data, "prompt": self.prompt.data,
                "section": self.section.data, "options": self.option_labels(),
                "max_choices": self.max_choices.data,
                "finding_key": self.finding_key.data or None,
                "results_hidden": self.results_hidden.data,
                "timer_seconds": self.timer_seconds.data}

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
        if self.kind.data != QuestionKind.FINDING_CHECK:
            return
        if not field.data:
            raise FieldError("Choose the finding to compare the room's answers with")
        if field.data in {choice.value for choice in field.choices}:
            return
        if _is_methods_statement(field.data):
            raise FieldError("That is a statement of how the research was done, not a "
                             "finding: choose a finding to compare the room's answers with")
        raise FieldError("Choose a finding from the list")


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


class WordForm(FlaskForm):
    """One word of a word cloud, to hide (the button beside it in the table)."""

    word = HiddenField(validators=[DataRequired("Choose a word")])


class WordMergeForm(FlaskForm):
    """Count one word of a word cloud as another (e.g. "teachers" as "teacher")."""

    word = SelectField("Merge the word", validators=[InputRequired("Choose the word to merge")])
    into = SelectField("into", validators=[InputRequired("Choose the word to merge it into")])

    def load_choices(self, words: list[str]) -> None:
        self.word.choices = self.into.choices = choices([(w, w) for w in words])

    def validate_into(self, field) -> None:
        if field.data == self.word.data:
            raise FieldError("Choose two different words to merge")


class ResultsCardForm(FlaskForm):
    """The results card's introduction, saved or published with the card."""

    intro = TextAreaField(
        "Introduction (optional)",
        description="A few words for the people who will read the results: what the "
                    "workshop was for, and what happens next.",
        filters=[strip_filter],
        validators=[Optional(), Length(max=2000, message="The introduction must be 2,000 "
                                                          "characters or fewer"),
                    no_control_characters])
