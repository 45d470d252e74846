"""Paging a list: which page the request asks for (clamped, never an error) and the rows
of that page, with one count and one page query whatever the length of the list.

A list that grows without end (the access log) is not numbered: its pages are reached by
the key of the neighbouring row and its length is counted up to a ceiling, so a page costs
the same in the first week and after years (``page_by_key``)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Select, bindparam, func, select

from kernel.db import db


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int  # 1-based, within 1..pages
    pages: int
    total: int
    # the request's other query arguments, for the links to the neighbouring pages
    args: dict[str, str]


def _number(pages: int) -> int:
    return min(max(request.args.get("page", 1, type=int), 1), pages)


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "page"}


def page_of_list(rows: list[Any], size: int) -> Page:
    """The page ``?page=`` asks for of rows already read and ordered (a list sorted by
    something the database cannot sort by, such as a decrypted name)."""
    pages = max((len(rows) + size - 1) // size, 1)
    number = _number(pages)
    return Page(rows[(number - 1) * size:number * size], number, pages, len(rows), _args())


@functools.cache
def _paged(statement: Select) -> tuple[Select, Select]:
    """The count and the page of a statement built once per process (bound: its own
    parameters, ``page_offset`` and ``page_size``)."""
    return (select(func.count()).select_from(statement.subquery()),
            statement.offset(bindparam("page_offset")).limit(bindparam("page_size")))


def page_of(statement: Select, size: int, *, scalars: bool = True,
            params: dict[str, Any] | None = None) -> Page:
    """The page of ``statement`` (already ordered) that ``?page=`` asks for.  A page
    number that is not a number, below 1 or past the end gives the nearest page.  With
    ``params``, ``statement`` is one built once per process (its count and page are kept
    beside it) and ``params`` are its bound values; never pass it a statement built for
    the request with ``params``."""
    if params is None:
        count = select(func.count()).select_from(statement.subquery())
        total = db.session.scalar(count) or 0
    else:
        count, limited = _paged(statement)
        total = db.session.scalar(count, params) or 0
    pages = max((total + size - 1) // size, 1)
    number = _number(pages)
    if params is None:
        limited, binds = statement.offset((number - 1) * size).limit(size), {}
    else:
        binds = {**params, "page_offset": (number - 1) * size, "page_size": size}
    rows = list(db.session.scalars(limited, binds) if scalars
                else db.session.execute(limited, binds))
    return Page(rows, number, pages, total, _args())


def count_up_to(statement: Select, ceiling: int, key: ColumnElement[Any]) -> int:
    """The rows of ``statement``, counted no further than ``ceiling + 1``: enough to say
    "more than ``ceiling``" without reading the rest."""
    bounded = statement.with_only_columns(key).order_by(None).limit(ceiling + 1)
    return db.session.scalar(select(func.count()).select_from(bounded.subquery())) or 0


@dataclass(frozen=True)
class KeyedPage:
    """A page of a list ordered by ``key`` descending (newest first)."""

    rows: list[Any]
    total: int  # counted up to ``ceiling + 1``
    ceiling: int
    newer: int | None  # the key for the link to the newer rows; None on the newest page
    older: int | None  # the key for the link to the older rows; None on the oldest page
    args: dict[str, str]
    where: dict[str, int]  # the key the page was reached by ({} for the newest page)

    @property
    def more_than_counted(self) -> bool:
        return self.total > self.ceiling


def _key(name: str) -> int | None:
    """``?before=``/``?after=``: a row key, or None when it is not one the key column
    holds (not a number, or beyond an ``INTEGER`` — 32 bits on PostgreSQL)."""
    value = request.args.get(name, type=int)
    return value if value is not None and -(2 ** 31) <= value < 2 ** 31 else None


def page_by_key(statement: Select, key: Any, size: int, *, ceiling: int) -> KeyedPage:
    """The rows of ``statement`` (not ordered) that ``?before=`` (rows with a smaller
    key, newest first) or ``?after=`` (rows with a greater key) asks for; neither, the
    newest.  A key that is not a number, or points past either end, gives the newest
    page.  Each query reads at most ``size + 1`` rows, whatever the list's length."""
    args = {k: v for k, v in request.args.items() if k not in {"page", "before", "after"}}
    total = count_up_to(statement, ceiling, key)
    before = _key("before")
    after = None if before is not None else _key("after")

    def read(condition: ColumnElement[bool] | None, ascending: bool) -> list[Any]:
        stmt = statement if condition is None else statement.where(condition)
        stmt = stmt.order_by(key.asc() if ascending else key.desc()).limit(size + 1)
        return list(db.session.scalars(stmt))

    def exists(condition: ColumnElement[bool]) -> bool:
        return bool(db.session.scalar(select(statement.where(condition).exists())))

    def key_of(row: Any) -> int:
        return getattr(row, key.key)

    rows: list[Any] = []
    if after is not None:
        rows = read(key > after, ascending=True)
        newer_beyond = len(rows) > size
        rows = rows[:size][::-1]
        if rows:
            return KeyedPage(rows, total, ceiling,
                             key_of(rows[0]) if newer_beyond else None,
                             key_of(rows[-1]) if exists(key < key_of(rows[-1])) else None,
                             args, {"after": after})
    elif before is not None:
        rows = read(key < before, ascending=False)
        if rows:
            older_beyond = len(rows) > size
            rows = rows[:size]
            return KeyedPage(rows, total, ceiling,
                             key_of(rows[0]) if exists(key > key_of(rows[0])) else None,
                             key_of(rows[-1]) if older_beyond else None, args,
                             {"before": before})
    rows = read(None, ascending=False)
    older_beyond = len(rows) > size
    rows = rows[:size]
    return KeyedPage(rows, total, ceiling, None,
                     key_of(rows[-1]) if older_beyond else None, args, {})
