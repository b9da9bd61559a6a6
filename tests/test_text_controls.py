"""Text that spoofs or breaks (issue 16, point 8): single-line fields refuse line breaks,
other control characters and bidirectional controls with a clear message; multi-line
text keeps its line breaks."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

from dialogue.extensions import db
from dialogue.forms import no_control_characters


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[no_control_characters])
    body = TextAreaField(validators=[no_control_characters])


def _errors(app, **data):
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict(data))
        form.validate()
        return form.errors


@pytest.mark.parametrize("text, message", [
    ("Line one\nline two", "one line"),
    ("A\rB", "one line"),
    ("Tab\there", "control characters"),
    ("Bell\x07", "control characters"),
    ("C1\x85", "control characters"),
    ("Mallory \u202egnp.exe", "direction"),
    ("Isolate \u2067x\u2069", "direction"),
])
def test_single_line_text_refuses_controls(app, text, message):
    assert message in " ".join(_errors(app, name=text)["name"])


def test_plain_and_right_to_left_text_is_kept(app):
    name = "Ms O\u2019Neill \u2013 \u0645\u062f\u0631\u0633\u0629"  # Arabic: right to left
    assert _errors(app, name=name, body="Two\r\nlines\tand a tab") == {}


def test_multi_line_text_still_refuses_other_controls(app):
    assert "body" in _errors(app, body="ok\x1b[31m")


def test_a_display_name_with_an_override_is_refused_with_what_was_typed_kept(
        client, factory, login):
    user = factory.user(name="Before")
    login(user)
    response = client.post("/account", data={"display_name": "Eve\u202eevE"})
    assert response.status_code == 422
    assert "direction of the text" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.display_name == "Before"
