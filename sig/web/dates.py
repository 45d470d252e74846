"""Dates a person could mean: every date and time field of the app names its plausible
range, and a date outside it gets a message that says the range (instead of being stored,
or overflowing when a time is converted to UTC).

    closed_on = DateField(..., validators=[DataRequired(), Plausible(future=False)])
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from wtforms.validators import ValidationError

from kernel import clock

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
        today = clock.now().date()
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
