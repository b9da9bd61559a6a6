"""Form pieces shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice


class ActionForm(FlaskForm):
    """An empty form for POST-only buttons: it carries and checks the CSRF token."""


def form_status(form: FlaskForm) -> int:
    """The status for a page showing ``form``: 422 once a submission was refused, else 200.

    A refused form is shown again with what was typed and its error messages; the 422
    tells browsers, htmx and scripts that nothing was saved. Errors a view adds after
    validating (a name already taken, a wrong password) count too.
    """
    return 422 if form.is_submitted() and form.errors else 200


def no_control_characters(form, field) -> None:
    """Refuse text with control characters other than tab, newline and return."""
    value = field.data or ""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError("Remove the invisible control characters from this text.")


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    return value or None


def choices(pairs) -> list[SelectChoice]:
    """Select/radio/checkbox options from ``(value, label)`` pairs (WTForms 3.3 style)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
