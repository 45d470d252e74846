"""Removing old session rows (ended or expired), login-throttle counts that are over and
the keys of forms sent more than a day ago, so the tables stay small."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, or_

from auth.models import WebSession
from kernel import clock
from kernel.db import db


def purge(config: Any) -> int:
    now = clock.now()
    grace = dt.timedelta(days=1)
    idle = dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    result = db.session.execute(delete(WebSession).where(or_(
        WebSession.ended_at < now - grace,
        WebSession.last_seen_at < now - idle - grace,
    )))
    db.session.commit()
    from auth import throttle
    from kernel import submissions

    return result.rowcount + throttle.purge() + submissions.purge(now)
