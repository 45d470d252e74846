"""The one clock of the application.

Every timestamp the application writes and every timeout it checks reads
``clock.now()``, so tests can move time forward (idle and absolute session
timeouts, lockouts, TOTP windows) without sleeping.

Moments are stored in UTC; days are Swedish (``BABEL_DEFAULT_TIMEZONE``, Europe/Stockholm
outside an app): between midnight and one or two o'clock the UTC date is still
yesterday's, and a day typed, counted or compared — a consent's last day, a deputy's
period, today's date on a form — is the Swedish one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Stockholm"

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


def _zone() -> ZoneInfo:
    name = (current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE)
            if has_app_context() else DEFAULT_ZONE)
    return ZoneInfo(name)


def local_moment(moment: dt.datetime) -> dt.datetime:
    """A stored (UTC) moment in Swedish time, time zone kept."""
    return as_utc(moment).astimezone(_zone())


def local_day(moment: dt.datetime) -> dt.date:
    """The Swedish calendar day of a stored (UTC) moment."""
    return local_moment(moment).date()


def local_today() -> dt.date:
    """Today in Sweden."""
    return local_day(now())


def local_midnight(day: dt.date, hour: int = 0) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Sweden (or its ``hour`` o'clock)."""
    return dt.datetime.combine(day, dt.time(hour), _zone()).astimezone(dt.UTC)


def to_utc(local: dt.datetime) -> dt.datetime:
    """A moment typed in Swedish local time (a form's), as stored: UTC."""
    return local.replace(tzinfo=_zone()).astimezone(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored moment as a form shows it: Swedish local time, no time zone."""
    return local_moment(moment).replace(tzinfo=None)
