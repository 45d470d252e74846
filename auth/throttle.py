"""Login throttling by (username, client address), by client address, and by account.

The per-account lock alone let anyone lock any account with five requests, and told
whether a username exists; each failure for an unknown name added an access-log entry,
so a bot could fill the log.  Here:

* a (username, address) pair that fails ``LOGIN_MAX_FAILURES`` times within
  ``LOGIN_FAILURE_WINDOW_MINUTES`` is refused for ``LOGIN_LOCKOUT_MINUTES`` — for a name
  that does not exist exactly as for one that does; the person at another address is not
  affected.  Each password takes one of the pair's attempts before it is checked (a
  success forgets them), so a burst of passwords at once checks no more than the limit;
* an address that fails ``LOGIN_ADDRESS_MAX_FAILURES`` times within the window is refused
  every login for the rest of the lockout, answered 429 and *not* logged attempt by
  attempt (one ``login_throttled`` entry when it starts) — so the access log grows by a
  bounded number of entries per address;
* an account whose second factor fails ``LOGIN_MAX_FAILURES`` times within the window
  (the password was right) is locked for the lockout from every address (an admin's
  unlock or password reset ends it).  Each code takes one of the account's attempts
  before it is checked, as passwords do.

All three count the same way, in one table (``auth.models.LoginThrottle``, under keyed
hashes): one UPDATE adds one and restarts an expired window, one locks and starts the
count again.  Rows whose window and lock are over are removed by ``purge`` (with the
session purge).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import case, delete, or_, select, update
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


def _account_key(user_id: str) -> str:
    return blind_index(PURPOSE, f"account\x00{user_id}")


def _locked(key: str) -> dt.datetime | None:
    """Until when ``key`` is locked, or None; read from the database, not from an object
    this request loaded before its own UPDATEs (they do not refresh it)."""
    until = clock.as_utc(db.session.scalar(
        select(LoginThrottle.locked_until).where(LoginThrottle.key == key)))
    return until if until is not None and until > clock.now() else None


def address_blocked_until(address: str) -> dt.datetime | None:
    return _locked(_address_key(address))


def pair_locked_until(username: str, address: str) -> dt.datetime | None:
    return _locked(_pair_key(username, address))


def _ensure_row(key: str, now: dt.datetime) -> None:
    """The key's row, made if missing (INSERT … ON CONFLICT DO NOTHING: race-free)."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(LoginThrottle).values(
        key=key, failures=0, window_started_at=now).on_conflict_do_nothing(
        index_elements=["key"]))


def _add_one(key: str, *, unless_locked: bool) -> int | None:
    """One more for ``key`` in one UPDATE, which restarts an expired window in the same
    statement: the count now, or None when ``unless_locked`` and the key is locked."""
    cfg = current_app.config
    now = clock.now()
    window_start = now - dt.timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    _ensure_row(key, now)
    expired = LoginThrottle.window_started_at < window_start
    statement = update(LoginThrottle).where(LoginThrottle.key == key)
    if unless_locked:
        statement = statement.where(or_(LoginThrottle.locked_until.is_(None),
                                        LoginThrottle.locked_until <= now))
    return db.session.execute(
        statement.values(
            failures=case((expired, 1), else_=LoginThrottle.failures + 1),
            locked_until=case((expired, None), else_=LoginThrottle.locked_until),
            window_started_at=case((expired, now), else_=LoginThrottle.window_started_at))
        .returning(LoginThrottle.failures)
        .execution_options(synchronize_session=False)).scalar_one_or_none()


def _lock(key: str) -> bool:
    """Lock ``key`` for the lockout unless it is locked already; True when this did.  The
    count starts again from nothing when the lock is over."""
    cfg = current_app.config
    now = clock.now()
    locked = db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key, or_(
            LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
        .values(locked_until=now + dt.timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
                failures=0, window_started_at=now)
        .execution_options(synchronize_session=False))
    return locked.rowcount == 1


def take_attempt(username: str, address: str) -> int | None:
    """Take one of the pair's attempts *before* the password is checked: its number in
    the window, or None while the pair is locked.  One UPDATE each, so passwords tried
    in parallel each take one — a burst checks no more passwords than the limit (when
    failures were counted after the check, every request of a burst was checked)."""
    return _add_one(_pair_key(username, address), unless_locked=True)


def register_failure(username: str, address: str, attempt: int | None) -> tuple[bool, bool]:
    """A failed password (in the caller's transaction): the pair is locked once its
    ``attempt`` (from :func:`take_attempt`; None: it was locked) reaches the limit, and
    the address's failures are counted.

    :returns: (the pair is locked by this failure, the address is blocked by it)."""
    cfg = current_app.config
    pair = (attempt is not None and attempt >= cfg["LOGIN_MAX_FAILURES"]
            and _lock(_pair_key(username, address)))
    address_key = _address_key(address)
    everywhere = (_add_one(address_key, unless_locked=False)
                  >= cfg["LOGIN_ADDRESS_MAX_FAILURES"] and _lock(address_key))
    return pair, everywhere


def clear(username: str, address: str) -> None:
    """A right password forgets the pair's failures."""
    _forget(_pair_key(username, address))


def account_locked_until(user_id: str) -> dt.datetime | None:
    return _locked(_account_key(user_id))


def account_locked(user_id: str) -> bool:
    return account_locked_until(user_id) is not None


def locked_accounts(user_ids: list[str]) -> dict[str, dt.datetime]:
    """Which of the accounts are locked now, and until when (a statement per 500)."""
    keys = {_account_key(user_id): user_id for user_id in user_ids}
    ordered = list(keys)
    now = clock.now()
    found: dict[str, dt.datetime] = {}
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for key, until in db.session.execute(
                select(LoginThrottle.key, LoginThrottle.locked_until)
                .where(LoginThrottle.key.in_(chunk), LoginThrottle.locked_until > now)):
            found[keys[key]] = clock.as_utc(until)
    return found


def take_account_attempt(user_id: str) -> int | None:
    """Take one of the account's second-factor attempts before a code is checked: its
    number in the window, or None while the account is locked (codes guessed in
    parallel each take one, as passwords do)."""
    return _add_one(_account_key(user_id), unless_locked=True)


def lock_account(user_id: str) -> bool:
    """Lock the account for the lockout unless it is locked already; True when this did."""
    return _lock(_account_key(user_id))


def forget_account(user_id: str) -> None:
    """A completed login (or an admin's unlock or password reset) forgets the account's
    failures and ends its lock."""
    _forget(_account_key(user_id))


def _forget(key: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key)
                       .execution_options(synchronize_session=False))


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
