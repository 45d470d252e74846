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
from collections.abc import Callable
from itertools import chain
from typing import Any

from flask import g, has_app_context
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.models import Organisation
from kernel import clock
from kernel.db import db
from sig.cases.models import Case
from sig.meetings.models import Meeting, Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action
from sig.statistics.models import StatisticsChange, StatisticsResult
from sig.statistics.tables import Key
from sig.youths.models import Youth

WATCHED = (Case, Youth, Meeting, Participant, Action, OutcomeEvent, Organisation)
KEEP_CHANGES = 1000  # older change rows are deleted now and then: only the newest counts


# ---------------------------------------------------------------------------- the version

_LISTENING = False


def listen() -> None:
    """Attach the session hooks that move the data version (once per process)."""
    global _LISTENING  # noqa: PLW0603
    if not _LISTENING:
        event.listen(Session, "before_flush", _watch)
        event.listen(Session, "after_flush", _bump)
        _LISTENING = True


def _watch(session: Session, _context: Any, _instances: Any) -> None:
    for row in chain(session.new, session.deleted, session.dirty):
        if isinstance(row, WATCHED) and (row not in session.dirty
                                         or session.is_modified(row)):
            session.info["sig_statistics_changed"] = True
            return


def _bump(session: Session, _context: Any) -> None:
    if not session.info.pop("sig_statistics_changed", False):
        return
    if has_app_context():
        g.pop("sig_statistics_version", None)
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

def counts(name: str, first: dt.date, last: dt.date, today: dt.date | None,
           compute: Callable[[], dict[Key, int]]) -> dict[Key, int]:
    """``name``'s counts for ``first`` … ``last`` as of ``today`` (None for a measure
    that does not depend on the day): the stored ones while the data version is
    theirs, else ``compute()`` (then stored).  One read by key; no copy is kept in the
    process, so every worker and every database sees its own."""
    key = f"{name}|{first.isoformat()}|{last.isoformat()}|{today.isoformat() if today else '-'}"
    current = version()
    row = db.session.get(StatisticsResult, key)
    if row is not None and row.version == current:
        return _decode(row.counts)
    found = compute()
    _store(key, current, found, row)
    return found


def _store(key: str, current: str, found: dict[Key, int], row: StatisticsResult | None) -> None:
    """Save the counts in a savepoint: two workers counting the same thing at once
    both succeed, one of them stores."""
    payload = json.dumps([[list(block), r, c, n] for (block, r, c), n in sorted(
        found.items(), key=repr)], separators=(",", ":"))
    try:
        with db.session.begin_nested():
            if row is None:
                db.session.add(StatisticsResult(key=key, version=current, counts=payload,
                                                computed_at=clock.now()))
            else:
                row.version, row.counts, row.computed_at = current, payload, clock.now()
    except IntegrityError:
        pass  # another worker stored it first


def _decode(payload: str) -> dict[Key, int]:
    return {(tuple(block), r, c): int(n) for block, r, c, n in json.loads(payload)}
