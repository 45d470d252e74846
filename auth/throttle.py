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
from sqlalchemy import delete, or_

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
    """One more failure for ``key``; True when this one reached the limit (locked now)."""
    cfg = current_app.config
    now = clock.now()
    window = dt.timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    row = db.session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        db.session.add(row)
    elif now - clock.as_utc(row.window_started_at) > window:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit and row.locked_until is None:
        row.locked_until = now + dt.timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
        return True
    return False


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
