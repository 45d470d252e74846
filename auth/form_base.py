"""The base of every form: text never carries control characters.

A NUL byte or another invisible control character in a name, a function or a username
comes from a paste or a tool, never from a person meaning it; PostgreSQL refuses NUL in
text outright (a 500 before this), SQLite stores it silently.  Every text field (and any
field derived from one) of a :class:`Form` gets :func:`no_control_characters`, so the
person is told which field to fix and keeps what they typed.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, ValidationError

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(_form: Any, field: Any) -> None:
    if isinstance(field.data, str) and CONTROL.search(field.data):
        raise ValidationError(str(_l(
            "The text contains an invisible control character (often from copying). "
            "Remove it and try again.")))


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                field.validators = [*field.validators, no_control_characters]
            return field


# A consequential choice (an organisation, a role, a close reason, who consented) has no
# default: the list starts with this, the field says so, and saving without choosing
# says what to choose.
PLACEHOLDER = SelectChoice("", _l("— choose —"))
NO_DEFAULT = _l("Nothing is chosen in advance: choose one.")


def must_choose(message: str) -> DataRequired:
    return DataRequired(message=message)
