"""Tables of counts over the period hierarchy, and what a manager may see of them.

A table has row and column categories (coarse attributes only), optional totals, and a
count per aligned block of time.  For one calendar year the table's cells for the
year, its quarters and its months, with all their totals, form one structure whose
suppression is decided together (``suppression.suppress``), so that a number hidden
in one view cannot be worked back from another.  A custom period adds nothing new: a
cell is the sum of its blocks' cells and is shown only when all of them are shown.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from sig.statistics.periods import Block, Period, block_days
from sig.statistics.suppression import Mark, Relation, suppress

TOTAL = "_total"
Key = tuple[Block, str, str]  # (block, row code, column code)


class Time(enum.StrEnum):
    ADDITIVE = "additive"  # counts of things that happen in a period: year = sum of quarters
    STOCK = "stock"        # a count on the last day of a period: a year is its last quarter


class Grain(enum.StrEnum):
    """The finest period a table is counted for.  Tables of youths (and of the actions
    in their plans) go no finer than a quarter: a month's cohort is one or two youths,
    and the many tiny months would force most of the year's figures to be hidden to
    protect them."""

    MONTH = "M"
    QUARTER = "Q"
    YEAR = "Y"    # measures of whole groups over a calendar year


@dataclass(frozen=True)
class Axis:
    """Categories of a table's rows or columns.  An axis with ``groups`` classifies the
    same units several ways (age band, then gender): each group sums to the total, and
    the cells of one group are never crossed with another's, so a quarter's forty
    cases are split four ways and three ways rather than twelve."""

    codes: tuple[str, ...]
    labels: Mapping[str, Any]
    total: bool = True
    groups: tuple[tuple[str, ...], ...] = ()
    group_labels: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.groups and (sorted(c for g in self.groups for c in g) != sorted(self.codes)
                            or not self.total or len(self.group_labels) != len(self.groups)):
            raise ValueError("the groups must split the codes and have labels, and the "
                             "axis needs its total")

    def with_total(self) -> tuple[str, ...]:
        return (*self.codes, TOTAL) if self.total else self.codes

    def partition(self) -> tuple[tuple[str, ...], ...]:
        """The sets of codes that each add up to the total."""
        return self.groups or (self.codes,)

    def group_of(self, code: str) -> int:
        return next((i for i, g in enumerate(self.partition()) if code in g), 0)

    def label(self, code: str) -> Any:
        return _l("Total") if code == TOTAL else self.labels[code]


ONE_ROW = Axis(("all",), {"all": _l("All")}, total=False)


@dataclass(frozen=True)
class ShareSpec:
    """A percentage per row: the numerator columns over the denominator columns."""

    label: Any
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


# Whether a cell is zero by construction, whatever the data: called with the first and
# last day of one of the table's finest blocks, a row code, a column code and today.
ZeroRule = Callable[[dt.date, dt.date, str, str, dt.date], bool]


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: Any
    description: Any
    rows: Axis
    columns: Axis
    time: Time = Time.ADDITIVE
    grain: Grain = Grain.MONTH
    shares: tuple[ShareSpec, ...] = ()
    # Cells every reader knows to be zero (a month not yet begun, a status a past period
    # cannot have): shown as 0, not protected, never hidden for another cell.
    zero: ZeroRule | None = None

    def __post_init__(self) -> None:
        if self.zero is not None and self.time == Time.STOCK:
            raise ValueError("a stock repeats its last block: no cell is zero by construction")

    def cell_codes(self) -> list[tuple[str, str]]:
        return [(r, c) for r in self.rows.with_total() for c in self.columns.with_total()]


@dataclass(frozen=True)
class Cell:
    value: int | None  # None when hidden: templates and exports never get the number
    mark: Mark
    threshold: int
    # A custom period's sum with a hidden part: not worked out, whatever its size.
    partial: bool = False
    # Zero by construction (``TableSpec.zero``): shown as 0, protects nothing.
    structural: bool = False

    @property
    def shown(self) -> bool:
        return self.mark == Mark.SHOWN

    @property
    def state(self) -> str:
        if self.structural:
            return "zero"
        return "partial" if self.partial else str(self.mark)

    def display(self) -> str:
        if self.partial:
            return "×"
        if self.mark == Mark.SMALL:
            return f"<{self.threshold}"
        if self.mark == Mark.HIDDEN:
            return "–"
        return format_decimal(self.value)


@dataclass
class Part:
    caption: Any
    row_codes: list[str]
    column_codes: list[str]
    cells: dict[tuple[str, str], Cell]
    series: list[tuple[Any, Cell]] = field(default_factory=list)  # grand total per sub-period
    shares: dict[str, list[str | None]] = field(default_factory=dict)  # row -> per ShareSpec

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[(row, column)]


@dataclass
class TableView:
    spec: TableSpec
    parts: list[Part]
    threshold: int

    @property
    def id(self) -> str:
        return self.spec.id


# ---------------------------------------------------------------------------- structure

def year_blocks(year: int, grain: Grain) -> list[Block]:
    """The blocks of ``year`` down to ``grain``, coarsest first."""
    blocks: list[Block] = [("Y", year)]
    if grain != Grain.YEAR:
        blocks += [("Q", year, q) for q in range(1, 5)]
    if grain == Grain.MONTH:
        blocks += [("M", year, m) for m in range(1, 13)]
    return blocks


def _last(block: Block, grain: Grain) -> Block:
    """The finest block that ends ``block``: a stock's year is its last quarter or month."""
    if grain == Grain.YEAR or block[0] == grain.value:
        return block
    if grain == Grain.QUARTER:
        return ("Q", block[1], 4) if block[0] == "Y" else block
    return ("M", block[1], 12 if block[0] == "Y" else 3 * block[2])  # type: ignore[misc]


def _children(block: Block, grain: Grain) -> list[Block]:
    if block[0] == "Y" and grain != Grain.YEAR:
        return [("Q", block[1], q) for q in range(1, 5)]
    if block[0] == "Q" and grain == Grain.MONTH:
        q = block[2]  # type: ignore[misc]
        return [("M", block[1], m) for m in range(3 * q - 2, 3 * q + 1)]
    return []


def _months(block: Block) -> list[Block]:
    if block[0] == "M":
        return [block]
    return [m for child in _children(block, Grain.MONTH) for m in _months(child)]


def year_structure(spec: TableSpec, year: int,
                   base: Mapping[Key, int]) -> tuple[dict[Key, int], list[Relation]]:
    """Every cell of ``spec`` for ``year`` (the year and its quarters and months down to
    the table's grain, with all totals) and the relations between them.  ``base``
    holds counts per month (per year for yearly tables) per row and column code;
    absent means zero.  A stock's quarter is read from its last month."""
    grain = spec.grain
    blocks = year_blocks(year, grain)
    finest = [b for b in blocks if b[0] == grain.value]
    values: dict[Key, int] = {}
    relations: list[Relation] = []
    for block in finest:
        sources = ([block] if grain == Grain.YEAR else
                   [_last(block, Grain.MONTH)] if spec.time == Time.STOCK else _months(block))
        for r in spec.rows.codes:
            for c in spec.columns.codes:
                values[(block, r, c)] = sum(int(base.get((m, r, c), 0)) for m in sources)
    if spec.time == Time.STOCK:
        blocks = finest  # a coarser block is its last finest block, not a cell of its own
    for block in reversed(blocks):  # finest first, so parts exist before their totals
        kids = _children(block, grain) if spec.time == Time.ADDITIVE else []
        if kids:
            for r in spec.rows.codes:
                for c in spec.columns.codes:
                    values[(block, r, c)] = sum(values[(k, r, c)] for k in kids)
        _add_margins(spec, block, values, relations)
        for r, c in spec.cell_codes() if kids else ():
            relations.append(Relation((block, r, c), tuple((k, r, c) for k in kids)))
    return values, relations


def _add_margins(spec: TableSpec, block: Block, values: dict[Key, int],
                 relations: list[Relation]) -> None:
    rows, cols = spec.rows, spec.columns
    if cols.total:
        for r in rows.codes:
            for group in cols.partition():
                parts = tuple((block, r, c) for c in group)
                values[(block, r, TOTAL)] = sum(values[p] for p in parts)
                relations.append(Relation((block, r, TOTAL), parts))
    if rows.total:
        for c in cols.with_total():
            parts = tuple((block, r, c) for r in rows.codes)
            values[(block, TOTAL, c)] = sum(values[p] for p in parts)
            relations.append(Relation((block, TOTAL, c), parts))
        if cols.total:
            for group in cols.partition():
                relations.append(Relation((block, TOTAL, TOTAL),
                                          tuple((block, TOTAL, c) for c in group)))


def known_zeros(spec: TableSpec, year: int, values: Mapping[Key, int],
                relations: Iterable[Relation], today: dt.date | None) -> frozenset[Key]:
    """The cells of ``year`` that ``spec.zero`` says are zero by construction, with every
    total whose parts all are.  Should the data contradict the rule (a meeting marked
    held before it began, say), nothing is claimed for that year: the cells are then
    protected like any other, rather than a reader being told a rule that does not hold."""
    if spec.zero is None or today is None:
        return frozenset()
    finest = [b for b in year_blocks(year, spec.grain) if b[0] == spec.grain.value]
    known = {(b, r, c) for b in finest for first, last in [block_days(b)]
             for r in spec.rows.codes for c in spec.columns.codes
             if spec.zero(first, last, r, c, today)}
    relations = list(relations)
    grew = bool(known)
    while grew:
        grew = False
        for relation in relations:
            if relation.total not in known and all(p in known for p in relation.parts):
                known.add(relation.total)
                grew = True
    if any(values[k] for k in known):
        return frozenset()
    return frozenset(known)


# ---------------------------------------------------------------------------- views

_cache: dict[Any, dict[Key, Mark]] = {}
_CACHE_LIMIT = 512


def clear_cache() -> None:
    _cache.clear()


def year_marks(spec: TableSpec, year: int, base: Mapping[Key, int], threshold: int,
               today: dt.date | None = None
               ) -> tuple[dict[Key, int], dict[Key, Mark], frozenset[Key]]:
    """The year's cells, their marks and which of them are zero by construction
    (decided by ``today``; none without it)."""
    values, relations = year_structure(spec, year, base)
    zeros = known_zeros(spec, year, values, relations, today)
    cache_key = (spec.id, year, threshold, tuple(sorted(values.items(), key=repr)),
                 tuple(sorted(zeros, key=repr)))
    marks = _cache.get(cache_key)
    if marks is None:
        marks = suppress(values, relations, threshold, zeros)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[cache_key] = marks
    return values, marks, zeros


def _resolve(spec: TableSpec, block: Block) -> Block:
    return _last(block, spec.grain) if spec.time == Time.STOCK else block


def combine(spec: TableSpec, blocks: Iterable[Block], row: str, column: str,
            values: Mapping[Key, int], marks: Mapping[Key, Mark], threshold: int,
            zeros: frozenset[Key] = frozenset()) -> Cell:
    """The cell for a run of aligned blocks: shown only when every block's cell is."""
    keys = [(_resolve(spec, b), row, column) for b in blocks]
    structural = all(k in zeros for k in keys)
    if len(keys) == 1:
        mark = marks[keys[0]]
        return Cell(values[keys[0]] if mark == Mark.SHOWN else None, mark, threshold,
                    structural=structural)
    if all(marks[k] == Mark.SHOWN for k in keys):
        return Cell(sum(values[k] for k in keys), Mark.SHOWN, threshold,
                    structural=structural)
    return Cell(None, Mark.HIDDEN, threshold, partial=True)


def view(spec: TableSpec, period: Period, base: Mapping[Key, int], threshold: int,
         block_label: Any, today: dt.date | None = None) -> TableView:
    """What may be shown of ``spec`` for ``period``.  ``base`` covers the period's years.
    A period finer than the table's grain is widened to whole quarters or years, and
    the table says which period it shows."""
    values: dict[Key, int] = {}
    marks: dict[Key, Mark] = {}
    zeros: set[Key] = set()
    for year in period.years():
        v, m, z = year_marks(spec, year, base, threshold, today)
        values.update(v)
        marks.update(m)
        zeros.update(z)
    known = frozenset(zeros)
    rows = list(spec.rows.with_total())
    cols = list(spec.columns.with_total())
    if spec.grain == Grain.YEAR:
        parts = [_part(spec, [("Y", y)], rows, cols, values, marks, threshold,
                       block_label(("Y", y)), known) for y in period.years()]
        return TableView(spec, parts, threshold)
    shown = period.widened(spec.grain.value)
    caption = None if shown == period else label(shown, block_label)
    if spec.time == Time.STOCK:
        blocks = [_last(shown.blocks()[-1], spec.grain)]
    else:
        blocks = shown.blocks()
    part = _part(spec, blocks, rows, cols, values, marks, threshold, caption, known)
    sub_blocks = shown.sub_blocks(spec.grain.value)
    if spec.time == Time.ADDITIVE and len(sub_blocks) > 1:
        corner = (TOTAL if spec.rows.total else rows[-1],
                  TOTAL if spec.columns.total else cols[0])
        part.series = [(block_label(b), combine(spec, [b], *corner, values, marks, threshold,
                                                known)) for b in sub_blocks]
    return TableView(spec, [part], threshold)


def label(period: Period, block_label: Any) -> str:
    """A period in words: one block's label, or "first – last"."""
    blocks = period.blocks()
    if len(blocks) == 1:
        return str(block_label(blocks[0]))
    return f"{block_label(blocks[0])} – {block_label(blocks[-1])}"


def _part(spec: TableSpec, blocks: list[Block], rows: list[str], cols: list[str],
          values: Mapping[Key, int], marks: Mapping[Key, Mark], threshold: int,
          caption: Any, zeros: frozenset[Key]) -> Part:
    cells = {(r, c): combine(spec, blocks, r, c, values, marks, threshold, zeros)
             for r in rows for c in cols}
    shares = {r: [share([cells[(r, c)] for c in s.numerator],
                        [cells[(r, c)] for c in s.denominator]) for s in spec.shares]
              for r in rows} if spec.shares else {}
    return Part(caption, rows, cols, cells, shares=shares)


def share(numerator: Iterable[Cell], denominator: Iterable[Cell]) -> str | None:
    """A percentage from shown cells only; None when any of them is hidden or the
    denominator is zero (a share must not reveal what its counts hide)."""
    num, den = list(numerator), list(denominator)
    if not all(c.shown for c in num + den):
        return None
    top, bottom = sum(c.value or 0 for c in num), sum(c.value or 0 for c in den)
    return format_percent(top / bottom) if bottom else None
