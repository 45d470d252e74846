"""Youths and guardians.  Every personal field is encrypted; the personal identity
number is found through its blind index only."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sig.crypto.fields import encrypted_column, encrypted_text
from sig.db import Base, db, uuid_pk
from sig.items import ItemMixin, Versioned

PNR_INDEX_PURPOSE = "youth.pnr"


class Youth(ItemMixin, Versioned, Base):
    """A young person in the register.  Category ``identity``."""

    __tablename__ = "youths"

    id: Mapped[uuid_pk]
    pnr_index: Mapped[str] = mapped_column(String(64), unique=True)
    pnr_enc: Mapped[bytes | None] = encrypted_column()
    pnr = encrypted_text("pnr")
    name_enc: Mapped[bytes | None] = encrypted_column()
    name = encrypted_text("name")
    birth_date_enc: Mapped[bytes | None] = encrypted_column()
    birth_date_text = encrypted_text("birth_date")
    # Coarse and unencrypted for statistics: birth year and gender only.
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(16))
    contact_enc: Mapped[bytes | None] = encrypted_column()
    contact = encrypted_text("contact")
    school_enc: Mapped[bytes | None] = encrypted_column()
    school = encrypted_text("school")

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="youth", order_by="Guardian.created_at", cascade="all, delete-orphan")

    # For the disclosure policy: the cases an identity item belongs to.
    @classmethod
    def case_ids_sql(cls) -> Any:
        from sig.cases.models import Case

        return select(Case.id).where(Case.youth_id == cls.id)

    def case_ids(self) -> list[str]:
        from sig.cases.models import Case

        return list(db.session.scalars(select(Case.id).where(Case.youth_id == self.id)))


class Guardian(ItemMixin, Base):
    """A guardian (vårdnadshavare) or other parent.  Category ``identity``."""

    __tablename__ = "guardians"

    id: Mapped[uuid_pk]
    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          index=True)
    name_enc: Mapped[bytes | None] = encrypted_column()
    name = encrypted_text("name")
    contact_enc: Mapped[bytes | None] = encrypted_column()
    contact = encrypted_text("contact")
    has_custody: Mapped[bool] = mapped_column(Boolean, default=True)

    youth: Mapped[Youth] = relationship(back_populates="guardians")

    @classmethod
    def case_ids_sql(cls) -> Any:
        from sig.cases.models import Case

        return select(Case.id).where(Case.youth_id == cls.youth_id)

    def case_ids(self) -> list[str]:
        from sig.cases.models import Case

        return list(db.session.scalars(select(Case.id).where(Case.youth_id == self.youth_id)))
