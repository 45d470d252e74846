"""Small-cell suppression (``sig.statistics.suppression``): hand examples, input
validation, and property tests against an attacker written independently of it.

Every structure here is described twice: as the module sees it (published cells and
``Relation``s between them) and as the test's attacker sees it, namely the *base*
cells (months of one category, inner cells of a table) and every other published
cell as the sum of a set of base cells.  Every count below ``t``, zeros included, is
shown as "<t"; the attacker knows the shown values, that a "<t" cell is in
``0..t-1``, that a "–" cell is at least ``t`` (and at most the grand total, or twice
the sum of all values when that is hidden), and that counts are integers.  It comes
in two forms:

* ``IntegerAttacker`` (tables, overlapping period filters): a backtracking search
  over the hidden base cells, filling them in order with forward checking on every
  published sum, for a solution that gives a hidden cell another value.  The search
  stays within one unit of the true values: these systems are totally unimodular
  (a table's margins are two laminar families, filters over consecutive months are
  intervals) and every cell and sum is bounded by an interval (``0..t-1`` for
  "<t"), so if an integer solution moves a cell, the difference from the truth
  splits into conformal {0, ±1} steps (integer decomposition of a TU system), and
  the truth plus the step that moves the cell is a solution too.
  ``test_near_search_matches_full_enumeration`` checks that on small cases against
  a full enumeration.
* ``LinearAttacker`` (period hierarchies, which need not be totally unimodular): its
  own LP over the base cells with ``scipy.optimize.linprog``; a hidden cell is safe
  when its minimum is at most its value minus one or its maximum at least plus one.

A cell is unprotectable only if the attacker pins it down even with every cell
hidden (``everything_hidden``: hiding more only widens the attacker's bounds).  With
zeros behind "<t" too that takes relations that determine a cell by themselves, which
plain tables never do (``test_plain_tables_have_no_unprotectable_cell``); the property
tests still exempt such cells, and everything else must stay movable.
"""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from sig.statistics.suppression import (
    MIN_THRESHOLD,
    Mark,
    Relation,
    attacker_ranges,
    suppress,
)

T = MIN_THRESHOLD
ALL = "all"


# ---------------------------------------------------------------------------- structures

@dataclass
class Structure:
    values: dict[Hashable, int]
    relations: list[Relation]
    base: list[Hashable]                          # the attacker's unknowns
    sums: dict[Hashable, tuple[Hashable, ...]]    # every other cell as a sum of base cells
    grand: Hashable                               # the cell that sums everything


def one_way(counts: Sequence[int]) -> Structure:
    """A row of counts and its total."""
    base = [("cell", i) for i in range(len(counts))]
    values: dict[Hashable, int] = dict(zip(base, counts, strict=True))
    values[ALL] = sum(counts)
    return Structure(values, [Relation(ALL, tuple(base))], base, {ALL: tuple(base)}, ALL)


def two_way(grid: Sequence[Sequence[int]]) -> Structure:
    """A table with row totals, column totals and a grand total."""
    rows, cols = range(len(grid)), range(len(grid[0]))
    base = [(i, j) for i in rows for j in cols]
    values: dict[Hashable, int] = {(i, j): grid[i][j] for i, j in base}
    sums: dict[Hashable, tuple[Hashable, ...]] = {}
    relations = []
    for i in rows:
        sums[(i, ALL)] = tuple((i, j) for j in cols)
        relations.append(Relation((i, ALL), sums[(i, ALL)]))
    for j in cols:
        sums[(ALL, j)] = tuple((i, j) for i in rows)
        relations.append(Relation((ALL, j), sums[(ALL, j)]))
    sums[(ALL, ALL)] = tuple(base)
    relations.append(Relation((ALL, ALL), tuple((i, ALL) for i in rows)))
    relations.append(Relation((ALL, ALL), tuple((ALL, j) for j in cols)))
    for cell, parts in sums.items():
        values[cell] = sum(values[p] for p in parts)
    return Structure(values, relations, base, sums, (ALL, ALL))


def hierarchy(months_by_category: Sequence[Sequence[int]]) -> Structure:
    """Categories by month (a whole number of quarters), with quarter and year sums
    per category and a total over the categories for every period.  The relations
    are the published ones: a quarter is its months, the year its quarters, a total
    its categories."""
    categories = [f"c{k}" for k in range(len(months_by_category))]
    n_months = len(months_by_category[0])
    months = [("M", m) for m in range(1, n_months + 1)]
    quarters = [("Q", q) for q in range(1, n_months // 3 + 1)]
    in_period = {("M", m): [m] for m in range(1, n_months + 1)}
    for q in range(1, n_months // 3 + 1):
        in_period[("Q", q)] = [3 * q - 2, 3 * q - 1, 3 * q]
    in_period[("Y",)] = list(range(1, n_months + 1))
    base = [(c, month) for c in categories for month in months]
    values: dict[Hashable, int] = {
        (c, ("M", m)): months_by_category[k][m - 1]
        for k, c in enumerate(categories) for m in range(1, n_months + 1)}
    sums: dict[Hashable, tuple[Hashable, ...]] = {}
    for period, members in in_period.items():
        for c in categories:
            if period[0] != "M":
                sums[(c, period)] = tuple((c, ("M", m)) for m in members)
        sums[(ALL, period)] = tuple((c, ("M", m)) for c in categories for m in members)
    for cell, parts in sums.items():
        values[cell] = sum(values[p] for p in parts)
    relations = []
    for c in [*categories, ALL]:
        for q in quarters:
            relations.append(Relation((c, q), tuple((c, ("M", m)) for m in in_period[q])))
        relations.append(Relation((c, ("Y",)), tuple((c, q) for q in quarters)))
    for period in in_period:
        relations.append(Relation((ALL, period), tuple((c, period) for c in categories)))
    return Structure(values, relations, base, sums, (ALL, ("Y",)))


def table_over_quarter(grids: Sequence[Sequence[Sequence[int]]]) -> Structure:
    """A table with all its margins for each of three months and for their quarter:
    the three-dimensional shape of the dashboard's tables."""
    rows, cols = range(len(grids[0])), range(len(grids[0][0]))
    periods = {"m1": [0], "m2": [1], "m3": [2], "q": [0, 1, 2]}
    base = [(f"m{m + 1}", i, j) for m in range(3) for i in rows for j in cols]
    values: dict[Hashable, int] = {(f"m{m + 1}", i, j): grids[m][i][j]
                                   for m in range(3) for i in rows for j in cols}
    sums: dict[Hashable, tuple[Hashable, ...]] = {}
    relations = []
    for period, months in periods.items():
        def block(r: Sequence[int], c: Sequence[int], months=months) -> tuple[Hashable, ...]:
            return tuple((f"m{m + 1}", i, j) for m in months for i in r for j in c)
        for i, j in itertools.product([*rows, ALL], [*cols, ALL]):
            cell = (period, i, j)
            parts = block(rows if i == ALL else [i], cols if j == ALL else [j])
            if parts != (cell,):
                sums[cell] = parts
        for i in rows:
            relations.append(Relation((period, i, ALL), tuple((period, i, j) for j in cols)))
        for j in [*cols, ALL]:
            relations.append(Relation((period, ALL, j), tuple((period, i, j) for i in rows)))
    for i, j in itertools.product([*rows, ALL], [*cols, ALL]):
        relations.append(Relation(("q", i, j), tuple((m, i, j) for m in ("m1", "m2", "m3"))))
    for cell, parts in sums.items():
        values[cell] = sum(values[p] for p in parts)
    return Structure(values, relations, base, sums, ("q", ALL, ALL))


def filters(months: Sequence[int]) -> Structure:
    """Four months seen through overlapping filters: A = m1..m3, B = m2..m4, their
    intersection m2..m3 and union m1..m4, published side by side (the classic
    differencing attack: A minus the intersection is m1)."""
    base = [("m", k) for k in range(1, 5)]
    values: dict[Hashable, int] = dict(zip(base, months, strict=True))
    sums: dict[Hashable, tuple[Hashable, ...]] = {
        "A": tuple(base[0:3]), "B": tuple(base[1:4]),
        "A∩B": tuple(base[1:3]), "A∪B": tuple(base)}
    for cell, parts in sums.items():
        values[cell] = sum(values[p] for p in parts)
    relations = [Relation("A", sums["A"]), Relation("B", sums["B"]),
                 Relation("A∩B", sums["A∩B"]), Relation("A∪B", sums["A∪B"]),
                 Relation("A", (("m", 1), "A∩B")), Relation("B", ("A∩B", ("m", 4))),
                 Relation("A∪B", ("A", ("m", 4))), Relation("A∪B", (("m", 1), "B"))]
    return Structure(values, relations, base, sums, "A∪B")


# ---------------------------------------------------------------------------- attackers

def known_bounds(structure: Structure, marks: Mapping[Hashable, Mark],
                 threshold: int) -> dict[Hashable, tuple[int, int]]:
    """What the attacker knows of each published cell on its own; a shown grand
    total bounds every cell."""
    values = structure.values
    if marks[structure.grand] == Mark.SHOWN:
        upper = values[structure.grand]
    else:
        upper = 2 * sum(values.values())
    bounds = {}
    for cell, value in values.items():
        if marks[cell] == Mark.SHOWN:
            bounds[cell] = (value, value)
        elif marks[cell] == Mark.SMALL:
            bounds[cell] = (0, threshold - 1)
        else:
            bounds[cell] = (threshold, upper)
    return bounds


class IntegerAttacker:
    """Backtracking over the hidden base cells with forward checking on every sum."""

    def __init__(self, structure: Structure, marks: Mapping[Hashable, Mark],
                 threshold: int = T) -> None:
        self.structure = structure
        self.marks = marks
        self.bounds = known_bounds(structure, marks, threshold)
        self.unknown = [c for c in structure.base if marks[c] != Mark.SHOWN]
        self.truth = [structure.values[c] for c in self.unknown]
        position = {c: k for k, c in enumerate(self.unknown)}
        self.sums = []  # (cell, unknown positions, amount already fixed by shown cells)
        for cell, parts in structure.sums.items():
            fixed = sum(structure.values[p] for p in parts if p not in position)
            self.sums.append((cell, [position[p] for p in parts if p in position], fixed))

    def solutions(self, radius: int | None = None,
                  overrides: Mapping[Hashable, tuple[int, int]] | None = None,
                  ) -> Iterator[dict[Hashable, int]]:
        """Every consistent assignment of all cells (base cells within ``radius`` of
        their true values unless None); ``overrides`` narrows some cells' bounds."""
        bounds = dict(self.bounds)
        bounds.update(overrides or {})
        domains = []
        for cell, truth in zip(self.unknown, self.truth, strict=True):
            low, high = bounds[cell]
            if radius is not None:
                low, high = max(low, truth - radius), min(high, truth + radius)
            domains.append((low, high))
        limits = []
        for cell, positions, fixed in self.sums:
            low, high = bounds[cell]
            if not positions and not low <= fixed <= high:
                return
            limits.append((positions, low - fixed, high - fixed))
        touching = [[k for k, (positions, _, _) in enumerate(limits) if i in positions]
                    for i in range(len(self.unknown))]
        x: list[int | None] = [None] * len(self.unknown)

        def window(i: int) -> tuple[int, int]:
            low, high = domains[i]
            for k in touching[i]:
                positions, need_low, need_high = limits[k]
                done = sum(x[j] for j in positions if x[j] is not None)
                rest = [j for j in positions if j != i and x[j] is None]
                low = max(low, need_low - done - sum(domains[j][1] for j in rest))
                high = min(high, need_high - done - sum(domains[j][0] for j in rest))
            return low, high

        def fill(i: int) -> Iterator[None]:
            if i == len(x):
                yield None
                return
            low, high = window(i)
            for value in sorted(range(low, high + 1), key=lambda v: abs(v - self.truth[i])):
                x[i] = value
                yield from fill(i + 1)
            x[i] = None

        for _ in fill(0):
            full = dict(self.structure.values)
            full.update(zip(self.unknown, x, strict=True))
            for cell, parts in self.structure.sums.items():
                full[cell] = sum(full[p] for p in parts)
            yield full

    def movable(self, cell: Hashable, radius: int | None = 1) -> bool:
        """Whether some consistent assignment gives ``cell`` another value."""
        low, high = self.bounds[cell]
        truth = self.structure.values[cell]
        for window in ((low, truth - 1), (truth + 1, high)):
            if window[0] <= window[1]:
                if next(self.solutions(radius, {cell: window}), None) is not None:
                    return True
        return False

    def ranges(self) -> dict[Hashable, tuple[int, int]]:
        """Exact integer ranges of the hidden cells by full enumeration (small cases)."""
        seen: dict[Hashable, list[int]] = {}
        for solution in self.solutions():
            for cell, value in solution.items():
                seen.setdefault(cell, []).append(value)
        return {c: (min(seen[c]), max(seen[c]))
                for c in self.structure.values if self.marks[c] != Mark.SHOWN}


class LinearAttacker:
    """The attacker's LP over the base cells, built from the sums (not from the
    relations the module gets)."""

    def __init__(self, structure: Structure, marks: Mapping[Hashable, Mark],
                 threshold: int = T) -> None:
        self.structure = structure
        self.marks = marks
        index = {c: k for k, c in enumerate(structure.base)}
        self.vectors: dict[Hashable, np.ndarray] = {}
        for cell in structure.values:
            vector = np.zeros(len(structure.base))
            for part in structure.sums.get(cell, (cell,)):
                vector[index[part]] += 1
            self.vectors[cell] = vector
        rows, limits = [], []
        for cell in structure.values:
            low, high = self.bound(cell, threshold)
            rows.append(-self.vectors[cell])
            limits.append(-low)
            if high is not None:
                rows.append(self.vectors[cell])
                limits.append(high)
        self.a_ub, self.b_ub = np.array(rows), np.array(limits, dtype=float)

    def bound(self, cell: Hashable, threshold: int) -> tuple[int, int | None]:
        mark, value = self.marks[cell], self.structure.values[cell]
        if mark == Mark.SHOWN:
            return value, value
        if mark == Mark.SMALL:
            return 0, threshold - 1
        return threshold, None

    def optimum(self, cost: np.ndarray) -> float | None:
        """The minimum of ``cost @ x``, or None when unbounded below."""
        result = linprog(cost, A_ub=self.a_ub, b_ub=self.b_ub, bounds=(0, None),
                         method="highs")
        if result.status == 3:
            return None
        assert result.status == 0, result.message
        return result.fun

    def ranges(self) -> dict[Hashable, tuple[float, float]]:
        ranges = {}
        for cell in self.structure.values:
            if self.marks[cell] != Mark.SHOWN:
                low = self.optimum(self.vectors[cell])
                negated_high = self.optimum(-self.vectors[cell])
                assert low is not None
                ranges[cell] = (low, math.inf if negated_high is None else -negated_high)
        return ranges


# ---------------------------------------------------------------------------- checks

def suppressed(structure: Structure, threshold: int = T) -> dict[Hashable, Mark]:
    """Suppress ``structure`` and check what holds for every structure."""
    values = structure.values
    for relation in structure.relations:  # the input is consistent
        assert values[relation.total] == sum(values[p] for p in relation.parts)
    marks = suppress(values, structure.relations, threshold)
    assert marks.keys() == values.keys()
    for cell, mark in marks.items():
        assert (mark == Mark.SMALL) == (values[cell] < threshold), cell  # primary exactly
        if mark == Mark.SHOWN:  # zeros included: every count below t is "<t"
            assert values[cell] >= threshold, cell
        if mark == Mark.HIDDEN:  # "–" tells the reader "at least t"
            assert values[cell] >= threshold, cell
    return marks


def primary(structure: Structure, threshold: int = T) -> dict[Hashable, Mark]:
    """Primary suppression only: the small cells, nothing else hidden."""
    return {c: Mark.SMALL if v < threshold else Mark.SHOWN
            for c, v in structure.values.items()}


def everything_hidden(structure: Structure, threshold: int = T) -> dict[Hashable, Mark]:
    """The most any suppression can hide: every cell, small ones as "<t"."""
    return {c: Mark.SMALL if v < threshold else Mark.HIDDEN
            for c, v in structure.values.items()}


def integer_pinned(structure: Structure, marks: Mapping[Hashable, Mark],
                   threshold: int = T) -> set[Hashable]:
    attacker = IntegerAttacker(structure, marks, threshold)
    return {c for c in structure.values if marks[c] != Mark.SHOWN and not attacker.movable(c)}


def lp_pinned(structure: Structure, marks: Mapping[Hashable, Mark],
              threshold: int = T) -> set[Hashable]:
    ranges = LinearAttacker(structure, marks, threshold).ranges()
    return {c for c, r in ranges.items()
            if not (r[0] <= structure.values[c] - 1 + 1e-6
                    or r[1] >= structure.values[c] + 1 - 1e-6)}


def assert_nothing_derivable(structure: Structure, marks: Mapping[Hashable, Mark],
                             threshold: int = T) -> None:
    """No hidden cell is derivable, except those no suppression could protect
    (derivable even with every cell hidden, since hiding more only widens the
    attacker's bounds; plain tables have none)."""
    pinned = integer_pinned(structure, marks, threshold)
    if pinned:
        pinned -= integer_pinned(structure, everything_hidden(structure, threshold), threshold)
    assert not pinned, f"derivable: {sorted(pinned, key=repr)}"


def assert_nothing_derivable_by_lp(structure: Structure, marks: Mapping[Hashable, Mark],
                                   threshold: int = T) -> None:
    """As ``assert_nothing_derivable``, for the LP attacker."""
    pinned = lp_pinned(structure, marks, threshold)
    if pinned:
        pinned -= lp_pinned(structure, everything_hidden(structure, threshold), threshold)
    assert not pinned, f"derivable: {sorted(pinned, key=repr)}"


def hidden(marks: Mapping[Hashable, Mark]) -> set[Hashable]:
    return {c for c, m in marks.items() if m != Mark.SHOWN}


# ---------------------------------------------------------------------------- hand examples

def test_a_small_count_in_a_row_of_two_hides_its_neighbour_not_the_total():
    row = one_way([3, 7])
    marks = suppressed(row)
    assert marks == {("cell", 0): Mark.SMALL, ("cell", 1): Mark.HIDDEN, ALL: Mark.SHOWN}
    assert_nothing_derivable(row, marks)
    # 3 is "<5", so 0 to 4; the 7 is at least 5, and 10 minus 0 to 4.
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): (0.0, 4.0), ("cell", 1): (6.0, 10.0)}


def test_zeros_beside_a_small_count_are_small_too_and_protect_it():
    # 0 + 2 + 0 + 9 + 6 = 17: the zeros are "<5" like the 2, so the attacker only
    # learns that the three add up to 2, which leaves each of them 0, 1 or 2.
    row = one_way([0, 2, 0, 9, 6])
    marks = suppressed(row)
    assert marks == {("cell", 0): Mark.SMALL, ("cell", 1): Mark.SMALL,
                     ("cell", 2): Mark.SMALL, ("cell", 3): Mark.SHOWN,
                     ("cell", 4): Mark.SHOWN, ALL: Mark.SHOWN}
    assert_nothing_derivable(row, marks)
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): (0.0, 2.0), ("cell", 1): (0.0, 2.0), ("cell", 2): (0.0, 2.0)}


def test_two_small_counts_whose_sum_is_known_stay_ambiguous():
    # 1 + 1 + 8 = 10: with 8 and 10 shown the two "<5" add up to 2, so each is 0, 1
    # or 2: nothing more is hidden.
    row = one_way([1, 1, 8])
    marks = suppressed(row)
    assert marks == {("cell", 0): Mark.SMALL, ("cell", 1): Mark.SMALL,
                     ("cell", 2): Mark.SHOWN, ALL: Mark.SHOWN}
    assert_nothing_derivable(row, marks)
    solutions = list(IntegerAttacker(row, marks).solutions())
    assert sorted((s[("cell", 0)], s[("cell", 1)]) for s in solutions) == [
        (0, 2), (1, 1), (2, 0)]
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): (0.0, 2.0), ("cell", 1): (0.0, 2.0)}


@pytest.mark.parametrize(("counts_", "big_range"), [([0, 0, 8], (5.0, 8.0)),
                                                    ([4, 4, 9], (9.0, 17.0))],
                         ids=["sum-0", "sum-8"])
def test_two_small_counts_whose_known_sum_pins_them_hide_the_third(counts_, big_range):
    # A known sum of 0 makes both 0, one of 8 makes both 4 (the ends of "<5"); hiding
    # the third part turns the sum into a range.
    row = one_way(counts_)
    assert integer_pinned(row, primary(row)) == {("cell", 0), ("cell", 1)}
    marks = suppressed(row)
    assert marks == {("cell", 0): Mark.SMALL, ("cell", 1): Mark.SMALL,
                     ("cell", 2): Mark.HIDDEN, ALL: Mark.SHOWN}
    assert_nothing_derivable(row, marks)
    # 0 + 0 + x = 8 with x >= 5: the two add up to at most 3.
    small_range = (0.0, 3.0) if counts_[0] == 0 else (0.0, 4.0)
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): small_range, ("cell", 1): small_range, ("cell", 2): big_range}


def test_a_small_count_among_zeros_next_to_a_shown_cell_needs_nothing_hidden():
    # 1 + 0 + 0 + 5 = 6: the three "<5" add up to 6 - 5 = 1, so each is 0 or 1 and
    # nobody can tell which one is the 1.  (With zeros shown the 1 would be 6 - 5,
    # and hiding the 5 and the total too would be needed.)  The guarantee is just
    # that: a range of two values.
    row = one_way([1, 0, 0, 5])
    marks = suppressed(row)
    assert marks == {("cell", 0): Mark.SMALL, ("cell", 1): Mark.SMALL,
                     ("cell", 2): Mark.SMALL, ("cell", 3): Mark.SHOWN, ALL: Mark.SHOWN}
    assert_nothing_derivable(row, marks)
    solutions = list(IntegerAttacker(row, marks).solutions())
    assert sorted(tuple(s[("cell", k)] for k in range(3)) for s in solutions) == [
        (0, 0, 1), (0, 1, 0), (1, 0, 0)]
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): (0.0, 1.0), ("cell", 1): (0.0, 1.0), ("cell", 2): (0.0, 1.0)}


@pytest.mark.parametrize("counts_", [[1, 1, 1, 1], [1, 0, 1, 1, 1]], ids=["4", "5"])
def test_four_ones_with_a_total_of_four_are_no_longer_derivable(counts_):
    # The leak of a "<5" that meant 1-4: four such cells with a total of "<5" would
    # each be 1.  Now each part is anything from 0 to 4 (the others making up the
    # rest), and so is the total.
    row = one_way(counts_)
    marks = suppressed(row)
    assert marks == primary(row)
    assert all(m == Mark.SMALL for m in marks.values())
    assert not integer_pinned(row, marks)
    assert not integer_pinned(row, everything_hidden(row))
    assert attacker_ranges(row.values, row.relations, marks) == {
        c: (0.0, 4.0) for c in row.values}


def test_four_ones_and_their_total_under_a_shown_sum_hide_its_other_part():
    # s = 4 is "<5", but d = s + c with c and d shown gives it away as 13 - 9: the
    # other part c is hidden, and then nothing is derivable.
    values = {"p1": 1, "p2": 1, "p3": 1, "p4": 1, "s": 4, "c": 9, "d": 13}
    relations = [Relation("s", ("p1", "p2", "p3", "p4")), Relation("d", ("s", "c"))]
    marks = suppress(values, relations)
    assert marks == {"p1": Mark.SMALL, "p2": Mark.SMALL, "p3": Mark.SMALL,
                     "p4": Mark.SMALL, "s": Mark.SMALL, "c": Mark.HIDDEN, "d": Mark.SHOWN}
    assert attacker_ranges(values, relations, marks) == {
        "p1": (0.0, 4.0), "p2": (0.0, 4.0), "p3": (0.0, 4.0), "p4": (0.0, 4.0),
        "s": (0.0, 4.0), "c": (9.0, 13.0)}


def test_a_row_of_ones_and_zeros_in_a_table_is_protected():
    # Once unprotectable (four 1s and their total of 4), now an ordinary row of "<5":
    # each column gives its small cell away until one of its other cells is hidden.
    grid = [[1, 1, 1, 1, 0, 0], [12, 9, 14, 8, 11, 10], [7, 13, 9, 15, 6, 12]]
    table = two_way(grid)
    marks = suppressed(table)
    first_row = {(0, j) for j in range(6)} | {(0, ALL)}
    assert {c for c, m in marks.items() if m == Mark.SMALL} == first_row
    # Every column needs one other cell hidden, and the grand total over the rows
    # gives the first row's total away unless another row total goes too: seven
    # cells at least.  The partner that forces no further hide is preferred, so once
    # a cell of the last row is hidden (the smallest, 7), its row mates follow.
    assert {c for c, m in marks.items() if m == Mark.HIDDEN} == {
        (2, 0), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5), (2, ALL)}
    assert not integer_pinned(table, marks)
    assert not integer_pinned(table, everything_hidden(table))


def test_a_cell_the_relations_alone_determine_stays_small_and_hides_nothing():
    # a = a + b forces b = 0 whatever is hidden, so no suppression can protect it.
    # e = b + c would have the engine hide c, then a, and so on, for nothing: it
    # keeps b "<5" and moves on.
    values = {"a": 6, "b": 0, "c": 7, "e": 7, "d": 13}
    relations = [Relation("a", ("a", "b")), Relation("e", ("b", "c")),
                 Relation("d", ("a", "c"))]
    marks = suppress(values, relations)
    assert marks == {"a": Mark.SHOWN, "b": Mark.SMALL, "c": Mark.SHOWN,
                     "e": Mark.SHOWN, "d": Mark.SHOWN}
    assert attacker_ranges(values, relations, marks) == {"b": (0.0, 0.0)}
    everything = {c: Mark.SMALL if v < T else Mark.HIDDEN for c, v in values.items()}
    assert attacker_ranges(values, relations, everything)["b"] == (0.0, 0.0)


def test_a_small_inner_cell_of_a_table_hides_a_rectangle_and_keeps_the_margins():
    table = two_way([[2, 8, 9], [7, 6, 12], [10, 11, 14]])
    marks = suppressed(table)
    assert hidden(marks) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert all(marks[c] == Mark.SHOWN for c in table.sums)  # every margin is >= 5
    assert_nothing_derivable(table, marks)
    # Around the rectangle: 2 + d, 8 - d, 7 - d, 6 + d with every "–" at least 5.
    assert attacker_ranges(table.values, table.relations, marks) == {
        (0, 0): (1.0, 4.0), (0, 1): (6.0, 9.0), (1, 0): (5.0, 8.0), (1, 1): (5.0, 8.0)}


def test_a_zero_in_a_table_is_protected_like_any_small_count():
    grid = [[6 + 3 * r + c for c in range(3)] for r in range(3)]
    grid[1][1] = 0
    table = two_way(grid)
    marks = suppressed(table)
    assert {c for c, m in marks.items() if m == Mark.SMALL} == {(1, 1)}
    assert {c for c, m in marks.items() if m == Mark.HIDDEN} == {(0, 0), (0, 1), (1, 0)}
    assert_nothing_derivable(table, marks)
    # 0 + d, 7 - d, 6 + d, 9 - d: the 7 (at least 5) caps d at 2.
    assert attacker_ranges(table.values, table.relations, marks) == {
        (0, 0): (6.0, 8.0), (0, 1): (5.0, 7.0), (1, 0): (7.0, 9.0), (1, 1): (0.0, 2.0)}


def test_a_table_with_a_zero_and_a_small_margin():
    # 0 3 9 | 12
    # 8 1 6 | 15      The middle column total 4 is "<5" as well.
    # 8 4 15 | 27
    # The grand total over the columns gives the 4 away (27 - 8 - 15): a column total
    # goes, the 8 rather than the 15, and row 1 gives the 1 away (15 - 8 - 6) until
    # one of its cells goes.  Its 8 is the one that needs no further hide: its column
    # (0, 8 and the hidden total) already has two cells not shown, where the 6 would
    # leave the last column's 15 = 9 + 6 to give it away.  Two cells hidden.
    table = two_way([[0, 3, 9], [8, 1, 6]])
    marks = suppressed(table)
    assert {c for c, m in marks.items() if m == Mark.SMALL} == {(0, 0), (0, 1), (1, 1),
                                                               (ALL, 1)}
    assert {c for c, m in marks.items() if m == Mark.HIDDEN} == {(ALL, 0), (1, 0)}
    assert_nothing_derivable(table, marks)
    assert attacker_ranges(table.values, table.relations, marks) == {
        (0, 0): (0.0, 3.0), (0, 1): (0.0, 3.0), (1, 0): (5.0, 9.0), (1, 1): (0.0, 4.0),
        (ALL, 0): (8.0, 12.0), (ALL, 1): (0.0, 4.0)}


def test_a_small_month_is_not_derivable_from_quarters_or_the_year():
    months = [1, 8, 9, 7, 6, 10, 12, 5, 9, 11, 6, 8]
    year = hierarchy([months])
    marks = suppressed(year)
    assert marks[("c0", ("M", 1))] == Mark.SMALL
    assert len(hidden(marks)) >= 2
    assert_nothing_derivable_by_lp(year, marks)
    ranges = attacker_ranges(year.values, year.relations, marks)
    for cell, (low, high) in ranges.items():
        assert low <= year.values[cell] - 1 or high >= year.values[cell] + 1, cell


@pytest.mark.parametrize("months", [[1, 3, 5, 9], [1, 0, 0, 9]], ids=["1-3-5-9", "1-0-0-9"])
def test_differencing_overlapping_filters_reveals_nothing(months):
    # A = 9 and A∩B = 8 would give m1 = 1 away; with m2 = m3 = 0, A∩B = 0 and A = 1
    # are "<5" too, and A∪B - B = m1 must not give it away either.
    structure = filters(months)
    marks = suppressed(structure)
    assert marks[("m", 1)] == Mark.SMALL
    assert_nothing_derivable(structure, marks)
    assert_nothing_derivable_by_lp(structure, marks)


@pytest.mark.parametrize("structure", [
    one_way([3, 7]), one_way([1, 2, 0, 8]), one_way([1, 1, 8]), one_way([0, 2, 0, 9, 6]),
    one_way([2, 9, 6, 0]), one_way([1, 0, 1, 1, 1]),
    two_way([[2, 8, 9], [7, 6, 12], [10, 11, 14]]), two_way([[0, 3, 9], [8, 1, 6]]),
    two_way([[1, 0, 2], [0, 3, 9]]),
    filters([1, 3, 5, 9]), filters([2, 2, 7, 0]), filters([1, 0, 0, 9]),
], ids=["row-3-7", "row-1-2-0-8", "row-1-1-8", "row-0-2-0-9-6", "row-2-9-6-0",
        "row-four-ones", "table-3x3", "table-2x3", "table-zeros", "filters-1",
        "filters-2", "filters-zeros"])
def test_attacker_ranges_agree_with_full_enumeration(structure):
    marks = suppressed(structure)
    # With the grand total shown both bound a hidden cell by it (the enumeration
    # needs some bound; the module reports an unbounded cell as infinite).
    assert marks[structure.grand] != Mark.HIDDEN
    expected = IntegerAttacker(structure, marks).ranges()
    assert attacker_ranges(structure.values, structure.relations, marks) == {
        c: (float(low), float(high)) for c, (low, high) in expected.items()}


def test_attacker_ranges_agree_with_an_independent_lp_on_a_hierarchy():
    year = hierarchy([[0, 6, 2, 9, 8, 7], [5, 1, 12, 6, 0, 7]])
    marks = suppressed(year)
    expected = LinearAttacker(year, marks).ranges()
    got = attacker_ranges(year.values, year.relations, marks)
    assert got.keys() == expected.keys()
    for cell, (low, high) in got.items():
        assert low == pytest.approx(expected[cell][0], abs=1e-6)
        assert high == pytest.approx(expected[cell][1], abs=1e-6)


def test_attacker_ranges_report_unbounded_cells_as_infinite():
    row = one_way([3, 7])
    marks = {("cell", 0): Mark.SMALL, ("cell", 1): Mark.HIDDEN, ALL: Mark.HIDDEN}
    assert attacker_ranges(row.values, row.relations, marks) == {
        ("cell", 0): (0.0, 4.0), ("cell", 1): (5.0, math.inf), ALL: (5.0, math.inf)}


def test_attacker_ranges_refuse_contradictory_or_missing_marks():
    row = one_way([7, 3])
    contradictory = {("cell", 0): Mark.SMALL, ("cell", 1): Mark.SHOWN, ALL: Mark.SHOWN}
    with pytest.raises(ValueError, match="no solution"):
        attacker_ranges(row.values, row.relations, contradictory)
    row = one_way([0, 7])  # "–" is at least 5: a zero cannot carry it
    zero_as_hidden = {("cell", 0): Mark.HIDDEN, ("cell", 1): Mark.SHOWN, ALL: Mark.SHOWN}
    with pytest.raises(ValueError, match="no solution"):
        attacker_ranges(row.values, row.relations, zero_as_hidden)
    # ... whereas "<5" covers it (0 to 4) as it covers every small count.
    zero_as_small = {("cell", 0): Mark.SMALL, ("cell", 1): Mark.HIDDEN, ALL: Mark.SHOWN}
    assert attacker_ranges(row.values, row.relations, zero_as_small) == {
        ("cell", 0): (0.0, 2.0), ("cell", 1): (5.0, 7.0)}
    with pytest.raises(ValueError, match="no mark"):
        attacker_ranges(row.values, row.relations, {ALL: Mark.SHOWN})


@pytest.mark.parametrize("structure", [
    one_way([3, 7]), one_way([1, 0, 0, 5, 2]), one_way([1, 1, 8]), one_way([1, 0, 1, 1, 1]),
    two_way([[2, 8, 9], [7, 6, 12]]), two_way([[0, 3, 9], [8, 1, 6], [5, 5, 4]]),
    two_way([[1, 0, 2], [0, 3, 9]]), two_way([[1, 1], [1, 1]]), two_way([[1, 1], [1, 9]]),
    filters([1, 3, 5, 9]), filters([1, 0, 0, 9]),
], ids=["row-3-7", "row-5", "row-1-1-8", "row-four-ones", "table-2x3", "table-3x3",
        "table-zeros", "table-ones", "table-ones-9", "filters", "filters-zeros"])
def test_near_search_matches_full_enumeration(structure):
    # The integer attacker only looks within one unit of the truth (see the module
    # docstring); here it must agree with an unrestricted enumeration, on the
    # module's marks, on primary suppression only (which leaves cells derivable),
    # and with every cell hidden (what the property tests exempt).
    for marks in (suppressed(structure), primary(structure), everything_hidden(structure)):
        attacker = IntegerAttacker(structure, marks)
        for cell in hidden(marks):
            assert attacker.movable(cell, radius=1) == attacker.movable(cell, radius=None)


def test_cells_outside_every_relation_and_empty_input():
    assert suppress({}, []) == {}
    assert suppress({"x": 2, "y": 9, "z": 0}, []) == {
        "x": Mark.SMALL, "y": Mark.SHOWN, "z": Mark.SMALL}


# ---------------------------------------------------------------------------- validation

@pytest.mark.parametrize("threshold", [4, 3, 0, -1])
def test_a_threshold_below_five_is_refused(threshold):
    row = one_way([3, 7])
    with pytest.raises(ValueError, match="threshold"):
        suppress(row.values, row.relations, threshold)


def test_a_higher_threshold_suppresses_more():
    row = one_way([7, 12, 3, 20, 9])
    marks = suppressed(row, threshold=10)
    assert {c for c, m in marks.items() if m == Mark.SMALL} == {
        ("cell", 0), ("cell", 2), ("cell", 4)}
    assert_nothing_derivable(row, marks, threshold=10)


@pytest.mark.parametrize(("values", "relations", "message"), [
    ({"a": -1, "b": 6, "t": 5}, [Relation("t", ("a", "b"))], "negative"),
    ({"a": 2, "b": 6, "t": 9}, [Relation("t", ("a", "b"))], "does not hold"),
    ({"a": 2, "t": 2}, [Relation("t", ("a", "b"))], "unknown cell"),
    ({"a": 2.5, "t": 2.5}, [Relation("t", ("a",))], "not an integer"),
])
def test_invalid_input_is_refused(values, relations, message):
    with pytest.raises(ValueError, match=message):
        suppress(values, relations)


# ---------------------------------------------------------------------------- properties

# Many zeros and small values (0s and 1s above all: at the bottom of "<5"'s range they
# pin each other down most easily), some large enough to be shown.
counts = st.one_of(st.just(0), st.just(1), st.integers(0, T - 1), st.integers(0, 15))
one_way_tables = st.lists(counts, min_size=2, max_size=5).map(one_way)
two_way_tables = st.tuples(st.integers(2, 4), st.integers(2, 4)).flatmap(
    lambda shape: st.lists(st.lists(counts, min_size=shape[1], max_size=shape[1]),
                           min_size=shape[0], max_size=shape[0])).map(two_way)
hierarchies = st.tuples(st.integers(1, 3), st.integers(1, 4)).flatmap(
    lambda shape: st.lists(st.lists(counts, min_size=3 * shape[1], max_size=3 * shape[1]),
                           min_size=shape[0], max_size=shape[0])).map(hierarchy)
filtered = st.lists(counts, min_size=4, max_size=4).map(filters)
quarter_tables = st.tuples(st.integers(1, 2), st.integers(2, 3)).flatmap(
    lambda shape: st.lists(st.lists(st.lists(counts, min_size=shape[1], max_size=shape[1]),
                                    min_size=shape[0], max_size=shape[0]),
                           min_size=3, max_size=3)).map(table_over_quarter)


@settings(max_examples=80, deadline=None)
@given(one_way_tables)
def test_one_way_tables_reveal_no_hidden_cell(row):
    assert_nothing_derivable(row, suppressed(row))


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.lists(counts, min_size=1, max_size=6).map(one_way), two_way_tables))
def test_plain_tables_have_no_unprotectable_cell(table):
    # The property tests exempt the cells pinned with everything hidden; in a row or
    # a table with margins there are none.  (A zero's "<5" ranges over 0..4, so the
    # old leak, four 1s with a total of "<5", is gone: with nothing shown every cell
    # can trade a unit with a neighbour or move with its totals.)
    assert not integer_pinned(table, everything_hidden(table))
    assert not lp_pinned(table, everything_hidden(table))


@settings(max_examples=80, deadline=None)
@given(two_way_tables)
def test_two_way_tables_reveal_no_hidden_cell(table):
    assert_nothing_derivable(table, suppressed(table))


@settings(max_examples=30, deadline=None)
@given(hierarchies)
def test_period_hierarchies_reveal_no_hidden_cell(year):
    assert_nothing_derivable_by_lp(year, suppressed(year))


@settings(max_examples=25, deadline=None)
@given(quarter_tables)
def test_tables_over_a_quarter_reveal_no_hidden_cell(quarter):
    assert_nothing_derivable_by_lp(quarter, suppressed(quarter))


@settings(max_examples=60, deadline=None)
@given(filtered)
def test_overlapping_filters_reveal_no_hidden_cell(months):
    marks = suppressed(months)
    assert_nothing_derivable(months, marks)
    assert_nothing_derivable_by_lp(months, marks)


@settings(max_examples=30, deadline=None)
@given(st.one_of(two_way_tables, hierarchies, quarter_tables),
       st.randoms(use_true_random=False))
def test_marks_do_not_depend_on_input_order(structure, rng: random.Random):
    marks = suppress(structure.values, structure.relations)
    cells = list(structure.values.items())
    rng.shuffle(cells)
    relations = [Relation(r.total, tuple(rng.sample(r.parts, len(r.parts))))
                 for r in structure.relations]
    rng.shuffle(relations)
    assert suppress(dict(cells), relations) == marks


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=2, max_size=4), st.integers(5, 9))
def test_higher_thresholds_protect_too(counts_, threshold):
    row = one_way(counts_)
    assert_nothing_derivable(row, suppressed(row, threshold), threshold)


def test_every_small_count_alone_in_a_table_is_protected():
    # Exhaustive over the position and value of one small cell in a 3x3 table, zero
    # included: it is "<5" like the others and needs the same protection.
    for (i, j), small in itertools.product(itertools.product(range(3), range(3)), range(T)):
        grid = [[6 + 3 * r + c for c in range(3)] for r in range(3)]
        grid[i][j] = small
        table = two_way(grid)
        marks = suppressed(table)
        assert {c for c, m in marks.items() if m == Mark.SMALL} == {(i, j)}
        assert len(hidden(marks)) >= 4  # at least a rectangle
        assert not integer_pinned(table, marks)


# ---------------------------------------------------------------------------- known zeros


def closed_zeros(structure: Structure, chosen: set[Hashable]) -> set[Hashable]:
    """``chosen`` zero base cells, with every published sum of known zeros only."""
    known = {c for c in chosen if structure.values[c] == 0}
    return known | {cell for cell, parts in structure.sums.items()
                    if parts and all(p in known for p in parts)}


def test_a_known_zero_is_shown_and_protects_nothing():
    # The 0 is zero by construction (a month that has not begun): shown, and never
    # hidden for the 3, whose partner is the 7 instead.
    row = one_way([3, 0, 7])
    marks = suppress(row.values, row.relations, known_zeros={("cell", 1)})
    assert marks[("cell", 1)] == Mark.SHOWN
    assert marks[("cell", 0)] == Mark.SMALL and marks[("cell", 2)] == Mark.HIDDEN
    assert marks[ALL] == Mark.SHOWN
    assert not lp_pinned(row, marks)


@pytest.mark.parametrize("zeros", [{"nowhere"}, {("cell", 0)}])
def test_a_known_zero_must_be_a_zero_cell(zeros):
    row = one_way([3, 0, 7])
    with pytest.raises(ValueError, match="known zero"):
        suppress(row.values, row.relations, known_zeros=zeros)


@settings(max_examples=40, deadline=None)
@given(st.one_of(two_way_tables, hierarchies), st.randoms(use_true_random=False))
def test_known_zeros_are_shown_and_the_rest_stays_protected(structure, rng: random.Random):
    zero_cells = [c for c in structure.base if structure.values[c] == 0]
    known = closed_zeros(structure, set(rng.sample(zero_cells, len(zero_cells) // 2 + 1))
                         if zero_cells else set())
    marks = suppress(structure.values, structure.relations, known_zeros=known)
    for cell in known:
        assert marks[cell] == Mark.SHOWN
    for cell, mark in marks.items():
        if cell not in known:
            assert (mark == Mark.SMALL) == (structure.values[cell] < T), cell
    assert_nothing_derivable_by_lp(structure, marks)


# ---------------------------------------------------------------------------- no more than needed

@settings(max_examples=30, deadline=None)
@given(st.one_of(two_way_tables, one_way_tables))
def test_no_secondary_cell_is_hidden_without_need(table):
    # Showing any one "–" again would let the independent attacker pin some hidden
    # cell down: the greedy choice is pruned to what protection needs.
    marks = suppressed(table)
    exempt = lp_pinned(table, everything_hidden(table))
    for cell in [c for c, m in marks.items() if m == Mark.HIDDEN]:
        fewer = {**marks, cell: Mark.SHOWN}
        assert lp_pinned(table, fewer) - exempt, f"{cell!r} was hidden without need"


def test_two_cells_that_only_hide_each_other_are_shown_again_together():
    # Under a shown sum, "cancelled" and "not done" are each the other's partner; once
    # nothing small depends on them, showing one alone would pin the other, but
    # showing both is safe: the pruning shows them as a pair.
    values = {"total": 60, "small": 3, "done": 40, "cancelled": 10, "not_done": 7,
              "rest": 17}
    relations = [Relation("total", ("small", "done", "cancelled", "not_done")),
                 Relation("rest", ("cancelled", "not_done"))]
    marks = suppress(values, relations)
    assert marks["small"] == Mark.SMALL
    assert marks["cancelled"] == marks["not_done"] == Mark.SHOWN
    assert marks["done"] == Mark.HIDDEN
