"""Youths and guardians.  Every personal field is encrypted; the personal identity
number is found through its blind index only."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.items import ItemKind, ItemMixin, Scope
from kernel import clock
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk
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
    # Skyddade personuppgifter: the contact details of the youth and guardians are shown
    # to the case owner only, and printed for no one.
    protected: Mapped[bool] = mapped_column(Boolean, default=False)

    # in the order they were registered (the consent rules load them so too)
    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="youth", order_by="(Guardian.created_at, Guardian.id)",
        cascade="all, delete-orphan")

    @property
    def age(self) -> int | None:
        """Age in whole years today (None when retention has deleted the birth date)."""
        born = self.birth_date_text
        if not born:
            return None
        birth, today = dt.date.fromisoformat(born), clock.local_today()
        return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

    @property
    def current_guardians(self) -> list[Guardian]:
        """The guardians on the entry (removed ones are kept for history, not listed)."""
        return [g for g in self.guardians if g.removed_at is None]

    @property
    def purged(self) -> bool:
        """Retention deleted the entry's personal data: it is shown to no one."""
        return self.pnr_index.startswith(PURGED_INDEX_PREFIX)


class Guardian(ItemMixin, Base):
    """A guardian (vårdnadshavare) or other parent.  Category ``identity``."""

    __tablename__ = "guardians"
    # a removed guardian is kept (consents name her) but is no longer part of any case
    __item__ = ItemKind(youth_column="youth_id", scope=Scope.not_removed())

    id: Mapped[uuid_pk]
    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          index=True)
    name_enc: Mapped[bytes | None] = encrypted_column()
    name = encrypted_text("name")
    contact_enc: Mapped[bytes | None] = encrypted_column()
    contact = encrypted_text("contact")
    has_custody: Mapped[bool] = mapped_column(Boolean, default=True)
    # Removed from the register entry (a mistake, or no longer a parent of record): kept
    # because consents and history name her; never with custody.
    removed_at: Mapped[dt.datetime | None]
    # When custody last changed for her (added, removed, custody switched; the change
    # itself is a YouthChange): loaded with the youth, it tells the owner's case page
    # whether there is a recent change to read at all.
    custody_changed_at: Mapped[dt.datetime | None]

    youth: Mapped[Youth] = relationship(back_populates="guardians")


class YouthChange(Base):
    """One field of a register entry changed: what it was and what it became (both
    encrypted), who changed it and when.  ``guardian_id`` names the guardian for a
    guardian's field; ``field`` is the attribute's name (or ``added``/``removed``)."""

    __tablename__ = "youth_changes"

    id: Mapped[uuid_pk]
    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          index=True)
    guardian_id: Mapped[str | None] = mapped_column(ForeignKey("guardians.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_enc: Mapped[bytes | None] = encrypted_column()
    old = encrypted_text("old")
    new_enc: Mapped[bytes | None] = encrypted_column()
    new = encrypted_text("new")
    changed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[created_at]



class YouthNameToken(Base):
    """One word of a youth's name as a keyed blind index (``sig.youths.name_index``): the
    case list finds a youth by name without decrypting every name, and the table holds
    nothing readable."""

    __tablename__ = "youth_name_tokens"

    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id", ondelete="CASCADE"),
                                          primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class GuardianNameToken(Base):
    """One word of a guardian's name as a keyed blind index: the personal-data guard of
    the area-level texts (``sig.youths.mentions``) recognises a guardian's name without
    decrypting the register; the case list never searches it."""

    __tablename__ = "guardian_name_tokens"

    guardian_id: Mapped[str] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"),
                                             primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
