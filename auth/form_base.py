"""The base of every form: text never carries control characters.

A NUL byte or another invisible control character in a name, a function or a username
comes from a paste or a tool, never from a person meaning it; PostgreSQL refuses NUL in
text outright (a 500 before this), SQLite stores it silently.  Every text field (and any
field derived from one) of a :class:`Form` gets :func:`no_control_characters`, so the
person is told which field to fix and keeps what they typed.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectChoice, StringField, widgets
from wtforms.fields import Label as WTFormsLabel
from wtforms.fields.choices import Choice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets.core import clean_key

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(_form: Any, field: Any) -> None:
    if isinstance(field.data, str) and CONTROL.search(field.data):
        raise ValidationError(str(_l(
            "The text contains an invisible control character (often from copying). "
            "Remove it and try again.")))


def attributes(**kwargs: Any) -> Markup:
    """HTML attributes from keyword arguments, exactly as WTForms' ``html_params`` writes
    them (sorted by name; ``class_`` and ``for_`` without the underscore, ``data_`` and
    ``aria_`` with hyphens; ``True`` a bare name, ``False`` left out; every name and value
    escaped, a double quote in a safe value too) — in one string: WTForms formats each
    pair through ``Markup.format``, a formatter written in Python, some 20 µs for a
    field's four attributes, and a meeting page renders forty fields and labels."""
    parts = []
    for key, value in sorted(kwargs.items()):
        name = str(escape(clean_key(key)))
        if value is True:
            parts.append(name)
        elif value is not False:
            parts.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(parts))  # noqa: S704 - every name and value escaped


def _with_flags(widget: Any, field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with the field's validation flags the widget writes (``required``,
    ``maxlength``), unless given: WTForms looks them up through ``dir()`` per field."""
    kwargs.setdefault("id", field.id)
    flags = getattr(field, "flags", None)
    for name in widget.validation_attrs:  # (a flag not set reads as None)
        value = getattr(flags, name, None)
        if value is not None and name not in kwargs:
            kwargs[name] = value
    return kwargs


class Label(WTFormsLabel):
    """WTForms' label, its attributes written by :func:`attributes`."""

    def __call__(self, text: str | None = None, **kwargs: Any) -> Markup:
        if "for_" in kwargs:
            kwargs["for"] = kwargs.pop("for_")
        else:
            kwargs.setdefault("for", self.field_id)
        written = attributes(**kwargs)
        return Markup(  # noqa: S704 - the attributes and the text escaped
            f"<label{' ' if written else ''}{written}>{escape(text or self.text)}</label>")


class TextArea(widgets.TextArea):
    """WTForms' text area, its attributes written by :func:`attributes`."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        written = attributes(name=field.name, **_with_flags(self, field, kwargs))
        return Markup(  # noqa: S704 - the attributes and the text escaped
            f"<textarea {written}>\r\n{escape(field._value())}</textarea>")


TEXT_AREA = TextArea()


@lru_cache(maxsize=64)
def _input(widget: widgets.Input) -> widgets.Input:
    """The same input widget writing its attributes with :func:`attributes` (WTForms'
    ``Input.html_params``, the attribute writer its inputs call, is made to be replaced)."""
    written = copy.copy(widget)
    written.html_params = attributes
    return written


class Select(widgets.Select):
    """WTForms' select, written directly where it is plain — the same markup; WTForms'
    general attribute writer made the meeting page's picker of a municipality's case
    workers (hundreds of options) a third of the page's time, and its six status lists
    (looking the field's flags up through ``dir`` each) another tenth."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        choices = field.iter_choices()
        if any(type(choice) is not Choice or choice.render_kw for choice in choices):
            return super().__call__(field, **kwargs)
        html = [f"<select {attributes(name=field.name, **_with_flags(self, field, kwargs))}>"]
        html += [_option(choice) for choice in choices]
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value and label escaped

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        return Markup(_option(choice))  # noqa: S704 - the value and the label escaped


def _option(choice: Choice) -> str:
    value = str(choice.value) if isinstance(choice.value, bool) else choice.value
    label = choice.label or value
    if choice.selected:
        return f'<option selected value="{escape(value)}">{escape(label)}</option>'
    return f'<option value="{escape(value)}">{escape(label)}</option>'


SELECT = Select()


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _Messages:
    """WTForms' own messages ("Not a valid choice") in the request's language, each
    catalogue read once per worker: Flask-WTF read it from disk on every request."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


MESSAGES = _Messages()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> _Messages:
            return MESSAGES

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                field.validators = [*field.validators, no_control_characters]
            if type(field.widget) is widgets.Select and not field.widget.multiple:
                field.widget = SELECT
            elif type(field.widget) is widgets.TextArea:
                field.widget = TEXT_AREA
            elif isinstance(field.widget, widgets.Input) and \
                    field.widget.html_params is not attributes:
                field.widget = _input(field.widget)
            if type(field.label) is WTFormsLabel:
                field.label = Label(field.label.field_id, field.label.text)
            return field


# A consequential choice (an organisation, a role, a close reason, who consented) has no
# default: the list starts with this, the field says so, and saving without choosing
# says what to choose.
PLACEHOLDER = SelectChoice("", _l("— choose —"))
NO_DEFAULT = _l("Nothing is chosen in advance: choose one.")


def choices_of(labels: Mapping[Any, Any], *, placeholder: bool = False) -> list[SelectChoice]:
    """A select's options from stored codes and their names, in the request's language
    (built with the form: ``choices=lambda: choices_of(LABELS)``); with ``placeholder``
    the list starts with "— choose —" and nothing is chosen in advance."""
    found = [SelectChoice(str(code), str(name)) for code, name in labels.items()]
    return [PLACEHOLDER, *found] if placeholder else found


def must_choose(message: str) -> DataRequired:
    return DataRequired(message=message)
