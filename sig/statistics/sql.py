"""Small SQL building blocks the measures share; plain integer arithmetic on
``extract`` so SQLite and PostgreSQL give the same answers."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, cast, extract
from sqlalchemy.sql.expression import ColumnElement


def year_of(column: Any) -> ColumnElement[int]:
    return cast(extract("year", column), Integer)


def month_of(column: Any) -> ColumnElement[int]:
    return cast(extract("month", column), Integer)


def day_key(column: Any) -> ColumnElement[int]:
    """``(year * 12 + month) * 100 + day``: adding ``n * 100`` moves a date n months on,
    so "b is at most n months after a" is ``day_key(b) <= day_key(a) + 100 * n`` — the
    same as comparing with a + n months clamped to the end of a shorter month."""
    return (year_of(column) * 12 + month_of(column)) * 100 + cast(extract("day", column),
                                                                   Integer)


def day_key_of(day: dt.date) -> int:
    """``day_key`` for a Python date."""
    return (day.year * 12 + day.month) * 100 + day.day
