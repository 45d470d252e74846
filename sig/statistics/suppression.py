"""Small-cell suppression of published counts (DESIGN §7).

Every count below ``t`` (5 by default, never lower) is published as "<t" (*primary*
suppression, ``Mark.SMALL``), zeros included: a "<5" that meant 1-4 would give values
away (four such cells with a total of "<5" would each be 1).  The one exception is a
cell that is zero *by construction* (``known_zeros``: a month that has not begun, a
status no past period can have), which every reader knows without being told; it
is shown as 0 and never hidden for another cell.  Published cells are tied
together by linear relations (row and column totals, a year as the sum of its
quarters and months, overlapping filters), so hiding the small cells alone is not
enough: a hidden cell could be worked back from the visible ones.  *Secondary*
suppression (``Mark.HIDDEN``, shown as "–") hides further cells until no hidden
cell can be derived.

The attacker model
------------------
The attacker knows every SHOWN value, every relation, that a SMALL cell lies in
``0..t-1``, that a HIDDEN cell is at least ``t`` (secondary cells carry their own
symbol), and that all counts are non-negative integers.  No upper bound is assumed
for HIDDEN cells: any bound an attacker could know follows from a visible total.
A hidden cell is *protected* when some solution of the attacker's linear system
moves it by at least one whole unit away from its true value, so linear reasoning
(what a person with a spreadsheet does) cannot narrow it down to one integer.  The
guarantee is exactly that and no more: a protected cell's range may be as narrow as
two values (three small cells known to sum to 1 are each 0 or 1).

The module is pure (no Flask, no database) and deterministic: the same input gives
the same output whatever the order of the mapping, of the relations or of their
parts (cells and relations are ordered by ``repr`` wherever order matters; two
different keys with the same ``repr`` would make the order of the input matter).

Method
------
1. Primary suppression: every value below ``t`` is SMALL, except the known zeros
   (cells zero by construction, which every reader knows anyway): they are shown.
2. Structural pass: a relation with exactly one non-shown member gives that member
   away, so another member is hidden, repeated to a fixpoint.  The member to hide is
   always chosen the same way: parts before totals; then the cell that leaves the
   fewest other relations with a single non-shown member (each of those would need
   one more cell hidden), and among those the one whose partners there would leave
   the fewest in turn (one step of look-ahead: fewer cells hidden in all); then the
   smallest value, then by ``repr`` (the smallest values lose the least information).
3. Bound propagation: each relation bounds each of its hidden cells by the bounds of
   the others, with integer rounding, repeated while anything tightens.  This is a
   sound part of what the attacker can do, so a cell whose bounds meet is pinned;
   it is cheap (no LP) and finds most pinned cells.  For each such cell, hide a
   shown cell in a relation with it (same preference; widening to relations further
   away when none is left), then run 2. and 3. again.
4. Linear-programming audit (``scipy.optimize.linprog``, HiGHS) of the cells not yet
   proven free.  The true values are one feasible point, so an LP whose solution
   moves a cell by a unit proves it free; batched LPs along seeded random signed
   directions (and their opposites) prove most cells at once, and only the rest get
   one LP per cell (maximise, then minimise) on their connected component.  Hiding
   more cells only enlarges the attacker's feasible set, so a cell once proven free
   stays free and is never audited again.  Pinned cells are handled as in 3., and
   the audit repeats until nothing is pinned.

For one- and two-dimensional tables with margins the system is totally unimodular
(the margins are two laminar families of sums), so the LP ranges are exactly the
integer ranges.  For larger structures (a table over the period hierarchy) the LP is
the standard audit of statistical disclosure control and its ranges can have
fractional ends; bound propagation adds some integer reasoning on top.
"""
from __future__ import annotations

import enum
import heapq
import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# numpy and scipy (~50 MB) are imported when the first linear programme is built, so a
# process that builds none never holds them (see ``_numerics``); the web workers decide
# through ``sig.statistics.solver``, in a process of its own.
np: Any = None
linprog: Any = None
csr_matrix: Any = None
connected_components: Any = None

MIN_THRESHOLD = 5

# A cell counts as movable when a solution moves it by at least one unit, less this
# tolerance for the solver's floating-point error.
_EPS = 1e-6
# Seed of the batched LPs' random directions: any fixed value keeps runs reproducible
# (and the marks never depend on it: the per-cell LPs settle whatever it leaves open).
_SEED = 20240601
# At most this many secondary cells are shown again together (see ``_Suppressor.prune``).
_PRUNE_GROUP = 6


class Mark(enum.StrEnum):
    SHOWN = "shown"
    SMALL = "small"      # primary: value < threshold (zero included), shown as "<5"
    HIDDEN = "hidden"    # secondary: value >= threshold, hidden so a small cell cannot be derived


@dataclass(frozen=True)
class Relation:
    """``values[total] == sum(values[p] for p in parts)``."""

    total: Hashable
    parts: tuple[Hashable, ...]


# ---------------------------------------------------------------------------- public API

def suppress(values: Mapping[Hashable, int], relations: Sequence[Relation],
             threshold: int = MIN_THRESHOLD,
             known_zeros: Iterable[Hashable] = ()) -> dict[Hashable, Mark]:
    """The mark of every cell of ``values``: primary, then secondary suppression.

    ``relations`` must hold on ``values``.  ``known_zeros`` are cells that are zero by
    construction, which every reader knows without being told (a month that has not
    begun, "not yet followed up" once the follow-up time has passed): they are SHOWN,
    never hidden to protect another cell, and the attacker knows them like any shown
    value.  Raises ``ValueError`` when the threshold is below ``MIN_THRESHOLD``, a
    value is negative or not an integer, a relation names an unknown cell, a relation
    does not hold, or a known zero is unknown or not zero.  Deterministic:
    independent of the order of ``values``, ``relations`` and ``known_zeros``.

    A cell that the relations determine whatever is hidden (``a = a + b`` forces
    ``b = 0``) cannot be protected by hiding anything; it keeps its mark and the
    search moves on instead of hiding everything around it.
    """
    structure = _Structure(values, relations, threshold)
    zeros = frozenset(known_zeros)
    for cell in zeros:
        if structure.values.get(cell) != 0:
            raise ValueError(f"known zero {cell!r} is not a cell with the value 0")
    return _Suppressor(structure, zeros).run()


def attacker_ranges(values: Mapping[Hashable, int], relations: Sequence[Relation],
                    marks: Mapping[Hashable, Mark],
                    threshold: int = MIN_THRESHOLD) -> dict[Hashable, tuple[float, float]]:
    """For each non-SHOWN cell, the (min, max) an attacker can work out.

    The attacker knows the SHOWN values, the relations, that SMALL cells lie in
    ``[0, threshold-1]``, that HIDDEN cells are ``>= threshold`` (no upper bound), and
    that all cells are ``>= 0``.  Each bound is an exact linear programme
    (``scipy.optimize.linprog(method="highs")``) over the cell's connected component;
    a maximum is ``math.inf`` when nothing bounds the cell.  Results within 1e-6 of
    an integer are rounded to it.  Raises ``ValueError`` on invalid input as
    ``suppress`` does, when a cell has no mark, and when the marks leave no feasible
    values (say a SMALL mark on a value of 7 that a shown total pins).
    """
    structure = _Structure(values, relations, threshold)
    missing = [c for c in structure.cells if c not in marks]
    if missing:
        raise ValueError(f"no mark for {missing[0]!r}")
    view = _View(structure, {c: Mark(marks[c]) for c in structure.cells})
    ranges: dict[Hashable, tuple[float, float]] = {}
    for i, cell in enumerate(view.variables):
        component = view.labels[i]
        if view.component_rows[component].size == 0:  # in no relation: its own bounds
            low, high = view.lower[i], view.upper[i]
        else:
            unit = np.zeros(len(view.variables))
            unit[i] = 1.0
            lowest = view.solve(unit, component, capped=False)
            highest = view.solve(-unit, component, capped=False)
            if lowest is None:  # pragma: no cover - x >= 0 bounds every minimum
                raise ValueError("the attacker's system is unbounded below")
            low, high = lowest[i], math.inf if highest is None else highest[i]
        ranges[cell] = (_tidy(low), _tidy(high))
    return {cell: ranges[cell] for cell in values if cell in ranges}


# ---------------------------------------------------------------------------- internals


def _numerics() -> None:
    """Import numpy and scipy on first use (module globals, set once)."""
    global np, linprog, csr_matrix, connected_components  # noqa: PLW0603
    if np is None:
        import numpy
        from scipy.optimize import linprog as solve
        from scipy.sparse import csr_matrix as sparse
        from scipy.sparse.csgraph import connected_components as components

        linprog, csr_matrix, connected_components = solve, sparse, components
        np = numpy

def _tidy(number: float) -> float:
    if math.isinf(number):
        return number
    nearest = round(number)
    return float(nearest) if abs(number - nearest) < _EPS else float(number)


def _relation_order(relation: Relation) -> tuple[str, list[str]]:
    """Canonical order of relations, whatever the order of their parts."""
    return repr(relation.total), sorted(repr(p) for p in relation.parts)


class _Structure:
    """The validated input in canonical (``repr``-sorted) order, with each relation
    as merged coefficients: +1 for the total, -1 per part (a cell listed twice
    counts twice; a total among its own parts cancels)."""

    def __init__(self, values: Mapping[Hashable, int], relations: Sequence[Relation],
                 threshold: int) -> None:
        if isinstance(threshold, bool) or int(threshold) != threshold:
            raise ValueError(f"threshold must be an integer, not {threshold!r}")
        if threshold < MIN_THRESHOLD:
            raise ValueError(f"threshold {threshold} is below the minimum {MIN_THRESHOLD}")
        self.threshold = int(threshold)
        self.cells: list[Hashable] = sorted(values, key=repr)
        self.position = {cell: i for i, cell in enumerate(self.cells)}
        self.values: dict[Hashable, int] = {}
        for cell in self.cells:
            value = values[cell]
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(f"value of {cell!r} is not an integer: {value!r}")
            if value < 0:
                raise ValueError(f"value of {cell!r} is negative: {value!r}")
            self.values[cell] = int(value)
        self.terms: list[dict[Hashable, int]] = []
        self.parts: list[frozenset[Hashable]] = []
        self.totals: set[Hashable] = set()  # cells that are the sum of others somewhere
        for relation in sorted(relations, key=_relation_order):
            for cell in (relation.total, *relation.parts):
                if cell not in self.values:
                    raise ValueError(f"{relation!r} names an unknown cell {cell!r}")
            if self.values[relation.total] != sum(self.values[p] for p in relation.parts):
                raise ValueError(f"{relation!r} does not hold on the given values")
            terms: dict[Hashable, int] = {relation.total: 1}
            for part in relation.parts:
                terms[part] = terms.get(part, 0) - 1
            terms = {c: k for c, k in sorted(terms.items(), key=lambda t: repr(t[0])) if k}
            if terms:
                self.terms.append(terms)
                self.parts.append(frozenset(c for c in relation.parts if c in terms))
                self.totals.add(relation.total)
        self.relations_of: dict[Hashable, list[int]] = {c: [] for c in self.cells}
        for r, terms in enumerate(self.terms):
            for cell in terms:
                self.relations_of[cell].append(r)
        # The same by position, for bound propagation.
        self.rows = [[(self.position[c], k) for c, k in terms.items()] for terms in self.terms]
        self.rows_of = [self.relations_of[c] for c in self.cells]
        # Larger than every true value: caps the batched LPs, which only prove freedom.
        self.cap = 2.0 * sum(self.values.values()) + self.threshold + 1

    def bounds(self, marks: Mapping[Hashable, Mark]) -> tuple[list[float], list[float]]:
        """What the attacker knows of each cell before using any relation."""
        low: list[float] = []
        high: list[float] = []
        t = self.threshold
        for cell in self.cells:
            mark = marks[cell]
            if mark == Mark.SHOWN:
                low.append(self.values[cell])
                high.append(self.values[cell])
            elif mark == Mark.SMALL:
                low.append(0)
                high.append(t - 1)
            else:
                low.append(t)
                high.append(math.inf)
        return low, high

    def propagate(self, marks: Mapping[Hashable, Mark]) -> tuple[list[float], list[float]]:
        """Integer bounds of every cell by constraint propagation: each relation bounds
        each of its cells by the bounds of the others, repeated while anything
        tightens.  Every intermediate result is valid, so a work cap only weakens it.

        A sound relaxation of the attacker: a cell whose bounds meet is pinned."""
        low, high = self.bounds(marks)
        rows = self.rows
        queue = deque(r for r, row in enumerate(rows) if any(low[i] != high[i] for i, _ in row))
        queued = [False] * len(rows)
        for r in queue:
            queued[r] = True
        budget = 50 * len(rows) + 100
        inf = math.inf
        while queue and budget:
            budget -= 1
            r = queue.popleft()
            queued[r] = False
            row = rows[r]
            smallest = [k * low[i] if k > 0 else k * high[i] for i, k in row]
            largest = [k * high[i] if k > 0 else k * low[i] for i, k in row]
            finite_min = sum(v for v in smallest if v != -inf)
            finite_max = sum(v for v in largest if v != inf)
            open_min = smallest.count(-inf)
            open_max = largest.count(inf)
            # The row says: sum of k * x == 0, so k_i * x_i == -(sum of the others).
            for (i, k), least, most in zip(row, smallest, largest, strict=True):
                if low[i] == high[i]:
                    continue
                if open_min - (least == -inf):
                    top = inf
                else:
                    top = -(finite_min - (least if least != -inf else 0.0))
                if open_max - (most == inf):
                    bottom = -inf
                else:
                    bottom = -(finite_max - (most if most != inf else 0.0))
                # k_i * x_i lies in [bottom, top]
                new_low, new_high = (bottom / k, top / k) if k > 0 else (top / k, bottom / k)
                changed = False
                if new_low != -inf and math.ceil(new_low - _EPS) > low[i]:
                    low[i] = math.ceil(new_low - _EPS)
                    changed = True
                if new_high != inf and math.floor(new_high + _EPS) < high[i]:
                    high[i] = math.floor(new_high + _EPS)
                    changed = True
                if changed:
                    for other in self.rows_of[i]:
                        if not queued[other]:
                            queued[other] = True
                            queue.append(other)
        return low, high


class _View:
    """The attacker's linear system for one set of marks: the variables are the
    non-shown cells, each relation an equality with the shown cells as constants."""

    def __init__(self, structure: _Structure, marks: Mapping[Hashable, Mark]) -> None:
        _numerics()
        self.variables = [c for c in structure.cells if marks[c] != Mark.SHOWN]
        self.index = {c: i for i, c in enumerate(self.variables)}
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        rhs: list[float] = []
        for terms in structure.terms:
            constant = 0
            entries = []
            for cell, coefficient in terms.items():
                i = self.index.get(cell)
                if i is None:
                    constant += coefficient * structure.values[cell]
                else:
                    entries.append((i, coefficient))
            if entries:
                for i, coefficient in entries:
                    rows.append(len(rhs))
                    cols.append(i)
                    data.append(float(coefficient))
                rhs.append(-float(constant))
        self.matrix = csr_matrix((data, (rows, cols)), shape=(len(rhs), len(self.variables)))
        self.rhs = np.array(rhs, dtype=float)
        small = np.array([marks[c] == Mark.SMALL for c in self.variables], dtype=bool)
        t = float(structure.threshold)
        self.lower = np.where(small, 0.0, t)
        self.upper = np.where(small, t - 1.0, np.inf)
        self.capped = np.minimum(self.upper, structure.cap)
        self.truth = np.array([structure.values[c] for c in self.variables], dtype=float)
        self.lowest = self.truth.copy()   # the extremes of the solutions seen so far
        self.highest = self.truth.copy()

    @cached_property
    def labels(self) -> np.ndarray:
        """Connected component of each variable (linked through shared equalities)."""
        if not self.variables:
            return np.zeros(0, dtype=int)
        pattern = abs(self.matrix)
        return connected_components(pattern.T @ pattern, directed=False)[1]

    @cached_property
    def component_rows(self) -> list[np.ndarray]:
        count = int(self.labels.max()) + 1 if self.variables else 0
        if self.matrix.shape[0]:
            first_column = self.matrix.indices[self.matrix.indptr[:-1]]
            row_labels = self.labels[first_column]
        else:
            row_labels = np.zeros(0, dtype=int)
        return [np.flatnonzero(row_labels == k) for k in range(count)]

    def solve(self, cost: np.ndarray, component: int | None,
              capped: bool) -> np.ndarray | None:
        """Minimise ``cost @ x`` over one component (all variables when None).

        Returns the solution, full length (other variables at their true values),
        or None when unbounded; records its extremes in ``lowest``/``highest``."""
        upper = self.capped if capped else self.upper
        if component is None:
            rows = np.arange(self.matrix.shape[0])
            cols = np.arange(len(self.variables))
        else:
            rows = self.component_rows[component]
            cols = np.flatnonzero(self.labels == component)
        result = linprog(cost[cols], A_eq=self.matrix[rows][:, cols], b_eq=self.rhs[rows],
                         bounds=np.column_stack([self.lower[cols], upper[cols]]),
                         method="highs")
        if result.status == 3:
            return None
        if result.status != 0:
            raise ValueError(f"the attacker's system has no solution: {result.message}")
        x = self.truth.copy()
        x[cols] = result.x
        self.lowest = np.minimum(self.lowest, x)
        self.highest = np.maximum(self.highest, x)
        return x

    def moved(self) -> np.ndarray:
        """Which variables some solution seen so far moves by a whole unit."""
        return ((self.highest - self.truth >= 1 - _EPS)
                | (self.truth - self.lowest >= 1 - _EPS))

    def batch(self, targets: Iterable[int]) -> list[int]:
        """Those of ``targets`` (variable indices) that batched LPs could not prove
        free: all of them are pushed at once along a random signed direction, then
        the opposite one, while a round proves more than one cell (below that, LPs
        per cell are as cheap).  Signs matter: cells that trade off against each
        other (a cycle in a table) leave a plain sum unchanged, so maximising the
        sum would not move them."""
        n = len(self.variables)
        if not self.matrix.shape[0]:
            return []  # no equalities: every cell ranges over its bounds (width >= 4)
        moved = self.moved()
        unproven = [i for i in targets
                    if self.component_rows[self.labels[i]].size and not moved[i]]
        generator = np.random.default_rng(_SEED)
        while len(unproven) > 1:
            before = len(unproven)
            weights = generator.uniform(-1.0, 1.0, n)
            for sense in (-1.0, 1.0):
                cost = np.zeros(n)
                cost[unproven] = sense * weights[unproven]
                self.solve(cost, None, capped=True)
                moved = self.moved()
                unproven = [i for i in unproven if not moved[i]]
                if not unproven:
                    break
            if before - len(unproven) < 2:
                break
        return unproven

    def pinned(self, i: int) -> bool:
        """Whether no solution moves variable ``i`` by a unit: at most two LPs on its
        component (maximise, then minimise), skipped when already proven free."""
        if not self.matrix.shape[0] or not self.component_rows[self.labels[i]].size:
            return False
        for sense in (-1.0, 1.0):
            if self.moved()[i]:
                return False
            cost = np.zeros(len(self.variables))
            cost[i] = sense
            if self.solve(cost, self.labels[i], capped=False) is None:
                return False  # unbounded above
        return not self.moved()[i]


class _Suppressor:
    """The greedy search for secondary suppressions."""

    def __init__(self, structure: _Structure, known_zeros: frozenset[Hashable]) -> None:
        self.structure = structure
        self.known_zeros = known_zeros  # shown, and never hidden for another cell
        t = structure.threshold
        self.marks = {c: Mark.SMALL if structure.values[c] < t and c not in known_zeros
                      else Mark.SHOWN for c in structure.cells}
        self.free: set[Hashable] = set()       # proven free; stays free as more is hidden
        self.hopeless: set[Hashable] = set()   # pinned whatever else is hidden
        self.undeterminable: set[Hashable] | None = None  # see ``determined``
        self._view: _View | None = None

    def run(self) -> dict[Hashable, Mark]:
        self.structural(range(len(self.structure.terms)))
        while True:
            obvious = self.obvious()
            if obvious:
                self.protect_many(obvious)
                continue
            doubtful = self.batch(self.unproven())
            if not doubtful:
                break
            for cell in doubtful:  # one by one, protecting as soon as one is pinned
                if cell not in self.free and self.pinned(cell):
                    self.protect(cell)
        self.prune()
        return {cell: self.marks[cell] for cell in self.structure.values}

    def prune(self) -> None:
        """Show again the secondary cells that protection does not need.  The greedy
        search hides a cell for each pinned one in turn, and a later choice often
        protects an earlier one's neighbours too.  Each hidden cell is tried (largest
        first: it tells the reader most); when showing it pins only other secondary
        cells (two that hid each other: "cancelled" and "not done" under a shown sum),
        those are shown with it and the set is tried again.  A set is kept shown when
        every hidden cell is still free, hidden again otherwise."""
        candidates = sorted((c for c in self.structure.cells if self.marks[c] == Mark.HIDDEN),
                            key=lambda c: (-self.structure.values[c], repr(c)))
        for cell in candidates:
            if self.marks[cell] != Mark.HIDDEN:
                continue  # shown with an earlier one
            group = {cell}
            while True:
                for member in group:
                    self.marks[member] = Mark.SHOWN
                self._view = None
                pinned = self.pinned_now(group)
                if not pinned:
                    break
                grow = {c for c in pinned if self.marks[c] == Mark.HIDDEN} - group
                if len(grow) < len(pinned) or len(group) + len(grow) > _PRUNE_GROUP:
                    for member in group:  # a small cell is pinned: protection needs them
                        self.hide(member)
                    break
                group |= grow

    def pinned_now(self, shown: set[Hashable]) -> list[Hashable]:
        """The hidden cells that can be protected but are pinned now that ``shown`` are
        shown, checked afresh (showing a cell can pin one proven free before).  Only
        the attacker's system around ``shown`` changed: the relations with them, and
        the connected parts of the system those relations touch."""
        structure, marks = self.structure, self.marks
        near = sorted({r for c in shown for r in structure.relations_of[c]})
        pinned = []
        for terms in (structure.terms[r] for r in near):
            lone = [c for c in terms if marks[c] != Mark.SHOWN]
            if len(lone) == 1 and lone[0] not in self.hopeless and not self.determined(lone[0]):
                pinned.append(lone[0])
        if pinned:
            return list(dict.fromkeys(pinned))
        obvious = self.obvious()
        if obvious:
            return obvious
        view = self.view()
        touched = {int(view.labels[view.index[c]]) for r in near for c in structure.terms[r]
                   if c in view.index}
        targets = [view.index[c] for c in view.variables if c not in self.hopeless
                   and int(view.labels[view.index[c]]) in touched]
        return [view.variables[i] for i in view.batch(targets) if view.pinned(i)]

    # -- finding pinned cells

    def obvious(self) -> list[Hashable]:
        """The hidden cells that bound propagation alone pins down."""
        low, high = self.structure.propagate(self.marks)
        return [c for i, c in enumerate(self.structure.cells)
                if self.marks[c] != Mark.SHOWN and high[i] - low[i] < 1
                and c not in self.hopeless]

    def unproven(self) -> list[Hashable]:
        settled = self.free | self.hopeless
        return [c for c in self.structure.cells
                if self.marks[c] != Mark.SHOWN and c not in settled]

    def view(self) -> _View:
        """The attacker's LP for the current marks (rebuilt after every change)."""
        if self._view is None:
            self._view = _View(self.structure, self.marks)
        return self._view

    def learn(self, view: _View) -> None:
        moved = view.moved()
        self.free.update(c for i, c in enumerate(view.variables) if moved[i])

    def batch(self, cells: Sequence[Hashable]) -> list[Hashable]:
        """Those of ``cells`` that batched LPs do not prove free."""
        view = self.view()
        doubtful = [view.variables[i] for i in view.batch(view.index[c] for c in cells)]
        self.learn(view)
        self.free.update(set(cells).difference(doubtful))
        return doubtful

    def pinned(self, cell: Hashable) -> bool:
        """Whether the attacker's LP pins ``cell`` down (exact)."""
        if cell in self.hopeless:
            return False
        view = self.view()
        pinned = view.pinned(view.index[cell])
        self.learn(view)
        if not pinned:
            self.free.add(cell)
        return pinned

    # -- hiding more

    def protect_many(self, pinned: Sequence[Hashable]) -> None:
        """Protect each of ``pinned`` in turn, skipping those near a cell hidden
        meanwhile (within two relations: that may have freed them, so they are
        checked again first).  Much faster than one at a time, hardly more hidden."""
        structure = self.structure
        near: set[int] = set()
        for cell in pinned:
            if near.intersection(structure.relations_of[cell]):
                continue
            for hidden in self.protect(cell):
                for r in structure.relations_of[hidden]:
                    near.add(r)
                    for member in structure.terms[r]:
                        near.update(structure.relations_of[member])

    def protect(self, cell: Hashable) -> list[Hashable]:
        """Hide one more cell for the pinned ``cell`` (or give up on it); returns the
        cells hidden, the structural pass's included."""
        choice = self.choose(cell)
        if choice is None:
            self.hopeless.add(cell)
            return []
        self.hide(choice)
        return [choice, *self.structural(self.structure.relations_of[choice])]

    def hide(self, cell: Hashable) -> None:
        self.marks[cell] = Mark.HIDDEN
        self._view = None

    def structural(self, dirty: Iterable[int]) -> list[Hashable]:
        """Hide a second member of every relation with exactly one non-shown member,
        checking the ``dirty`` relations and, in turn, those of every cell hidden
        (always the lowest-numbered relation first, for determinism)."""
        structure, marks = self.structure, self.marks
        heap = sorted(set(dirty))
        pending = set(heap)
        hidden: list[Hashable] = []
        while heap:
            r = heapq.heappop(heap)
            pending.discard(r)
            terms = structure.terms[r]
            lone = [c for c in terms if marks[c] != Mark.SHOWN]
            if len(lone) != 1 or self.determined(lone[0]):
                continue
            choice = self.best(terms, structure.parts[r])
            if choice is None:
                continue
            self.hide(choice)
            hidden.append(choice)
            for other in structure.relations_of[choice]:
                if other not in pending:
                    pending.add(other)
                    heapq.heappush(heap, other)
        return hidden

    def best(self, candidates: Iterable[Hashable],
             parts: frozenset[Hashable]) -> Hashable | None:
        """The shown candidate to hide: parts before totals; then the one that forces
        the fewest further hides (``forced``, then ``knock_on``); then plain parts
        before subtotals (a part that is itself a sum elsewhere), smallest value, by
        repr."""
        shown = [c for c in candidates
                 if self.marks[c] == Mark.SHOWN and c not in self.known_zeros]
        totals = self.structure.totals
        return min(shown, default=None,
                   key=lambda c: (c not in parts, self.forced(c), self.knock_on(c), c in totals,
                                  self.structure.values[c], repr(c)))

    def knock_on(self, cell: Hashable) -> int:
        """Looking one step further than ``forced``: for each relation that hiding
        ``cell`` would leave with it alone, the fewest relations its best partner there
        would leave alone in turn.  Between two cells that force as many hides, the one
        whose hides can be shared wins: in a past year whose "overdue" column is all
        "<5", each row's partner "done" is protected by the done column itself (two
        cells a row), while "not done when the case closed" needs its sum with
        "cancelled" hidden as well (three)."""
        structure, marks = self.structure, self.marks
        marks[cell] = Mark.HIDDEN  # as if hidden, for ``forced``; restored below
        try:
            total = 0
            for r in structure.relations_of[cell]:
                terms = structure.terms[r]
                if any(marks[c] != Mark.SHOWN for c in terms if c != cell):
                    continue
                total += min((self.forced(c) for c in terms
                              if c != cell and c not in self.known_zeros), default=0)
            return total
        finally:
            marks[cell] = Mark.SHOWN

    def forced(self, cell: Hashable) -> int:
        """How many relations hiding ``cell`` would leave with it as their only
        non-shown member (each then needs one more cell hidden)."""
        structure, marks = self.structure, self.marks
        return sum(1 for r in structure.relations_of[cell]
                   if all(marks[c] == Mark.SHOWN for c in structure.terms[r] if c != cell))

    def choose(self, cell: Hashable) -> Hashable | None:
        """The shown cell to hide for a pinned ``cell``: from the relations with it,
        else from the relations touching those, and so on outwards.  None when
        nothing reachable is shown, or when ``cell`` is pinned even with every cell
        hidden (four 1s and their total 4, all "<5", are each 1 whatever is hidden)."""
        structure = self.structure
        seen: set[int] = set()
        ring = set(structure.relations_of[cell])
        while ring:
            seen |= ring
            members = {c for r in ring for c in structure.terms[r]}
            parts = frozenset().union(*(structure.parts[r] for r in ring))
            choice = self.best(members, parts)
            if choice is not None:
                return None if self.determined(cell) else choice
            ring = {r for c in members for r in structure.relations_of[c]} - seen
        return None

    def determined(self, cell: Hashable) -> bool:
        """Whether bound propagation pins ``cell`` even with every other cell hidden:
        then nothing can protect it.  (Hiding only widens bounds, so this is computed
        once.  A cell that only the LP pins with everything hidden would need
        contrived relations; the widening in ``choose`` then just runs out.)"""
        if self.undeterminable is None:
            everything = {c: Mark.HIDDEN if m == Mark.SHOWN and c not in self.known_zeros
                          else m for c, m in self.marks.items()}
            low, high = self.structure.propagate(everything)
            self.undeterminable = {c for i, c in enumerate(self.structure.cells)
                                   if high[i] - low[i] < 1}
        return cell in self.undeterminable
