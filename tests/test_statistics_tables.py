"""Periods and the period hierarchy: what any choice of period can reveal.

A manager can ask for any month, quarter, year or custom range, so two overlapping
choices could be subtracted.  The dashboard prevents that by construction: every
month, quarter and year of a table comes from one suppression per year, and a custom
range only ever adds up cells that are shown anyway.  These tests check both halves
on random data, and that a table of youths never goes finer than a quarter."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sig.statistics import tables
from sig.statistics.periods import Period, PeriodError, from_args
from sig.statistics.suppression import Mark
from sig.statistics.tables import TOTAL, Axis, Grain, TableSpec, Time

D = dt.date
SPEC = TableSpec("t", "t", "t", Axis(("a", "b"), {"a": "A", "b": "B"}),
                 Axis(("x", "y"), {"x": "X", "y": "Y"}))
YOUTHS = TableSpec("q", "q", "q", Axis(("a", "b"), {"a": "A", "b": "B"}),
                   Axis(("x", "y"), {"x": "X", "y": "Y"}), grain=Grain.QUARTER)
STOCK = TableSpec("s", "s", "s", Axis(("a",), {"a": "A"}), Axis(("x", "y"), {"x": "X", "y": "Y"}),
                  time=Time.STOCK, grain=Grain.QUARTER)


def label(block):
    return "-".join(map(str, block))


def periods(years: tuple[int, ...]) -> list[Period]:
    out = []
    for y in years:
        out.append(Period.year(y))
        out += [Period.quarter(y, q) for q in range(1, 5)]
        out += [Period.month(y, m) for m in range(1, 13)]
    months = [(y, m) for y in years for m in range(1, 13)]
    for (y1, m1), (y2, m2) in itertools.combinations(months, 2):
        if (y1 * 12 + m1) % 5 == 0 or (y2 * 12 + m2) % 7 == 0:  # a spread of ranges
            out.append(Period.custom(D(y1, m1, 1), D(y2, m2, 1)))
    return out


base_counts = st.dictionaries(
    st.tuples(st.sampled_from([2024, 2025]), st.integers(1, 12), st.sampled_from("ab"),
              st.sampled_from("xy")),
    st.integers(0, 9), max_size=40)


def _base(counts):
    return {(("M", y, m), r, c): n for (y, m, r, c), n in counts.items()}


def _truth(spec, period, base, row, col):
    months = {(y, m) for y, m in period.widened(spec.grain.value).months()}
    rows = spec.rows.codes if row == TOTAL else (row,)
    cols = spec.columns.codes if col == TOTAL else (col,)
    return sum(n for ((_, y, m), r, c), n in base.items()
               if (y, m) in months and r in rows and c in cols)


@settings(max_examples=25, deadline=None)
@given(base_counts)
def test_every_period_shows_true_figures_and_only_via_shown_blocks(counts):
    base = _base(counts)
    tables.clear_cache()
    for spec in (SPEC, YOUTHS):
        year_cells = {}
        for year in (2024, 2025):
            values, marks = tables.year_marks(spec, year, base, 5)
            year_cells.update({k: (values[k], marks[k]) for k in values})
        for period in periods((2024, 2025)):
            view = tables.view(spec, period, base, 5, label)
            blocks = period.widened(spec.grain.value).blocks()
            for (row, col), cell in view.parts[0].cells.items():
                truth = _truth(spec, period, base, row, col)
                parts = [year_cells[(b, row, col)] for b in blocks]
                if cell.shown:
                    # The true figure, and nothing new: every block is shown on its own.
                    assert cell.value == truth
                    assert all(mark == Mark.SHOWN for _, mark in parts)
                    assert truth >= 5
                elif cell.partial:
                    assert any(mark != Mark.SHOWN for _, mark in parts)
                elif cell.mark == Mark.SMALL:
                    assert truth <= 4
                else:
                    assert truth >= 5


def test_a_table_of_youths_widens_a_month_to_its_quarter():
    base = {(("M", 2025, m), r, c): 6 for m in range(1, 13) for r in "ab" for c in "xy"}
    base[(("M", 2025, 2), "a", "x")] = 7
    view = tables.view(YOUTHS, Period.month(2025, 2), base, 5, label)
    assert view.parts[0].caption == "Q-2025-1"
    cell = view.parts[0].cell("a", "x")
    assert (cell.value, cell.mark) == (19, Mark.SHOWN)
    assert tables.view(SPEC, Period.month(2025, 2), base, 5, label).parts[0].caption is None


def test_a_stock_is_read_on_the_last_day():
    base = {(("M", 2025, m), "a", c): 10 + m for m in range(1, 13) for c in "xy"}
    for period, expected in ((Period.year(2025), 22), (Period.quarter(2025, 2), 16),
                             (Period.month(2025, 4), 16),
                             (Period.custom(D(2025, 1, 1), D(2025, 8, 1)), 19)):
        assert tables.view(STOCK, period, base, 5, label).parts[0].cell("a", "x").value == \
            expected, period


@pytest.mark.parametrize(("args", "code"), [
    ({"period": "week"}, "kind"), ({"period": "year", "year": "1999"}, "year"),
    ({"period": "year", "year": "tjugo"}, "year"), ({"period": "quarter", "year": "2025",
                                                     "quarter": "5"}, "quarter"),
    ({"period": "month", "month": "2025-13"}, "month_format"),
    ({"period": "month", "month": "mars"}, "month_format"),
    ({"period": "custom", "from": "2025-06", "to": "2025-01"}, "order"),
    ({"period": "custom", "from": "2001-01", "to": "2025-01"}, "too_long"),
])
def test_a_period_that_does_not_exist_is_refused_with_a_reason(args, code):
    with pytest.raises(PeriodError) as refused:
        from_args(args, D(2026, 6, 1))
    assert refused.value.code == code


def test_periods_and_their_blocks():
    assert from_args({}, D(2026, 6, 1)) == Period.year(2026)
    custom = Period.custom(D(2023, 11, 5), D(2025, 2, 1))
    assert custom.blocks() == [("M", 2023, 11), ("M", 2023, 12), ("Y", 2024),
                               ("M", 2025, 1), ("M", 2025, 2)]
    assert custom.widened("Q") == Period("custom", D(2023, 10, 1), D(2025, 3, 31))
    assert Period.month(2025, 5).widened("Q") == Period.quarter(2025, 2)
    assert Period.month(2025, 5).widened("Y") == Period.year(2025)
    assert Period.quarter(2025, 2).sub_blocks("M") == [("M", 2025, 4), ("M", 2025, 5),
                                                       ("M", 2025, 6)]
    assert Period.year(2025).query_args() == {"period": "year", "year": "2025"}
