"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): parsing, validation with a reason per kind of error, and
the normal form used for the blind index.

Accepted input: ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``,
``YYMMDDNNNN`` and ``YYMMDD+NNNN`` (``+``: the person has turned 100).  A
coordination number has 60 added to the day of birth.  The last digit is a Luhn
check digit over the nine digits ``YYMMDDNNN``.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from kernel import clock

# ASCII digits only: ``\d`` would also accept e.g. full-width or Arabic-Indic digits, which
# int() reads but which would then end up, as written, in the normalised form.
_SHAPE = re.compile(r"([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{3})([0-9])")
COORDINATION_OFFSET = 60


class Problem(enum.StrEnum):
    EMPTY = "empty"
    FORMAT = "format"
    DATE = "date"
    FUTURE = "future"
    CHECK_DIGIT = "check_digit"


class InvalidPersonalNumber(ValueError):
    """Why a number is not valid.  Carries the kind of problem, never the number."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class PersonalNumber:
    normalised: str  # YYYYMMDDNNNC, the day as written (coordination numbers keep +60)
    birth_date: dt.date
    coordination: bool

    @property
    def display(self) -> str:
        return f"{self.normalised[:8]}-{self.normalised[8:]}"


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def parse(text: str, today: dt.date | None = None) -> PersonalNumber:
    """Validate and normalise.

    :raises InvalidPersonalNumber: with ``problem`` telling what is wrong.
    """
    cleaned = (text or "").strip().replace(" ", "")
    if not cleaned:
        raise InvalidPersonalNumber(Problem.EMPTY)
    match = _SHAPE.fullmatch(cleaned)
    if not match:
        raise InvalidPersonalNumber(Problem.FORMAT)
    century, yy, mm, dd, sep, serial, check = match.groups()
    if century is not None and sep == "+":
        raise InvalidPersonalNumber(Problem.FORMAT)  # '+' belongs to the 10-digit form only
    today = today or clock.local_today()
    day = int(dd)
    coordination = day > COORDINATION_OFFSET
    if coordination:
        day -= COORDINATION_OFFSET
    if century is not None:
        try:
            birth = dt.date(int(century) * 100 + int(yy), int(mm), day)
        except ValueError:
            raise InvalidPersonalNumber(Problem.DATE) from None
        if birth > today:
            # Only possible with the 12-digit form: the 10-digit form picks the past century.
            raise InvalidPersonalNumber(Problem.FUTURE)
    else:
        birth = _ten_digit_birth(int(yy), int(mm), day, today, centenarian=sep == "+")
    if luhn_check_digit(yy + mm + dd + serial) != int(check):
        raise InvalidPersonalNumber(Problem.CHECK_DIGIT)
    return PersonalNumber(f"{birth.year:04d}{mm}{dd}{serial}{check}", birth, coordination)


def _ten_digit_birth(yy: int, month: int, day: int, today: dt.date, *,
                     centenarian: bool) -> dt.date:
    """The birth date a 10-digit number stands for: the latest real date with these
    digits on which the person is, today, under 100 (``-`` or no separator) or 100 to 199
    (``+``).  A date later this year than today therefore belongs to the previous century.
    """
    lowest_age = 100 if centenarian else 0
    newest = today.year - (today.year - yy) % 100
    for year in (newest, newest - 100, newest - 200):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue  # no such date (month 13, 29 February in a common year, year < 1)
        if candidate <= today and lowest_age <= age_on(candidate, today) < lowest_age + 100:
            return candidate
    raise InvalidPersonalNumber(Problem.DATE)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
