"""Login throttling by (username, client address) and by client address.

The per-account lock alone let anyone lock any account with five requests, and told
whether a username exists; each failure for an unknown name added an access-log entry,
so a bot could fill the log.  Here:

* a (username, address) pair that fails ``LOGIN_MAX_FAILURES`` times within
  ``LOGIN_FAILURE_WINDOW_MINUTES`` is refused for ``LOGIN_LOCKOUT_MINUTES`` — for a name
  that does not exist exactly as for one that does; the person at another address is not
  affected;
* an address that fails ``LOGIN_ADDRESS_MAX_FAILURES`` times within the window is refused
  every login for the rest of the lockout, answered 429 and *not* logged attempt by
  attempt (one ``login_throttled`` entry when it starts) — so the access log grows by a
  bounded number of entries per address.

Counts are kept under keyed hashes (``auth.models.LoginThrottle``).  Rows whose window and
lock are over are removed by ``purge`` (with the session purge).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import case, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from auth.models import LoginThrottle
from kernel import clock
from kernel.crypto.blind_index import blind_index
from kernel.db import db

PURPOSE = "login-throttle"


def _pair_key(username: str, address: str) -> str:
    return blind_index(PURPOSE, f"pair\x00{username.strip().lower()}\x00{address}")


def _address_key(address: str) -> str:
    return blind_index(PURPOSE, f"address\x00{address}")


def _locked(key: str) -> dt.datetime | None:
    row = db.session.get(LoginThrottle, key)
    until = clock.as_utc(row.locked_until) if row is not None else None
    return until if until is not None and until > clock.now() else None


def address_blocked(address: str) -> bool:
    return _locked(_address_key(address)) is not None


def pair_locked(username: str, address: str) -> bool:
    return _locked(_pair_key(username, address)) is not None


def _count(key: str, limit: int) -> bool:
    """One more failure for ``key``; True when this one reached the limit (locked now).

    Race-free: the row is made if missing (INSERT … ON CONFLICT DO NOTHING) and counted
    by one UPDATE, which restarts an expired window in the same statement — two failed
    logins at once from one address count twice and neither fails."""
    cfg = current_app.config
    now = clock.now()
    window_start = now - dt.timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(LoginThrottle).values(
        key=key, failures=0, window_started_at=now).on_conflict_do_nothing(
        index_elements=["key"]))
    expired = LoginThrottle.window_started_at < window_start
    failures = db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(
            failures=case((expired, 1), else_=LoginThrottle.failures + 1),
            locked_until=case((expired, None), else_=LoginThrottle.locked_until),
            window_started_at=case((expired, now), else_=LoginThrottle.window_started_at))
        .returning(LoginThrottle.failures)
        .execution_options(synchronize_session=False)).scalar_one()
    if failures < limit:
        return False
    locked = db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key, or_(
            LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now))
        .values(locked_until=now + dt.timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]))
        .execution_options(synchronize_session=False))
    return locked.rowcount == 1


def register_failure(username: str, address: str) -> tuple[bool, bool]:
    """Count a failed password for the pair and the address (in the caller's transaction).

    :returns: (the pair is locked by this failure, the address is blocked by it)."""
    cfg = current_app.config
    pair = _count(_pair_key(username, address), cfg["LOGIN_MAX_FAILURES"])
    everywhere = _count(_address_key(address), cfg["LOGIN_ADDRESS_MAX_FAILURES"])
    return pair, everywhere


def clear(username: str, address: str) -> None:
    """A successful login forgets the pair's failures."""
    row = db.session.get(LoginThrottle, _pair_key(username, address))
    if row is not None:
        db.session.delete(row)


def purge() -> int:
    """Remove the rows whose window and lock are both over; returns how many."""
    cfg = current_app.config
    now = clock.now()
    stale = now - dt.timedelta(minutes=max(cfg["LOGIN_FAILURE_WINDOW_MINUTES"],
                                           cfg["LOGIN_LOCKOUT_MINUTES"]))
    result = db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_started_at < stale,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now)))
    db.session.commit()
    return result.rowcount
