"""The one clock of the application.

Every timestamp the application writes and every timeout it checks reads
``clock.now()``, so tests can move time forward (idle and absolute session
timeouts, lockouts, TOTP windows) without sleeping.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_override: Callable[[], dt.datetime] | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    if _override is not None:
        return _override()
    return dt.datetime.now(dt.UTC)


def set_override(func: Callable[[], dt.datetime] | None) -> None:
    """Replace the clock (tests only); ``None`` restores the real clock."""
    global _override
    _override = func


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Read a stored datetime as aware UTC (SQLite returns naive values)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
