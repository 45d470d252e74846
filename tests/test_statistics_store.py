"""Stored statistics counts: reused while the data behind them is unchanged, counted
again after any change to what the measures read, and shared through the database
(nothing kept in the process)."""
from __future__ import annotations

import datetime as dt

from flask import g
from sqlalchemy import select

from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.statistics import dashboard, store
from sig.statistics.models import StatisticsResult
from sig.statistics.periods import Period
from tests.stats_world import World

D = dt.date
SPAN = (D(2025, 1, 1), D(2025, 12, 31), D(2026, 6, 15))


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return {(("M", 2025, 3), "all", "x"): len(calls)}
    return calls, compute


def test_counts_are_stored_and_reused_until_the_data_changes(app_ctx, orgs, sara):
    calls, compute = _counter()
    first = store.counts("t", *SPAN, compute)
    assert store.counts("t", *SPAN, compute) == first and len(calls) == 1
    assert db.session.get(StatisticsResult, "t|2025-01-01|2025-12-31|2026-06-15") is None
    store.save()  # what the request counted, in one savepoint
    row = db.session.get(StatisticsResult, "t|2025-01-01|2025-12-31|2026-06-15")
    assert row is not None and row.version == store.version()
    # a write the measures do not read (the access log) changes nothing
    record(AuditEvent.STATISTICS_VIEWED, details={"period": {"year": "2025"}})
    db.session.commit()
    assert store.counts("t", *SPAN, compute) == first and len(calls) == 1
    # a new case does: counted again, and stored under the new version
    before = store.version()
    World(orgs, sara).case(born=2010, gender="girl", referred=D(2025, 3, 1))
    db.session.commit()
    assert store.version() != before
    assert store.counts("t", *SPAN, compute) != first and len(calls) == 2
    # another day is another result
    store.counts("t", D(2025, 1, 1), D(2025, 12, 31), D(2026, 6, 16), compute)
    assert len(calls) == 3


def test_an_edit_of_a_counted_field_moves_the_version(app_ctx, orgs, sara):
    case = World(orgs, sara).case(born=2010, gender="girl", referred=D(2025, 3, 1))
    db.session.commit()
    before = store.version()
    case.referral_date = D(2025, 4, 1)
    db.session.commit()
    assert store.version() != before


def test_the_dashboard_shows_a_change_at_once(app_ctx, orgs, sara, fake_clock):
    fake_clock.current = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    world = World(orgs, sara)
    for k in range(6):
        world.case(born=2010, gender="girl", referred=D(2025, 3, 1 + k))
    db.session.commit()
    year = Period.year(2025)
    assert dashboard.total("cases_opened", year).value == 6
    assert db.session.scalars(select(StatisticsResult.key)).all()
    world.case(born=2010, gender="boy", referred=D(2025, 5, 1))
    db.session.commit()
    assert dashboard.total("cases_opened", year).value == 7


def test_a_change_committed_out_of_order_still_moves_the_version(app_ctx):
    # PostgreSQL hands out ids before commit: a writer holding id 2 may commit after
    # the one holding id 3.  The newest id stays 3; the row count tells the change.
    from kernel import clock
    from sig.statistics.models import StatisticsChange

    db.session.add(StatisticsChange(id=1_000_003, at=clock.now()))
    db.session.commit()
    before = store.version()
    db.session.add(StatisticsChange(id=1_000_002, at=clock.now()))
    db.session.commit()
    g.pop("sig_statistics_version", None)  # (a new request reads the version afresh)
    assert store.version() != before
