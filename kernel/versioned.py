"""Optimistic locking for edited records: the version column, and the one way an edit
checks it (the form's version, then the database's at the update).  What case items
carry for the disclosure policy is ``consent.items``."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from kernel.db import db


class Versioned:
    """Optimistic locking: every update bumps ``version``; an update based on an
    older version fails instead of overwriting someone else's change."""

    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class Conflict(Exception):
    """Someone saved the record after the writer's form was loaded; nothing was written.

    ``item`` holds the values saved now and ``version`` the version to base a deliberate
    second save on.
    """

    def __init__(self, item: Any) -> None:
        super().__init__("conflict")
        self.item = item

    @property
    def version(self) -> int:
        return self.item.version


def reloaded(item: Any) -> Any:
    """Roll the transaction back and read the record as it is saved now."""
    db.session.rollback()
    return db.session.get(type(item), item.id, populate_existing=True)


def check_version(item: Any, expected: int | str | None) -> None:
    """:raises Conflict: unless the form was based on the record's current version."""
    try:
        current = expected is not None and int(expected) == item.version
    except (TypeError, ValueError):
        current = False
    if not current:
        raise Conflict(reloaded(item))


def flush_or_conflict(item: Any) -> None:
    """Write the change; a concurrent save that got there first raises :class:`Conflict`
    (the database compares the version at the update)."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(reloaded(item)) from None
