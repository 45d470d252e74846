"""Audit tables: the entries and a single head row that serialises appends."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class AuditEntry(Base):
    """One access-log entry.  Never updated, never deleted; ``seq`` has no gaps."""

    __tablename__ = "audit_entries"
    # what was done to one thing (a case's reads for its register extract, the monthly
    # review's earlier readers): the log grows by every read of every case
    # and what one person did in a period (the register's hourly lookup limit, the
    # auditor's filter by user and dates)
    __table_args__ = (Index("ix_audit_entries_target", "target_ref", "target_type"),
                      Index("ix_audit_entries_actor_at", "actor_user_id", "at"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    actor_user_id: Mapped[str | None] = mapped_column(String(36))
    actor_org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_ref: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, no personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's tip.  Appenders update this row first, which takes the write lock
    on SQLite and the row lock on PostgreSQL, so concurrent appends queue up instead
    of forking the chain.  Its ``hash`` follows each inserted entry by a database
    trigger (``audit_entries_head``, migration 0027)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
