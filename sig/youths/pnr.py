"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): parsing, validation with a reason per kind of error, and
the normal form used for the blind index.

Accepted input: ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``,
``YYMMDDNNNN`` and ``YYMMDD+NNNN`` (``+``: the person has turned 100).  A
coordination number has 60 added to the day of birth.  The last digit is a Luhn
check digit over the ten digits ``YYMMDDNNN``.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from sig import clock

_SHAPE = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")
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
    match = _SHAPE.match(cleaned)
    if not match:
        raise InvalidPersonalNumber(Problem.FORMAT)
    century, yy, mm, dd, sep, serial, check = match.groups()
    if century is not None and sep == "+":
        raise InvalidPersonalNumber(Problem.FORMAT)  # '+' belongs to the 10-digit form only
    today = today or clock.now().date()
    year_in_century = int(yy)
    if century is not None:
        year = int(century) * 100 + year_in_century
    else:
        year = today.year - (today.year - year_in_century) % 100
        if sep == "+":
            year -= 100
    day = int(dd)
    coordination = day > COORDINATION_OFFSET
    if coordination:
        day -= COORDINATION_OFFSET
    try:
        birth = dt.date(year, int(mm), day)
    except ValueError:
        raise InvalidPersonalNumber(Problem.DATE) from None
    if birth > today:
        # Only possible with the 12-digit form: the 10-digit form picks the past century.
        raise InvalidPersonalNumber(Problem.FUTURE)
    if luhn_check_digit(yy + mm + dd + serial) != int(check):
        raise InvalidPersonalNumber(Problem.CHECK_DIGIT)
    return PersonalNumber(f"{year:04d}{mm}{dd}{serial}{check}", birth, coordination)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
