"""The outbox table."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class MailState(enum.StrEnum):
    PENDING = "pending"    # waiting for its (next) attempt
    SENDING = "sending"    # a worker has claimed it
    SENT = "sent"
    FAILED = "failed"      # given up after the last attempt


class OutboxMessage(Base):
    """One e-mail to one address.  The address, body and calendar part are encrypted
    (the address is personal data); the subject holds a pseudonym at most, by the
    writers' contract (``sig.notify``)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[uuid_pk]
    created_at: Mapped[created_at]
    kind: Mapped[str] = mapped_column(String(32))
    recipient_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    # what it is about, for the delivery state shown to the case owner
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    about_id: Mapped[str | None] = mapped_column(String(36), index=True)
    to_enc: Mapped[bytes | None] = encrypted_column()
    to_address = encrypted_text("to")
    subject: Mapped[str] = mapped_column(String(200))
    body_enc: Mapped[bytes | None] = encrypted_column()
    body = encrypted_text("body")
    calendar_enc: Mapped[bytes | None] = encrypted_column()
    calendar = encrypted_text("calendar")  # an iCalendar object, with its METHOD
    state: Mapped[str] = mapped_column(String(16), default=MailState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(64))  # an error class, no text
