"""What every piece of case information carries for the disclosure policy."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from sig.db import created_at


class ItemMixin:
    """``origin_org_id``: the organisation that recorded it; ``category``: its kind
    (``consent.categories.Category``).  The policy decides on these two."""

    origin_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    # Set by the police on material from a preliminary investigation: the statutory
    # police → social services flow excludes it (DESIGN §4).
    pre_investigation: Mapped[bool] = mapped_column(default=False)


class Versioned:
    """Optimistic locking: every update bumps ``version``; an update based on an
    older version fails instead of overwriting someone else's change."""

    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
