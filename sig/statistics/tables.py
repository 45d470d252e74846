"""Tables of counts over the period hierarchy, and what a manager may see of them.

A table has row and column categories (coarse attributes only), optional totals, and a
count per aligned block of time.  For one calendar year the table's cells for the
year, its quarters and its months, with all their totals, form one structure whose
suppression is decided together (``suppression.suppress``, in the solver process), so
that a number hidden in one view cannot be worked back from another.  A custom period
adds nothing new: a cell is the sum of its blocks' cells and is shown only when all of
them are shown.
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
from sig.statistics.solver import suppress
from sig.statistics.suppression import Mark, Relation

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
    cases are split four ways and three ways rather than twelve.

    ``together`` names rare categories that are shown as one sum below a year (code ->
    the sum's code): a whole year shows each of them and their sum, its quarters and
    months only the sum.  The relations stay exact: the year's categories and the
    quarters' sums are two margins of a table that always has a solution, so nothing
    about a quarter's single category can be worked out beyond what the sums say."""

    codes: tuple[str, ...]
    labels: Mapping[str, Any]
    total: bool = True
    groups: tuple[tuple[str, ...], ...] = ()
    group_labels: tuple[Any, ...] = ()
    together: Mapping[str, str] = field(default_factory=dict)
    together_labels: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.groups and (sorted(c for g in self.groups for c in g) != sorted(self.codes)
                            or not self.total or len(self.group_labels) != len(self.groups)):
            raise ValueError("the groups must split the codes and have labels, and the "
                             "axis needs its total")
        sums = self.sums()
        if (not set(self.together) <= set(self.codes) or set(sums) & set(self.codes)
                or set(sums) != set(self.together_labels)
                or any(len({self.group_of(c) for c in members}) != 1
                       for members in sums.values())):
            raise ValueError("categories shown together must be codes of one group, and "
                             "their sums need new codes with labels")

    def sums(self) -> dict[str, tuple[str, ...]]:
        """Each sum's code with the categories it adds up, in the axis's order."""
        out: dict[str, list[str]] = {}
        for code in self.codes:
            if code in self.together:
                out.setdefault(self.together[code], []).append(code)
        return {code: tuple(members) for code, members in out.items()}

    def members(self, code: str) -> tuple[str, ...]:
        """The categories a shown code counts: a sum's members, or the code itself."""
        return self.sums().get(code, (code,))

    def shown(self, whole_year: bool = True) -> tuple[str, ...]:
        """The codes shown for a whole year (every category, each sum after its last
        member) or for a shorter block (the sums in place of their members)."""
        if not self.together:
            return self.codes
        sums = self.sums()
        out: list[str] = []
        for code in self.codes:
            total = self.together.get(code)
            if total is None:
                out.append(code)
            elif whole_year:
                out.append(code)
                if code == sums[total][-1]:
                    out.append(total)
            elif total not in out:
                out.append(total)
        return tuple(out)

    def with_total(self, whole_year: bool = True) -> tuple[str, ...]:
        shown = self.shown(whole_year)
        return (*shown, TOTAL) if self.total else shown

    def partition(self, whole_year: bool = True) -> tuple[tuple[str, ...], ...]:
        """The sets of shown codes that each add up to the total."""
        groups = self.groups or (self.codes,)
        if whole_year or not self.together:
            return groups
        return tuple(tuple(dict.fromkeys(self.together.get(c, c) for c in group))
                     for group in groups)

    def group_of(self, code: str) -> int:
        code = self.members(code)[0] if code in self.together_labels else code
        return next((i for i, g in enumerate(self.groups or (self.codes,)) if code in g), 0)

    def label(self, code: str) -> Any:
        if code == TOTAL:
            return _l("Total")
        return self.together_labels[code] if code in self.together_labels else self.labels[code]


ONE_ROW = Axis(("all",), {"all": _l("All")}, total=False)


@dataclass(frozen=True)
class ShareSpec:
    """A percentage per row: the numerator columns over the denominator columns."""

    label: Any
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


# Whether a cell is zero by construction, whatever the data: called with the first and
# last day of a block (a month, a quarter or a year), a row code, a column code and today.
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
        if self.rows.together:
            raise ValueError("only columns show categories together below a year")


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
    # For an axis with groups: each group's label and its shown column codes.
    column_groups: list[tuple[Any, tuple[str, ...]]] = field(default_factory=list)

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


def _whole_year(block: Block) -> bool:
    return block[0] == "Y"


def year_structure(spec: TableSpec, year: int,
                   base: Mapping[Key, int]) -> tuple[dict[Key, int], list[Relation]]:
    """Every cell of ``spec`` for ``year`` (the year and its quarters and months down to
    the table's grain, with all totals) and the relations between them.  ``base``
    holds counts per month (per year for yearly tables) per row and column code;
    absent means zero.  A stock's quarter is read from its last month.  Categories
    shown together below a year are one cell there and their own cells in the year."""
    grain, cols = spec.grain, spec.columns
    blocks = year_blocks(year, grain)
    finest = [b for b in blocks if b[0] == grain.value]
    values: dict[Key, int] = {}
    relations: list[Relation] = []

    def counted(block: Block, sources: list[Block]) -> None:
        for r in spec.rows.codes:
            for c in cols.shown(_whole_year(block)):
                values[(block, r, c)] = sum(int(base.get((m, r, f), 0))
                                            for m in sources for f in cols.members(c))

    for block in finest:
        counted(block, [block] if grain == Grain.YEAR else
                [_last(block, Grain.MONTH)] if spec.time == Time.STOCK else _months(block))
    if spec.time == Time.STOCK:
        blocks = finest  # a coarser block is its last finest block, not a cell of its own
    for block in reversed(blocks):  # finest first, so parts exist before their totals
        kids = _children(block, grain) if spec.time == Time.ADDITIVE else []
        if kids:
            counted(block, _months(block))  # the same as the sum of the kids' cells
        _add_margins(spec, block, values, relations)
        if kids:
            below = set(cols.with_total(_whole_year(kids[0])))
            for r in spec.rows.with_total():
                for c in cols.with_total(_whole_year(block)):
                    if c in below:
                        relations.append(Relation((block, r, c),
                                                  tuple((k, r, c) for k in kids)))
    return values, relations


def _add_margins(spec: TableSpec, block: Block, values: dict[Key, int],
                 relations: list[Relation]) -> None:
    rows, cols = spec.rows, spec.columns
    whole = _whole_year(block)
    if cols.total:
        for r in rows.codes:
            for group in cols.partition(whole):
                parts = tuple((block, r, c) for c in group)
                values[(block, r, TOTAL)] = sum(values[p] for p in parts)
                relations.append(Relation((block, r, TOTAL), parts))
    if rows.total:
        for c in cols.with_total(whole):
            parts = tuple((block, r, c) for r in rows.codes)
            values[(block, TOTAL, c)] = sum(values[p] for p in parts)
            relations.append(Relation((block, TOTAL, c), parts))
        if cols.total:
            for group in cols.partition(whole):
                relations.append(Relation((block, TOTAL, TOTAL),
                                          tuple((block, TOTAL, c) for c in group)))
    if whole and cols.together:
        # A year's sum of categories shown together is the sum of its categories, and
        # the total is also the sum of the sums and the other categories (so that a sum,
        # a part, is hidden before the total when a category beside it needs a partner).
        for r in rows.with_total():
            for total, members in cols.sums().items():
                relations.append(Relation((block, r, total),
                                          tuple((block, r, c) for c in members)))
            if cols.total:
                for group in cols.partition(False):
                    relations.append(Relation((block, r, TOTAL),
                                              tuple((block, r, c) for c in group)))


def known_zeros(spec: TableSpec, year: int, values: Mapping[Key, int],
                relations: Iterable[Relation], today: dt.date | None) -> frozenset[Key]:
    """The cells of ``year`` that ``spec.zero`` says are zero by construction, with every
    total whose parts all are.  Should the data contradict the rule (a meeting marked
    held before it began, say), nothing is claimed for that year: the cells are then
    protected like any other, rather than a reader being told a rule that does not hold."""
    if spec.zero is None or today is None:
        return frozenset()
    rule, cols = spec.zero, spec.columns
    blocks = {key[0] for key in values}
    known = {(b, r, c) for b in blocks for first, last in [block_days(b)]
             for r in spec.rows.codes for c in cols.shown(_whole_year(b))
             if all(rule(first, last, r, f, today) for f in cols.members(c))}
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
    if spec.grain == Grain.YEAR:
        parts = [_part(spec, [("Y", y)], rows, values, marks, threshold,
                       block_label(("Y", y)), known) for y in period.years()]
        return TableView(spec, parts, threshold)
    shown = period.widened(spec.grain.value)
    caption = None if shown == period else label(shown, block_label)
    if spec.time == Time.STOCK:
        blocks = [_last(shown.blocks()[-1], spec.grain)]
    else:
        blocks = shown.blocks()
    part = _part(spec, blocks, rows, values, marks, threshold, caption, known)
    sub_blocks = shown.sub_blocks(spec.grain.value)
    if spec.time == Time.ADDITIVE and len(sub_blocks) > 1:
        corner = (TOTAL if spec.rows.total else rows[-1],
                  TOTAL if spec.columns.total else spec.columns.shown(False)[0])
        part.series = [(block_label(b), combine(spec, [b], *corner, values, marks, threshold,
                                                known)) for b in sub_blocks]
    return TableView(spec, [part], threshold)


def label(period: Period, block_label: Any) -> str:
    """A period in words: one block's label, or "first – last"."""
    blocks = period.blocks()
    if len(blocks) == 1:
        return str(block_label(blocks[0]))
    return f"{block_label(blocks[0])} – {block_label(blocks[-1])}"


def _part(spec: TableSpec, blocks: list[Block], rows: list[str],
          values: Mapping[Key, int], marks: Mapping[Key, Mark], threshold: int,
          caption: Any, zeros: frozenset[Key]) -> Part:
    axis = spec.columns
    whole = all(_whole_year(_resolve(spec, b)) for b in blocks)
    cols = list(axis.with_total(whole))
    cells = {(r, c): combine(spec, blocks, r, c, values, marks, threshold, zeros)
             for r in rows for c in cols}
    shares: dict[str, list[str | None]] = {}
    for r in rows if spec.shares else ():
        shares[r] = []
        for s in spec.shares:
            top, bottom = _shown_codes(axis, s.numerator, cols), _shown_codes(axis, s.denominator,
                                                                              cols)
            shares[r].append(None if top is None or bottom is None else
                             share([cells[(r, c)] for c in top], [cells[(r, c)] for c in bottom]))
    groups = [(title, tuple(c for c in cols if c != TOTAL and axis.group_of(c) == i))
              for i, title in enumerate(axis.group_labels)]
    return Part(caption, rows, cols, cells, shares=shares, column_groups=groups)


def _shown_codes(axis: Axis, codes: tuple[str, ...], shown: list[str]) -> list[str] | None:
    """``codes`` as shown columns: a category shown only in its sum counts through the
    sum when all of the sum's categories are among ``codes``; None when one is not
    (the share is not defined below a year)."""
    out: list[str] = []
    for code in codes:
        if code in shown:
            out.append(code)
            continue
        total = axis.together.get(code)
        if total is None or total not in shown or not set(axis.members(total)) <= set(codes):
            return None
        if total not in out:
            out.append(total)
    return out


def share(numerator: Iterable[Cell], denominator: Iterable[Cell]) -> str | None:
    """A percentage from shown cells only; None when any of them is hidden or the
    denominator is zero (a share must not reveal what its counts hide)."""
    num, den = list(numerator), list(denominator)
    if not all(c.shown for c in num + den):
        return None
    top, bottom = sum(c.value or 0 for c in num), sum(c.value or 0 for c in den)
    return format_percent(top / bottom) if bottom else None
