"""Counted results, shared by every worker and kept across restarts.

Counting a year over the largest tables is the slow part of the dashboard, and the
counts only change when the data behind them does.  So every flush that writes a row
the measures read (a case, a youth, a meeting or its participants, an action, an
outcome event, an organisation) adds a row to ``statistics_changes``, and the *data
version* is the newest id with the number of rows: a change committed after a later
one (ids are handed out before commit, and PostgreSQL commits them in any order) adds
a row below the newest id, so the count moves even where the newest id does not.
Inserting (not updating one counter row) keeps concurrent writers from waiting on each
other.  A measure's counts for a year and a day are stored with the version they were
counted at and reused while it is current.

The version is read before counting, so a result can only be stored under a version
that is older than its data, never newer: a change committed meanwhile makes the next
reader count again.  What is stored are the counts only — the suppression is decided
again from them (and its marks are cached in memory per process: they are a pure
function of the counts).  Nothing here is personal data: the same anonymous counts the
dashboard computes.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from flask import g, has_app_context
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from auth.models import Organisation
from kernel import clock
from kernel.db import db
from sig.cases.models import Case
from sig.meetings.models import Meeting, Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action
from sig.statistics import summary
from sig.statistics.measures import MEMO
from sig.statistics.models import StatisticsChange, StatisticsResult
from sig.statistics.tables import Key
from sig.youths.models import Youth

WATCHED = (Case, Youth, Meeting, Participant, Action, OutcomeEvent, Organisation)
SUMMARISED = (Meeting, Participant)  # rows the attendance summaries are derived from
SUMMARISED_COLUMNS = {"case_id", "status", "starts_at", "meeting_id", "represented_org_id",
                      "user_id", "attendance"}
KEEP_CHANGES = 1000  # older change rows are deleted now and then: only the newest counts


# ---------------------------------------------------------------------------- the version

_LISTENING = False


def listen() -> None:
    """Attach the session hooks that move the data version and keep the attendance
    summaries current (once per process)."""
    global _LISTENING  # noqa: PLW0603
    if not _LISTENING:
        event.listen(Session, "before_flush", _watch)
        event.listen(Session, "after_flush", _bump)
        event.listen(Session, "do_orm_execute", _watch_statement)
        event.listen(Session, "before_commit", _summarise)
        event.listen(Session, "after_rollback", _forget)
        _LISTENING = True


def _watch(session: Session, _context: Any, _instances: Any) -> None:
    for row in chain(session.new, session.deleted, session.dirty):
        if isinstance(row, WATCHED) and (row not in session.dirty
                                         or session.is_modified(row)):
            session.info["sig_statistics_changed"] = True
            if isinstance(row, SUMMARISED):
                session.info.setdefault("sig_statistics_cases", set()).add(row.case_id)


def _watch_statement(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE statement on a table the statistics count (not a flush of
    loaded rows) moves the data version too.  The summaries need to know the cases, so
    what they are derived from is written through the session only."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    if not issubclass(model, WATCHED):
        return
    if issubclass(model, SUMMARISED) and (state.is_delete
                                          or _columns_set(state) & SUMMARISED_COLUMNS):
        raise RuntimeError(f"{model.__name__} rows are written through the session, so "
                           "that the statistics' summaries follow them")
    _new_version(state.session)


def _columns_set(state: ORMExecuteState) -> set[str]:
    values = getattr(state.statement, "_values", None) or {}
    names = {getattr(k, "key", str(k)) for k in values}
    parameters = state.parameters
    for row in parameters if isinstance(parameters, list) else [parameters or {}]:
        names.update(row)
    return names


def _bump(session: Session, _context: Any) -> None:
    if session.info.pop("sig_statistics_changed", False):
        _new_version(session)


def _summarise(session: Session) -> None:
    """Derive the summaries of the cases whose meetings the transaction changed, last
    thing before it commits: after every access-log entry, so PostgreSQL writers reach
    this point one at a time (and ``summary.refresh`` locks each case besides)."""
    session.flush()  # what is still pending names its cases too
    cases = session.info.pop("sig_statistics_cases", None)
    if cases:
        summary.refresh(session.connection(), cases)


def _forget(session: Session) -> None:
    session.info.pop("sig_statistics_cases", None)


def _new_version(session: Session) -> None:
    if has_app_context():
        g.pop("sig_statistics_version", None)
        g.pop(MEMO, None)  # what the measures read before the change
    connection = session.connection()
    new = connection.execute(insert(StatisticsChange).values(at=clock.now())).inserted_primary_key
    if new and new[0] and new[0] % KEEP_CHANGES == 0:
        connection.execute(delete(StatisticsChange).where(StatisticsChange.id < new[0]))


def version() -> str:
    """The current data version, "newest id:rows" (read once per request)."""
    if "sig_statistics_version" not in g:
        newest, rows = db.session.execute(
            select(func.coalesce(func.max(StatisticsChange.id), 0), func.count())
            .select_from(StatisticsChange)).one()
        g.sig_statistics_version = f"{int(newest)}:{int(rows)}"
    return str(g.sig_statistics_version)


# ---------------------------------------------------------------------------- the results

def key_of(name: str, first: dt.date, last: dt.date, today: dt.date | None) -> str:
    return f"{name}|{first.isoformat()}|{last.isoformat()}|{today.isoformat() if today else '-'}"


def prefetch(keys: Iterable[str]) -> None:
    """Read the stored results of ``keys`` in one statement, for :func:`counts` to take
    them from (a dashboard asks for some thirty, one by one)."""
    wanted = sorted(set(keys))
    held = g.setdefault("sig_statistics_rows", {})
    found = {row.key: row for row in db.session.scalars(
        select(StatisticsResult).where(StatisticsResult.key.in_(wanted)))} if wanted else {}
    held.update({key: found.get(key) for key in wanted})


def counts(name: str, first: dt.date, last: dt.date, today: dt.date | None,
           compute: Callable[[], dict[Key, int]]) -> dict[Key, int]:
    """``name``'s counts for ``first`` … ``last`` as of ``today`` (None for a measure
    that does not depend on the day): the stored ones while the data version is
    theirs, else ``compute()``, kept for ``save``.  One read by key; no copy is kept in
    the process, so every worker and every database sees its own."""
    key = key_of(name, first, last, today)
    current = version()
    unsaved = g.setdefault("sig_statistics_unsaved", {})
    if key in unsaved and unsaved[key][0] == current:
        return unsaved[key][1]  # counted earlier in this request
    held = g.get("sig_statistics_rows", {})
    row = held[key] if key in held else db.session.get(StatisticsResult, key)
    if row is not None and row.version == current:
        return _decode(row.counts)
    found = compute()
    unsaved[key] = (current, found, row)
    return found


def save() -> None:
    """Store what ``counts`` computed in this request, in one savepoint of the caller's
    transaction (which the caller commits).  Two workers counting the same thing at
    once both succeed: when another stored a key first, the rest are stored one by
    one."""
    unsaved: dict[str, tuple[str, dict[Key, int], StatisticsResult | None]] = (
        g.pop("sig_statistics_unsaved", {}))
    if not unsaved:
        return
    try:
        with db.session.begin_nested():
            for key, (current, found, row) in unsaved.items():
                _put(key, current, found, row)
    except IntegrityError:
        for key, (current, found, _row) in unsaved.items():
            try:
                with db.session.begin_nested():
                    _put(key, current, found, db.session.get(StatisticsResult, key))
            except IntegrityError:
                pass  # another worker stored it first


def _put(key: str, current: str, found: dict[Key, int], row: StatisticsResult | None) -> None:
    payload = json.dumps([[list(block), r, c, n] for (block, r, c), n in sorted(
        found.items(), key=repr)], separators=(",", ":"))
    if row is None:
        db.session.add(StatisticsResult(key=key, version=current, counts=payload,
                                        computed_at=clock.now()))
    else:
        row.version, row.counts, row.computed_at = current, payload, clock.now()


def _decode(payload: str) -> dict[Key, int]:
    return {(tuple(block), r, c): int(n) for block, r, c, n in json.loads(payload)}
