"""Administration forms: a person's roles, and a locality."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from dialogue.auth.models import ROLE_LABELS
from dialogue.forms import choices, no_control_characters, strip_filter
from dialogue.localities import all_localities, name_taken


class UserRolesForm(FlaskForm):
    roles = SelectMultipleField(
        "Roles", choices=choices([(role.value, label) for role, label in ROLE_LABELS.items()]),
        description="Every account is a practitioner; these roles add to that.",
    )
    moderated_localities = SelectMultipleField(
        "Limit moderation to these localities",
        description="Leave empty to let a moderator work in every locality.",
        coerce=int,
    )

    def load_locality_choices(self) -> None:
        """Every locality, for the moderation limits."""
        self.moderated_localities.choices = choices(
            [(loc.id, loc.name) for loc in all_localities()]
        )


class LocalityForm(FlaskForm):
    name = StringField("Name", filters=[strip_filter],
                       validators=[DataRequired("Enter a name"), Length(max=80),
                                   no_control_characters])
    description = StringField("Description", filters=[strip_filter],
                              validators=[Length(max=500), no_control_characters])

    def __init__(self, *args, locality=None, **kwargs) -> None:
        super().__init__(*args, obj=locality, **kwargs)
        self.locality = locality

    def validate_name(self, field) -> None:
        """Names are unique: two spaces called the same would confuse everyone."""
        if name_taken(field.data, other_than=self.locality):
            raise ValidationError("A locality with that name already exists")
