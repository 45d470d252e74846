"""Small SQL building blocks the measures share; plain integer arithmetic on
``extract`` so SQLite and PostgreSQL give the same answers."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, extract, literal
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


# --- moments in Swedish time ------------------------------------------------------------------
#
# Timestamps are stored in UTC; a meeting at 00:30 on 1 March in Stockholm is 23:30 on
# 28 February in UTC.  A period and its months are Swedish calendar months, so a moment
# column is compared with the UTC instants at which the Swedish months begin: plain
# comparisons, the same on SQLite (which has no time zones) and PostgreSQL.


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Swedish time."""
    return dt.datetime.combine(day, dt.time(), _zone()).astimezone(dt.UTC)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def in_local_days(column: Any, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """The moment falls on one of the Swedish days ``first`` … ``last``."""
    return and_(column >= local_midnight(first),
                column < local_midnight(last + dt.timedelta(days=1)))


def local_year_month(column: Any, first: dt.date,
                     last: dt.date) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The Swedish year and month of a moment within ``first`` … ``last``."""
    months = _months(first, last)
    bounds = [(column < local_midnight((m + dt.timedelta(days=32)).replace(day=1)), m)
              for m in months[:-1]]
    if not bounds:  # one month: every moment in it is of that month
        return literal(months[0].year), literal(months[0].month)
    year = case(*[(cond, m.year) for cond, m in bounds], else_=months[-1].year)
    month = case(*[(cond, m.month) for cond, m in bounds], else_=months[-1].month)
    return year, month
