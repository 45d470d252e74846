"""Steering the query planners away from an organisation's or a status's whole set of rows.

A page reads the rows of the user's few cases.  SQLite plans without statistics until
``ANALYZE`` has run, and then it may find those rows through an index on an organisation
column — every row of the organisation.  PostgreSQL has statistics, and with them it
combines such indexes in bitmaps (every action of the organisation AND every action
with no responsible person; every planned meeting of the coming weeks in the
municipality) — work that grows with the municipality, not with the user's cases.
:func:`unindexed` marks a term as a filter only: on SQLite it is written with the unary
``+`` that SQLite's documentation recommends for this ("a term that is not used by an
index"), on PostgreSQL as ``COALESCE(column, column)``, an expression no index is on.
The value is unchanged.

:func:`among` is a column's membership in a list bound at execution.  SQLite gets an
expanding ``IN (?, ?, …)``; PostgreSQL gets ``column = ANY(:list)``, one array
parameter: one statement text whatever the list's length, which PostgreSQL plans once
and keeps — with a parameter per value it planned the statement afresh at every request
(its custom plans), 0.1–0.25 ms for each of a start page's lists of forty cases.  A
list of one value, though, PostgreSQL plans best as ``column = :value`` (a case page's
grants: 0.25 ms, against 0.47 ms as ``= ANY``): a statement that runs for one case as
often as for many is built twice, :func:`among_or_one`, and bound with :func:`bound`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement):  # noqa: N801 - reads as a SQL function in a condition
    """``column``'s value, which the planner must not use to choose an index."""

    name = "unindexed"
    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _plain(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unary_plus(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


@compiles(unindexed, "postgresql")
def _coalesce(element: unindexed, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"COALESCE({column}, {column})"


class among(FunctionElement):  # noqa: N801 - reads as a SQL operator in a condition
    """``column``'s value is one of the list bound as ``name`` when the statement runs."""

    name = "among"
    inherit_cache = True
    # (no boolean type: a boolean expression of its own would be written "(…) = 1" on
    # SQLite, a term no index serves; the condition's own SQL is a comparison)

    def __init__(self, column: Any, name: str) -> None:
        super().__init__(column, bindparam(name))  # (both are in the cache key)

    def parts(self) -> tuple[Any, str]:
        column, placeholder = self.clauses
        return column, placeholder.key


@compiles(among)
def _expanding_in(element: among, compiler: Any, **kw: Any) -> str:
    column, name = element.parts()
    return compiler.process(column.in_(bindparam(name, expanding=True)), **kw)


@compiles(among, "postgresql")
def _any_of_array(element: among, compiler: Any, **kw: Any) -> str:
    column, name = element.parts()
    return compiler.process(column == any_(bindparam(name, type_=ARRAY(column.type))), **kw)


def among_or_one(column: Any, name: str, single: bool) -> Any:
    """:class:`among`, or ``column = :name`` for a list of one value (see the module)."""
    return column == bindparam(name) if single else among(column, name)


def bound(name: str, values: Any) -> tuple[bool, dict[str, Any]]:
    """Whether ``values`` is a single value, and the bind of ``name`` to them for the
    statement :func:`among_or_one` built for that (the values sorted, once each)."""
    listed = sorted(set(values))
    if len(listed) == 1:
        return True, {name: listed[0]}
    return False, {name: listed}
