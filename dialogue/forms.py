"""Form pieces shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import TextArea

from dialogue.templating import BIDI_CONTROLS  # a name or title holding U+202E shows reversed


class ActionForm(FlaskForm):
    """An empty form for POST-only buttons: it carries and checks the CSRF token."""


def form_status(form: FlaskForm) -> int:
    """The status for a page showing ``form``: 422 once a submission was refused, else 200.

    A refused form is shown again with what was typed and its error messages; the 422
    tells browsers, htmx and scripts that nothing was saved. Errors a view adds after
    validating (a name already taken, a wrong password) count too.
    """
    return 422 if form.is_submitted() and form.errors else 200


# C0 and C1 controls and DEL: none of them belongs in a one-line name or title.
_CONTROL = frozenset(chr(n) for n in (*range(32), *range(127, 160)))


def no_control_characters(form, field) -> None:
    """Refuse invisible control characters.

    Multi-line text (a textarea) may hold tabs and line breaks. Single-line text (names,
    titles, reasons) may hold neither: a line break in a title broke the notification
    mail built from it. Single-line text may not hold bidirectional controls either; the
    pages isolate longer text instead (docs/security.md)."""
    value = field.data or ""
    if isinstance(field.widget, TextArea):
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            raise ValidationError("Remove the invisible control characters from this text.")
        return
    if any(ch in "\n\r" for ch in value):
        raise ValidationError("Keep this to one line: remove the line breaks.")
    if any(ch in _CONTROL for ch in value):
        raise ValidationError("Remove the invisible control characters from this text.")
    if any(ch in BIDI_CONTROLS for ch in value):
        raise ValidationError("Remove the invisible characters that change the direction "
                              "of the text (such as U+202E).")


def strip_filter(value):
    """A filter: text without surrounding spaces."""
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    """A filter: an empty choice becomes None."""
    return value or None


def choices(pairs) -> list[SelectChoice]:
    """Select/radio/checkbox options from ``(value, label)`` pairs (WTForms 3.3 style)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
