"""Exceptions to retention, kept as data: a case under a legal hold is not purged."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kernel import clock
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class RetentionHold(Base):
    """A legal hold on one case (a dispute, a request from a court or the IVO): its
    personal data stays until the hold is released.  The reason may name people, so it
    is encrypted."""

    __tablename__ = "retention_holds"

    id: Mapped[uuid_pk]  # the encrypted reason is bound to it
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    reason_enc: Mapped[bytes | None] = encrypted_column()
    reason = encrypted_text("reason")
    set_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[created_at]

    @property
    def set_on(self) -> dt.date:
        return clock.local_day(self.set_at)
