"""Steering SQLite's query planner without statistics.

SQLite plans without statistics until ``ANALYZE`` has run, and then it may find the rows
of a user's few cases through an index on an organisation column — every row of the
organisation.  :func:`unindexed` marks a term as a filter only: on SQLite it is written
with the unary ``+`` that SQLite's documentation recommends for this ("a term that is
not used by an index"), elsewhere as the plain column.  The value is unchanged.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement):  # noqa: N801 - reads as a SQL function in a condition
    """``column``'s value, which SQLite must not use to choose an index."""

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
