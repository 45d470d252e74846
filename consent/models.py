"""Consent records, statutory provisions (as reviewable data) and disclosure decisions.

Consent knows case items only by origin organisation, category and case (DESIGN §3):
the foreign keys below name tables, never case classes.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.items import NOT_A_CASE_ITEM, ItemMixin
from kernel.crypto.fields import encrypted_bytes, encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk
from kernel.versioned import Versioned

if TYPE_CHECKING:
    from auth.models import User


class ConsentMethod(enum.StrEnum):
    SIGNED_FORM = "signed_form"
    ORAL = "oral"


class PartyKind(enum.StrEnum):
    YOUTH = "youth"
    GUARDIAN = "guardian"


class Consent(ItemMixin, Versioned, Base):
    """One consent: who gave it, how, for which flows, for which period."""

    __tablename__ = "consents"
    __item__ = NOT_A_CASE_ITEM  # the consent pages show consents to the case owner

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    documented_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    given_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    note_enc: Mapped[bytes | None] = encrypted_column()
    note = encrypted_text("note")
    # The signed consent form, if uploaded: the file encrypted, its name and type.
    form_enc: Mapped[bytes | None] = encrypted_column(large=True)
    form = encrypted_bytes("form")
    form_filename: Mapped[str | None] = mapped_column(String(200))
    form_mime: Mapped[str | None] = mapped_column(String(100))

    @property
    def has_form(self) -> bool:
        """A signed form is stored (its name is set with it; the file itself is read only
        when it is opened)."""
        return self.form_filename is not None

    parties: Mapped[list[ConsentParty]] = relationship(back_populates="consent",
                                                       order_by="ConsentParty.kind")
    grants: Mapped[list[ConsentGrant]] = relationship(back_populates="consent")


class ConsentParty(Base):
    """The youth or one guardian, who consented; each may withdraw on their own."""

    __tablename__ = "consent_parties"
    # Read through the consents of the cases at hand, with what validity needs of each
    # party, from the index alone: PostgreSQL otherwise read every party of the
    # municipality into a hash table for a start page's forty cases.
    __table_args__ = (Index("ix_consent_parties_consent_terms", "consent_id", "id", "kind",
                            "guardian_id", "withdrawn_at"),)

    id: Mapped[uuid_pk]
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    guardian_id: Mapped[str | None] = mapped_column(ForeignKey("guardians.id"))
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    consent: Mapped[Consent] = relationship(back_populates="parties")


class ConsentGrant(Base):
    """One flow the consent allows: items of ``category`` recorded by the source
    organisation may be shown to the recipient organisation."""

    __tablename__ = "consent_grants"

    id: Mapped[uuid_pk]
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    source_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    # Not indexed: grants are read through the consents of the case at hand; an index on
    # the recipient made a fresh SQLite database read every grant to the police first.
    recipient_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(32))
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    consent: Mapped[Consent] = relationship(back_populates="grants")


class StatutoryRule(Base):
    """A statutory provision as data: which flow it opens, on which conditions, under
    which legal reference.  Versioned: a changed rule is a new row; the old one ends."""

    __tablename__ = "statutory_rules"

    id: Mapped[uuid_pk]
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_kind: Mapped[str] = mapped_column(String(32))
    recipient_kind: Mapped[str] = mapped_column(String(32))
    categories: Mapped[str] = mapped_column(String(255))  # "*" or comma-separated
    excludes_pre_investigation: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    max_age: Mapped[int | None] = mapped_column(Integer)  # the youth must be younger
    legal_reference: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    def covers(self, category: str) -> bool:
        return self.categories == "*" or category in self.categories.split(",")


class Disclosure(ItemMixin, Base):
    """A one-off disclosure decision (utlämnande): named items, one recipient
    organisation, a written assessment, who decided and when."""

    __tablename__ = "disclosures"
    __item__ = NOT_A_CASE_ITEM  # shown on the disclosure pages

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("statutory_rules.id"))
    # Not indexed, as a grant's recipient (read through the case's decisions).
    recipient_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    assessment_enc: Mapped[bytes | None] = encrypted_column()
    assessment = encrypted_text("assessment")
    decided_at: Mapped[created_at]

    items: Mapped[list[DisclosureItem]] = relationship(back_populates="disclosure")
    rule: Mapped[StatutoryRule] = relationship()
    # who decided (the case owner who wrote the assessment)
    decided_by: Mapped[User] = relationship(foreign_keys="Disclosure.created_by_id",
                                            viewonly=True)


class DisclosureItem(Base):
    __tablename__ = "disclosure_items"

    id: Mapped[uuid_pk]
    disclosure_id: Mapped[str] = mapped_column(ForeignKey("disclosures.id"), index=True)
    item_type: Mapped[str] = mapped_column(String(32))  # the item's table name
    item_id: Mapped[str] = mapped_column(String(36), index=True)

    disclosure: Mapped[Disclosure] = relationship(back_populates="items")
