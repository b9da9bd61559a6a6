"""Account forms. Each screen has one form; labels and hints speak to the person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from dialogue.forms import blank_to_none, choices, no_control_characters, strip_filter
from dialogue.localities import all_localities
from dialogue.profiles import EDUCATION_ROLE_LABELS, PHASE_LABELS, SCHOOL_TYPE_LABELS

MIN_PASSWORD = 10


def _choices(labels: dict):
    return choices([("", "Prefer not to say")] +
                   [(key.value, label) for key, label in labels.items()])


def _locality_choices():
    return choices([("", "Prefer not to say")] +
                   [(str(loc.id), loc.name) for loc in all_localities()])


def _to_int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ProfileFields:
    """The optional profile attributes researchers break results down by."""

    display_name = StringField(
        "Display name",
        description="Shown beside what you write. It does not need to be your real name.",
        filters=[strip_filter],
        validators=[DataRequired("Enter a display name"), Length(max=80), no_control_characters],
    )
    education_role = SelectField("Your role in education",
                                 choices=_choices(EDUCATION_ROLE_LABELS))
    phase = SelectField("Phase", choices=_choices(PHASE_LABELS))
    school_type = SelectField("School type", choices=_choices(SCHOOL_TYPE_LABELS))
    locality_id = SelectField("Locality", coerce=_to_int_or_none)

    def load_locality_choices(self) -> None:
        """Every locality, and "Prefer not to say"."""
        self.locality_id.choices = _locality_choices()

    def profile_data(self) -> dict:
        """The profile attributes as ``update_profile`` takes them."""
        return {
            "display_name": self.display_name.data,
            "education_role": blank_to_none(self.education_role.data),
            "phase": blank_to_none(self.phase.data),
            "school_type": blank_to_none(self.school_type.data),
            "locality_id": self.locality_id.data,
        }


CONSENT_CHOICES = choices([
    ("yes", "Yes, the research team may use what I contribute"),
    ("no", "No, keep what I contribute out of research outputs"),
])


class RegisterForm(ProfileFields, FlaskForm):
    email = EmailField(
        "Email address",
        filters=[strip_filter],
        validators=[InputRequired("Enter your email address"),
                    Email("Enter an email address in the correct format, like name@example.org"),
                    Length(max=254)],
    )
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD} characters.",
        validators=[InputRequired("Enter a password"),
                    Length(min=MIN_PASSWORD, max=200,
                           message=f"Password must be at least {MIN_PASSWORD} characters")],
    )
    research_consent = RadioField(
        "May the research team use what you contribute?",
        choices=CONSENT_CHOICES,
        validators=[InputRequired("Choose whether the research team may use what you contribute")],
    )

    # No "that address is taken" here: it would tell anyone whether an address has an
    # account (issue 16, point 6). The owner of a taken address is mailed instead.


class ConfirmRegistrationForm(FlaskForm):
    """The button on the confirmation page (its CSRF token is the point)."""


class LoginForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_filter],
                       validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(ProfileFields, FlaskForm):
    pass


class ConsentForm(FlaskForm):
    research_consent = RadioField(
        "May the research team use what you contribute?",
        choices=CONSENT_CHOICES,
        validators=[InputRequired("Choose whether the research team may use what you contribute")],
    )


class CurrentPasswordField:
    # Declared before NewPasswordFields so WTForms (which orders fields by creation)
    # lists its error first in the error summary, as on the page.
    current_password = PasswordField("Current password",
                                     validators=[InputRequired("Enter your current password")])


class NewPasswordFields:
    """A new password and its confirmation, shared by change and reset."""

    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD} characters.",
        validators=[InputRequired("Enter a new password"),
                    Length(min=MIN_PASSWORD, max=200,
                           message=f"Password must be at least {MIN_PASSWORD} characters")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[InputRequired("Confirm your new password"),
                    EqualTo("new_password", message="The passwords do not match")],
    )


class ChangePasswordForm(CurrentPasswordField, NewPasswordFields, FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_filter],
                       validators=[InputRequired("Enter your email address"),
                                   Email("Enter an email address in the correct format")])


class ResetPasswordForm(NewPasswordFields, FlaskForm):
    pass
