"""Reference data — the organisations, the statutory rules — kept by each worker between
requests and read again as soon as any of it changes, in any worker.

A database trigger on every reference table gives the one row of ``reference_stamp`` a
new random stamp on each insert, update or delete (migration 0028), whoever writes: the
app, a migration, an administrator in ``psql``, a restored backup.  A request learns the
stamp once: with the session and its user (``stamp_column`` rides along in that statement)
or, on a page without a user, with one statement of its own.  A value kept here is used
only under the stamp it was read with, so a change reaches every worker on its next
request, and a rolled-back change (the stamp goes back) is read again too.

Values are kept per application (a test process runs several, on different databases)
and must be immutable: every request of the worker shares them.
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import Integer, String, event, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from kernel.db import Base, db

T = TypeVar("T")

TABLES = ("organisations", "statutory_rules")  # the triggers of migration 0028


class ReferenceStamp(Base):
    """One row: a random stamp that changes with every write to a reference table."""

    __tablename__ = "reference_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))


def stamp_column() -> Any:
    """The stamp as a scalar subquery, for the request's first statement to carry."""
    return select(ReferenceStamp.stamp).where(ReferenceStamp.id == 1).scalar_subquery()


def note(stamp: str | None) -> None:
    """The stamp the request's first statement read (``stamp_column``)."""
    if has_app_context():
        g._sig_reference_stamp = stamp


def forget() -> None:
    """After this request wrote reference data: the next read takes the new stamp."""
    if has_app_context():
        g.pop("_sig_reference_stamp", None)
        g.pop("_sig_reference_unstamped", None)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    """A request that writes reference data reads it afresh, under the new stamp its
    trigger gave (visible to this transaction at once)."""
    if any(getattr(row, "__tablename__", None) in TABLES
           for row in chain(session.new, session.dirty, session.deleted)):
        forget()


@event.listens_for(Session, "after_rollback")
def _rolled_back(_session: Session) -> None:
    """A write rolled back takes its stamp with it: read the stamp again (a form shown
    again after a failed save must not list what was not saved)."""
    forget()


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    """The same for an UPDATE, DELETE or INSERT statement on a reference table."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TABLES:
            forget()


def current() -> str | None:
    """The request's stamp (read once); None where the table has no row."""
    if has_app_context() and "_sig_reference_stamp" in g:
        return g._sig_reference_stamp
    stamp = db.session.scalar(select(ReferenceStamp.stamp).where(ReferenceStamp.id == 1))
    note(stamp)
    return stamp


def cached(name: str, load: Callable[[], T]) -> T:
    """``load()`` as of the current stamp: from this worker's memory when it was read
    under that stamp, else read now and kept.  Without a stamp (a database without
    migration 0028's row) it is kept for the request only; outside an application
    every call reads."""
    if not has_app_context():
        return load()
    stamp = current()
    if stamp is None:
        request_kept = g.setdefault("_sig_reference_unstamped", {})
        if name not in request_kept:
            request_kept[name] = load()
        return request_kept[name]
    kept: dict[str, tuple[str, Any]] = current_app.extensions.setdefault(
        "sig.reference", {})
    hit = kept.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = load()
    kept[name] = (stamp, value)
    return value
