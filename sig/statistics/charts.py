"""Horizontal bar charts as data for an inline SVG (``templates/statistics/_chart.html``).

Server-rendered, so the page needs no script and passes the CSP (presentation
attributes only, no ``style``).  Hidden cells get no bar, only their "<5" or "–"
label, so a chart never shows more than the table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sig.statistics.tables import TOTAL, Cell, Part, TableSpec

LABEL_WIDTH = 330  # room for the longest Swedish label at 12 px
BAR_AREA = 330
VALUE_WIDTH = 60
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 14
GROUP_LABEL = 18
# Colour-blind-safe (Okabe–Ito), distinguishable in greyscale by order and label.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


@dataclass(frozen=True)
class Bar:
    label: str
    display: str
    y: int
    width: int  # 0 for a hidden cell
    colour: str


@dataclass(frozen=True)
class Group:
    label: str | None
    y: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    groups: list[Group]
    bars: list[Bar]


def _layout(groups: list[tuple[str | None, list[tuple[str, Cell]]]],
            one_colour: bool = False) -> Chart:
    largest = max((c.value or 0 for _, cells in groups for _, c in cells if c.shown), default=0)
    scale = BAR_AREA / largest if largest else 0
    y, out_groups, bars = 0, [], []
    for label, cells in groups:
        if label is not None:
            out_groups.append(Group(label, y + 13))
            y += GROUP_LABEL
        for i, (bar_label, cell) in enumerate(cells):
            width = round((cell.value or 0) * scale) if cell.shown else 0
            colour = PALETTE[0 if one_colour else i % len(PALETTE)]
            bars.append(Bar(bar_label, cell.display(), y, width, colour))
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    return Chart(LABEL_WIDTH + BAR_AREA + VALUE_WIDTH, max(y, 1), LABEL_WIDTH, out_groups, bars)


def table_chart(spec: TableSpec, part: Part) -> Chart:
    """One group per row (none for a one-row table), one bar per column; no totals."""
    columns = [c for c in part.column_codes if c != TOTAL]
    rows = [r for r in part.row_codes if r != TOTAL]
    one_row = len(rows) == 1
    axis = spec.columns
    if one_row and part.column_groups:  # one group of bars per classification (age, gender)
        return _layout([(str(title), [(str(axis.label(c)), part.cell(rows[0], c))
                                      for c in group])
                        for title, group in part.column_groups])
    return _layout([(None if one_row else str(spec.rows.label(r)),
                     [(str(spec.columns.label(c)), part.cell(r, c)) for c in columns])
                    for r in rows])


def series_chart(part: Part) -> Chart:
    return _layout([(None, [(str(label), cell) for label, cell in part.series])],
                   one_colour=True)  # one measure over time: one colour

