"""The auditor's record of a monthly log review (loggkontroll): which month, who signed
it off and when, what the reports found and the findings in their own words (encrypted:
they may name people).  The sign-off is also an access-log entry that carries the hash
of the findings, so the record is in the chain: a changed text no longer matches."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel import clock
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class LogReview(Base):
    __tablename__ = "log_reviews"
    # the same findings signed twice by the same person (a double click) are one sign-off
    __table_args__ = (UniqueConstraint("month", "signed_by_id", "findings_hash",
                                       name="uq_log_reviews_month_signed_by_findings"),)

    id: Mapped[uuid_pk]
    month: Mapped[str] = mapped_column(String(7), index=True)  # "2026-11"
    signed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[created_at]
    # what each report listed when it was signed off: {"refusals": 2, ...}
    counts: Mapped[str] = mapped_column(Text)
    findings_enc: Mapped[bytes | None] = encrypted_column()
    findings = encrypted_text("findings")
    findings_hash: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int | None] = mapped_column()

    @property
    def signed_on(self) -> dt.date:
        return clock.local_day(self.signed_at)
