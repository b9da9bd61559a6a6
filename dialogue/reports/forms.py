"""Forms for the research pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from dialogue.forms import choices, no_control_characters, strip_filter
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS
from dialogue.reports.models import KIND_LABELS


class FilterForm(FlaskForm):
    """The dashboard's filters: a GET form, so no CSRF token and shareable URLs."""

    class Meta:
        csrf = False

    locality = SelectField("Locality", validators=[Optional()])
    phase = SelectField("Phase", validators=[Optional()])
    school_type = SelectField("School type", validators=[Optional()])
    education_role = SelectField("Role in education", validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    briefing = SelectField("Briefing", validators=[Optional()])
    finding = SelectField("Finding", validators=[Optional()])
    workshop = SelectField("Workshop", validators=[Optional()])
    code = SelectField("Theme code", validators=[Optional()])
    kind = SelectField("Kind of contribution", validators=[Optional()])

    def fill(self, options: dict) -> FilterForm:
        """Set the choices from the data (ids as strings, an "any" first)."""

        def pairs(items, blank="Any"):
            return choices([("", blank)] + [(str(k), v) for k, v in items])

        self.locality.choices = pairs(options["localities"])
        self.phase.choices = pairs((p.value, label) for p, label in PHASE_LABELS.items())
        self.school_type.choices = pairs((s.value, label)
                                         for s, label in SCHOOL_TYPE_LABELS.items())
        self.education_role.choices = pairs((r.value, label)
                                            for r, label in EDUCATION_ROLE_LABELS.items())
        self.briefing.choices = pairs(options["briefings"])
        self.finding.choices = pairs((fid, title[:90]) for fid, title in options["findings"])
        self.workshop.choices = pairs(options["workshops"])
        self.code.choices = pairs(options["codes"])
        self.kind.choices = pairs(KIND_LABELS.items())
        return self


class CodeForm(FlaskForm):
    """Add or change a code in the codebook."""

    code = StringField("Code", filters=[strip_filter], validators=[
        DataRequired("Enter a name for the code"), Length(max=60),
        Regexp(r"^[a-z0-9][a-z0-9_-]*$",
               message="Use lowercase letters, numbers, hyphens or underscores")])
    parent = SelectField("Filed under", validators=[Optional()])
    definition = TextAreaField("Definition", filters=[strip_filter], validators=[
        DataRequired("Enter a definition"), Length(max=2000), no_control_characters])
    when_to_use = TextAreaField("When to use it", filters=[strip_filter],
                                validators=[Length(max=2000), no_control_characters])
    example = TextAreaField("Example", filters=[strip_filter],
                            validators=[Length(max=2000), no_control_characters])


class CodingForm(FlaskForm):
    """Apply or remove one code on one contribution."""

    code_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])


class TokenForm(FlaskForm):
    """Create an API token."""

    name = StringField("What the token is for", filters=[strip_filter], validators=[
        DataRequired("Enter what the token is for"), Length(max=80), no_control_characters])
