"""The managers' dashboard: every measure for one period, suppressed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from kernel import clock
from sig.statistics import store, tables
from sig.statistics.measures import BY_TODAY
from sig.statistics.measures import MEASURES as _SQL_MEASURES
from sig.statistics.periods import Block, Period
from sig.statistics.tables import TableView


def threshold() -> int:
    return int(current_app.config["STATISTICS_MIN_CELL"])


def today() -> dt.date:
    return clock.local_today()


def block_label(block: Block) -> str:
    if block[0] == "Y":
        return str(block[1])
    if block[0] == "Q":
        return _("Q%(quarter)s %(year)s", quarter=block[2], year=block[1])  # type: ignore[misc]
    return format_date(dt.date(block[1], block[2], 1), "LLL y")  # type: ignore[misc]


def measure(name: str, period: Period) -> TableView:
    """One table for ``period`` (its counts stored for the next request)."""
    view = _measure(name, period)
    store.save()
    return view


def _measure(name: str, period: Period) -> TableView:
    """One table for ``period``: counted in SQL per whole year of the period (the
    suppression is decided per year, and a year counted for one page serves every
    other page that needs it: a range, the year after's comparison), then what may
    be shown of it."""
    spec, count = _SQL_MEASURES[name]
    day = today()
    base: dict[tables.Key, int] = {}
    for year in period.years():
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        base.update(store.counts(name, first, last, day if name in BY_TODAY else None,
                                 lambda first=first, last=last: count(first, last, day)))
    return tables.view(spec, period, base, threshold(), block_label, day)


def _prefetch(*periods: Period | None) -> None:
    """Every measure's stored counts for the years of ``periods``, in one statement."""
    day = today()
    store.prefetch(store.key_of(name, dt.date(year, 1, 1), dt.date(year, 12, 31),
                                day if name in BY_TODAY else None)
                   for period in periods if period is not None
                   for year in period.years() for name in _SQL_MEASURES)


def total(name: str, period: Period) -> tables.Cell | None:
    """The grand total of one measure for ``period``, as the dashboard shows it (a small
    or protected count stays hidden), for pages outside the dashboard."""
    cell = _total(name, period)
    store.save()
    return cell


def _total(name: str, period: Period) -> tables.Cell | None:
    view = _measure(name, period)
    spec, part = view.spec, view.parts[0]
    if not spec.columns.total or (not spec.rows.total and len(spec.rows.codes) != 1):
        return None
    row = tables.TOTAL if spec.rows.total else spec.rows.codes[0]
    return part.cell(row, tables.TOTAL)


def year_on_year(period: Period) -> dict[str, tuple[str, tables.Cell] | None]:
    """Each measure's total for the same period a year earlier, as the dashboard shows
    it for that period (suppressed by that year's own rule: nothing new is revealed),
    with the earlier period's label; None where a table has no single total."""
    earlier = period.year_earlier()
    if earlier is None:
        return dict.fromkeys(MEASURES)
    label = tables.label(earlier, block_label)
    out: dict[str, tuple[str, tables.Cell] | None] = {}
    for name in MEASURES:
        cell = _total(name, earlier)
        out[name] = (label, cell) if cell is not None else None
    store.save()
    return out


def _bind(name: str) -> Callable[[Period], TableView]:
    return lambda period: measure(name, period)


MEASURES: dict[str, Callable[[Period], TableView]] = {name: _bind(name) for name in _SQL_MEASURES}


def build(period: Period) -> list[TableView]:
    """Every measure for ``period`` (and what the year-on-year figures will ask for)."""
    _prefetch(period, period.year_earlier())
    views = [_measure(name, period) for name in MEASURES]
    store.save()
    return views


def find(name: str) -> Any:
    return _SQL_MEASURES.get(name)


clear_cache = tables.clear_cache
