"""Dates and times as people type them, and dates a person could mean.

:class:`DayField` and :class:`MomentField` are text fields that read the ways Swedes
write a date (2026-12-24, 24/12/2026, 24.12.2026, 20261224) and a time of day (15:00,
15.00, 1500, kl. 15): what was typed stays in the field, and a date or time that cannot
be read gets a message that says how to write it — never "required", never an empty
field.  Times are local (Europe/Stockholm); the views convert to UTC.

Every date and time field names its plausible range (:class:`Plausible`), and a date
outside it gets a message that says the range (instead of being stored, or overflowing
when a time is converted to UTC).

    closed_on = DayField(..., validators=[DataRequired(), Plausible(future=False)])
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextInput

from kernel import clock

_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_TIME = re.compile(r"(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2})|(\d{2}))?", re.IGNORECASE)


class Unreadable(ValueError):
    """What was typed is not a date or a time; the message says how to write one."""


def parse_day(text: str) -> dt.date:
    """A date as typed: ISO (also with slashes), compact, or day first with / or .

    :raises Unreadable: with a message for the person."""
    text = text.strip()
    for pattern, order in ((_ISO, (0, 1, 2)), (_COMPACT, (0, 1, 2)), (_DAY_FIRST, (2, 1, 0))):
        found = pattern.fullmatch(text)
        if found:
            year, month, day = (int(found.group(i + 1)) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise Unreadable(_("There is no such date: %(text)s.", text=text)) from None
    raise Unreadable(_("Write the date as YYYY-MM-DD, for example %(example)s.",
                       example="2026-12-24"))


def parse_time(text: str) -> dt.time:
    """A time of day as typed: 15:00, 15.00, 1500, 15 or kl. 15.00.

    :raises Unreadable: with a message for the person."""
    found = _TIME.fullmatch(text.strip())
    if found:
        hour, minute = int(found.group(1)), int(found.group(2) or found.group(3) or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise Unreadable(_("Write the time as HH:MM, for example 15:00."))


def parse_moment(text: str) -> dt.datetime:
    """A date and a time of day, separated by a space, a T or "kl."."""
    parts = re.split(r"\s*(?:T|\s|kl\.?)\s*", text.strip(), maxsplit=1,
                     flags=re.IGNORECASE)
    if len(parts) != 2 or not parts[1]:
        parse_day(parts[0])  # an unreadable date says so first
        raise Unreadable(_("Write both a date and a time, for example %(example)s.",
                           example="2026-12-24 15:00"))
    return dt.datetime.combine(parse_day(parts[0]), parse_time(parts[1]))


class _TypedField(Field):
    """A text field read by ``parse``; it shows what was typed until it is saved."""

    widget = TextInput()
    parse: Any = None
    shown_format = ""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {"autocomplete": "off", "spellcheck": "false",
                     **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(self.shown_format) if self.data is not None else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = " ".join(str(v) for v in valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = type(self).parse(text)
        except Unreadable as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            # the message that says how to write it, and no "required" after it
            raise StopValidation()


class DayField(_TypedField):
    """A date, typed; shown as YYYY-MM-DD."""

    parse = staticmethod(parse_day)
    shown_format = "%Y-%m-%d"

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("description", _l("For example 2026-12-24."))
        super().__init__(label, validators, **kwargs)


class MomentField(_TypedField):
    """A date and a local time of day, typed; shown as YYYY-MM-DD HH:MM."""

    parse = staticmethod(parse_moment)
    shown_format = "%Y-%m-%d %H:%M"

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("description", _l("Swedish time, for example 2026-12-24 15:00."))
        super().__init__(label, validators, **kwargs)

EARLIEST = dt.date(2000, 1, 1)   # no SIG record is older than the method
YEARS_AHEAD = 5                  # plans, meetings and consent periods


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


class Plausible:
    """A date (or date and time) from ``earliest`` up to today (``future=False``) or up to
    ``years_ahead`` years from today."""

    def __init__(self, *, future: bool = True, earliest: dt.date = EARLIEST,
                 years_ahead: int = YEARS_AHEAD) -> None:
        self.future, self.earliest, self.years_ahead = future, earliest, years_ahead

    def latest(self) -> dt.date:
        today = clock.local_today()
        if not self.future:
            return today
        try:
            return today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February
            return today.replace(year=today.year + self.years_ahead, day=28)

    def __call__(self, _form: Any, field: Any) -> None:
        day = _day(field.data)
        if day is None:
            return
        latest = self.latest()
        if day < self.earliest or day > latest:
            if not self.future and day > latest:
                raise ValidationError(_("The date cannot be in the future."))
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=self.earliest.isoformat(), last=latest.isoformat()))
