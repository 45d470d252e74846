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


@settings(max_examples=15, deadline=None)
@given(base_counts)
def test_every_period_shows_true_figures_and_only_via_shown_blocks(counts):
    base = _base(counts)
    tables.clear_cache()
    for spec in (SPEC, YOUTHS):
        year_cells = {}
        for year in (2024, 2025):
            values, marks, _ = tables.year_marks(spec, year, base, 5)
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


def _future(first, last, row, column, today):
    return first > today


FUTURE = TableSpec("f", "f", "f", Axis(("a", "b"), {"a": "A", "b": "B"}),
                   Axis(("x", "y"), {"x": "X", "y": "Y"}), zero=_future)


def test_months_that_have_not_begun_are_shown_as_zero_by_construction():
    base = {(("M", 2025, m), "a", "x"): 6 + m for m in range(1, 9)}
    base |= {(("M", 2025, m), "b", "y"): 2 for m in range(1, 9)}
    today = D(2025, 8, 20)
    view = tables.view(FUTURE, Period.quarter(2025, 4), base, 5, label, today)
    part = view.parts[0]
    assert all(part.cell(r, c).state == "zero" and part.cell(r, c).display() == "0"
               for r in ("a", "b", TOTAL) for c in ("x", "y", TOTAL))
    september = tables.view(FUTURE, Period.month(2025, 9), base, 5, label, today).parts[0]
    assert september.cell(TOTAL, TOTAL).state == "zero"
    # August has begun: its 2s are "<5" like any small count, not claimed zero.
    august = tables.view(FUTURE, Period.month(2025, 8), base, 5, label, today).parts[0]
    assert august.cell("b", "y").state == "small"
    # Without the rule the same zeros are "<5" and need protecting.
    plain = tables.view(FUTURE, Period.quarter(2025, 4), base, 5, label).parts[0]
    assert plain.cell(TOTAL, TOTAL).state == "small"


def test_data_that_contradict_the_rule_claim_nothing():
    # A count in a month that has not begun (a meeting marked held before it began):
    # the year's cells are protected as usual rather than a false zero shown.
    base = {(("M", 2025, 3), "a", "x"): 9, (("M", 2025, 11), "a", "x"): 1}
    view = tables.view(FUTURE, Period.month(2025, 12), base, 5, label, D(2025, 8, 20))
    assert {c.state for c in view.parts[0].cells.values()} == {"small"}


GROUPED = TableSpec("g", "g", "g", tables.ONE_ROW,
                    Axis(("young", "old", "girl", "boy"), {"young": "Y", "old": "O",
                                                           "girl": "G", "boy": "B"},
                         groups=(("young", "old"), ("girl", "boy")),
                         group_labels=("Age", "Gender")), grain=Grain.QUARTER)


def test_a_grouped_axis_adds_up_per_group_and_is_not_crossed():
    base = {(("M", 2025, m), "all", code): n for m in (1, 4, 7, 10)
            for code, n in (("young", 12), ("old", 8), ("girl", 11), ("boy", 9))}
    values, relations = tables.year_structure(GROUPED, 2025, base)
    key = (("Q", 2025, 1), "all", TOTAL)
    assert values[key] == 20
    assert {frozenset(c for _, _, c in r.parts) for r in relations if r.total == key} == {
        frozenset({"young", "old"}), frozenset({"girl", "boy"})}
    part = tables.view(GROUPED, Period.quarter(2025, 1), base, 5, label).parts[0]
    assert [part.cell("all", c).value for c in ("young", "old", "girl", "boy", TOTAL)] == \
        [12, 8, 11, 9, 20]


def test_a_grouped_axis_must_split_its_codes():
    with pytest.raises(ValueError):
        Axis(("a", "b", "c"), {}, groups=(("a", "b"),), group_labels=("x",))
    with pytest.raises(ValueError):
        Axis(("a", "b"), {}, groups=(("a",), ("b",)))
    with pytest.raises(ValueError):
        TableSpec("s", "s", "s", tables.ONE_ROW, Axis(("a",), {}), time=Time.STOCK,
                  zero=_future)


TOGETHER = TableSpec("r", "r", "r", tables.ONE_ROW,
                     Axis(("done", "moved", "other"), {"done": "D", "moved": "M", "other": "O"},
                          together={"moved": "rest", "other": "rest"},
                          together_labels={"rest": "Moved or other"}),
                     grain=Grain.QUARTER, shares=(
                         tables.ShareSpec("done", ("done",), ("done", "moved", "other")),
                         tables.ShareSpec("moved", ("moved",), ("done", "moved", "other"))))


def test_rare_categories_are_one_sum_below_a_year_and_each_in_the_year():
    base = {}
    for m in (1, 4, 7, 10):
        base |= {(("M", 2025, m), "all", "done"): 20, (("M", 2025, m), "all", "moved"): 3,
                 (("M", 2025, m), "all", "other"): 4}
    values, relations = tables.year_structure(TOGETHER, 2025, base)
    assert (("Q", 2025, 1), "all", "moved") not in values
    assert values[(("Q", 2025, 1), "all", "rest")] == 7
    assert values[(("Y", 2025), "all", "moved")] == 12
    assert values[(("Y", 2025), "all", "rest")] == 28
    # the year's sum is its quarters' sums and its own categories' sum
    assert tables.Relation((("Y", 2025), "all", "rest"),
                           tuple((("Q", 2025, q), "all", "rest") for q in range(1, 5))) in relations
    assert tables.Relation((("Y", 2025), "all", "rest"),
                           ((("Y", 2025), "all", "moved"), (("Y", 2025), "all", "other"))) \
        in relations
    quarter = tables.view(TOGETHER, Period.quarter(2025, 2), base, 5, label).parts[0]
    assert quarter.column_codes == ["done", "rest", TOTAL]
    assert quarter.cell("all", "rest").value == 7
    assert quarter.shares["all"][0] is not None and quarter.shares["all"][1] is None
    year = tables.view(TOGETHER, Period.year(2025), base, 5, label).parts[0]
    assert year.column_codes == ["done", "moved", "other", "rest", TOTAL]
    assert [year.cell("all", c).value for c in year.column_codes] == [80, 12, 16, 28, 108]
    assert TOGETHER.columns.label("rest") == "Moved or other"


def test_categories_shown_together_must_be_named_and_of_one_group():
    with pytest.raises(ValueError):
        Axis(("a", "b"), {}, together={"a": "s", "b": "s"})
    with pytest.raises(ValueError):
        Axis(("a", "b", "c"), {}, groups=(("a",), ("b", "c")), group_labels=("x", "y"),
             together={"a": "s", "b": "s"}, together_labels={"s": "S"})


# A past year of the benchmark municipality's actions, month by month: no action of
# the year is still overdue (a column of "<5" zeros), some were cancelled or left
# undone when their case closed.
PAST_ACTIONS = {
    "social_services": {"cancelled": [0, 0, 0, 1, 1, 2, 3, 1, 3, 2, 1, 0],
                        "done": [0, 0, 1, 11, 3, 8, 6, 2, 3, 1, 5, 3],
                        "not_done": [0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1]},
    "police": {"cancelled": [0, 0, 0, 1, 0, 3, 2, 2, 2, 2, 2, 1],
               "done": [0, 0, 1, 5, 6, 6, 11, 9, 14, 9, 10, 6],
               "not_done": [0, 2, 1, 0, 0, 0, 2, 0, 0, 2, 0, 0]},
    "school": {"cancelled": [0, 0, 0, 1, 2, 3, 4, 3, 2, 4, 4, 3],
               "done": [1, 2, 4, 9, 8, 8, 14, 15, 10, 7, 15, 14],
               "not_done": [0, 1, 0, 1, 0, 2, 0, 2, 2, 1, 1, 1]},
    "other": {"cancelled": [1, 0, 2, 4, 1, 2, 0, 2, 4, 1, 0, 2],
              "done": [2, 5, 1, 5, 9, 8, 4, 9, 11, 9, 15, 8],
              "not_done": [0, 2, 0, 2, 0, 1, 0, 1, 4, 0, 0, 0]},
}


def test_a_past_year_with_nothing_overdue_hides_two_cells_a_row_not_three():
    # Each row's "<5" needs a partner.  "Not done" would need its sum with "cancelled"
    # hidden too (three a row, 15 in the year, as before the look-ahead); "done" is
    # protected by the done column that every row's partner shares (two a row).
    from sig.statistics.measures import ACTIONS
    from sig.statistics.suppression import attacker_ranges

    base = {(("M", 2024, m + 1), row, col): n for row, cols in PAST_ACTIONS.items()
            for col, months in cols.items() for m, n in enumerate(months) if n}
    tables.clear_cache()
    values, marks, zeros = tables.year_marks(ACTIONS, 2024, base, 5, D(2026, 12, 6))
    year = {(row, col) for (block, row, col) in values
            if block == ("Y", 2024) and marks[(block, row, col)] != Mark.SHOWN}
    assert year == {(row, col) for row in (*PAST_ACTIONS, TOTAL)
                    for col in ("overdue", "done")}
    assert all(values[(("Y", 2024), row, "planned")] == 0 for row in PAST_ACTIONS)
    assert {z[2] for z in zeros if z[0] == ("Y", 2024)} == {"planned"}
    _, relations = tables.year_structure(ACTIONS, 2024, base)
    for cell, (low, high) in attacker_ranges(values, relations, marks).items():
        assert low <= values[cell] - 1 or high >= values[cell] + 1, cell
