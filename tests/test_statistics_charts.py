"""The SVG bar charts never show more than the table: hidden cells get no bar."""
from __future__ import annotations

from sig.statistics import charts
from sig.statistics.suppression import Mark
from sig.statistics.tables import ONE_ROW, Axis, Cell, Part, TableSpec

SPEC = TableSpec("t", "T", "T", ONE_ROW, Axis(("a", "b", "c"), {"a": "A", "b": "B", "c": "C"}))


def test_hidden_cells_get_no_bar_and_shown_ones_scale(app_ctx):
    cells = {("all", "a"): Cell(40, Mark.SHOWN, 5), ("all", "b"): Cell(None, Mark.SMALL, 5),
             ("all", "c"): Cell(None, Mark.HIDDEN, 5),
             ("all", "_total"): Cell(None, Mark.HIDDEN, 5)}
    chart = charts.table_chart(SPEC, Part(None, ["all"], ["a", "b", "c", "_total"], cells))
    bars = {bar.label: bar for bar in chart.bars}
    assert set(bars) == {"A", "B", "C"}  # no bar for the total
    assert bars["A"].width == charts.BAR_AREA and bars["A"].display == "40"
    assert (bars["B"].width, bars["B"].display) == (0, "<5")
    assert (bars["C"].width, bars["C"].display) == (0, "–")
    assert chart.groups == []  # a one-row table needs no group labels


def test_a_series_is_one_colour(app_ctx):
    part = Part(None, ["all"], ["a"], {}, series=[("Q1", Cell(10, Mark.SHOWN, 5)),
                                                   ("Q2", Cell(5, Mark.SHOWN, 5))])
    chart = charts.series_chart(part)
    assert {bar.colour for bar in chart.bars} == {charts.PALETTE[0]}
    assert [bar.width for bar in chart.bars] == [charts.BAR_AREA, charts.BAR_AREA // 2]
