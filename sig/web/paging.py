"""Paging a list: which page the request asks for (clamped, never an error) and the rows
of that page, with one count and one page query whatever the length of the list."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

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


def page_of(statement: Select, size: int, *, scalars: bool = True) -> Page:
    """The page of ``statement`` (already ordered) that ``?page=`` asks for.  A page
    number that is not a number, below 1 or past the end gives the nearest page."""
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + size - 1) // size, 1)
    number = _number(pages)
    limited = statement.offset((number - 1) * size).limit(size)
    rows = list(db.session.scalars(limited) if scalars else db.session.execute(limited))
    return Page(rows, number, pages, total, _args())
