"""Optimistic locking for edited records.  What case items carry for the disclosure
policy is ``consent.items``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Versioned:
    """Optimistic locking: every update bumps ``version``; an update based on an
    older version fails instead of overwriting someone else's change."""

    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
