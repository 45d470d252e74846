"""Youths and guardians.  Every personal field is encrypted; the personal identity
number is found through its blind index only."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.items import ItemKind, ItemMixin
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, uuid_pk
from kernel.versioned import Versioned

PNR_INDEX_PURPOSE = "youth.pnr"
# What retention (sig.retention) leaves in place of a purged youth's blind index.
PURGED_INDEX_PREFIX = "purged:"


class Youth(ItemMixin, Versioned, Base):
    """A young person in the register.  Category ``identity``."""

    __tablename__ = "youths"
    __item__ = ItemKind(youth_column="id")

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

    @property
    def purged(self) -> bool:
        """Retention deleted the entry's personal data: it is shown to no one."""
        return self.pnr_index.startswith(PURGED_INDEX_PREFIX)


class Guardian(ItemMixin, Base):
    """A guardian (vårdnadshavare) or other parent.  Category ``identity``."""

    __tablename__ = "guardians"
    __item__ = ItemKind(youth_column="youth_id")

    id: Mapped[uuid_pk]
    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          index=True)
    name_enc: Mapped[bytes | None] = encrypted_column()
    name = encrypted_text("name")
    contact_enc: Mapped[bytes | None] = encrypted_column()
    contact = encrypted_text("contact")
    has_custody: Mapped[bool] = mapped_column(Boolean, default=True)

    youth: Mapped[Youth] = relationship(back_populates="guardians")



class YouthNameToken(Base):
    """One word of a youth's name as a keyed blind index (``sig.youths.name_index``): the
    case list finds a youth by name without decrypting every name, and the table holds
    nothing readable."""

    __tablename__ = "youth_name_tokens"

    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
