"""A released register extract: exactly what was handed over, kept (encrypted) so it can
be printed again and shown to have been what it was."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class SubjectExtract(Base):
    __tablename__ = "subject_extracts"

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # "youth" or "guardian"
    subject_id: Mapped[str] = mapped_column(String(36))
    released_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[created_at]
    content_enc: Mapped[bytes | None] = encrypted_column(large=True)
    content = encrypted_text("content")  # the extract as JSON (document.py)

    @property
    def reference(self) -> str:
        return "RU-" + self.id[:8].upper()
