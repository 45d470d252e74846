"""A case for one youth, and the group of people around it."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from consent.items import NOT_A_CASE_ITEM, AddressedTo, ItemKind, ItemMixin, Scope
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk
from kernel.versioned import Versioned
from sig.youths.models import Youth


class CaseStatus(enum.StrEnum):
    REFERRED = "referred"
    ACTIVE = "active"
    CLOSED = "closed"


class ReferralSource(enum.StrEnum):
    SOCIAL_SERVICES = "social_services"
    POLICE = "police"
    SCHOOL = "school"
    GUARDIAN = "guardian"
    YOUTH = "youth"
    OTHER = "other"


class CloseReason(enum.StrEnum):
    COMPLETED = "completed"          # the plan's goals were reached
    DISCONTINUED = "discontinued"    # the youth or guardians withdrew
    MOVED = "moved"
    OTHER_INTERVENTION = "other_intervention"
    OTHER = "other"


class Case(ItemMixin, Versioned, Base):
    """A SIG case.  The case itself (status, dates) is known to the owner and to
    current group members; what is recorded in it is decided item by item."""

    __tablename__ = "cases"
    # The case itself is known through need to know (``sig.cases.access``).
    __item__ = NOT_A_CASE_ITEM
    __table_args__ = (
        # One open case per youth; a new episode may follow a closed one.
        Index("uq_cases_one_open_per_youth", "youth_id", unique=True,
              sqlite_where=text("status != 'closed'"),
              postgresql_where=text("status != 'closed'")),
    )

    id: Mapped[uuid_pk]
    youth_id: Mapped[str] = mapped_column(ForeignKey("youths.id"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.REFERRED.value)
    referral_source: Mapped[str] = mapped_column(String(32))
    referral_date: Mapped[dt.date] = mapped_column(Date)
    referral_note_enc: Mapped[bytes | None] = encrypted_column()
    referral_note = encrypted_text("referral_note")
    plan_agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    # When the closing was recorded: the owner may undo it for CASE_REOPEN_DAYS from then.
    closed_at: Mapped[dt.datetime | None]
    # Set when retention (gallring, ``sig.retention``) deleted the case's personal data:
    # the anonymous skeleton stays for the statistics; no page shows the case any more.
    purged_at: Mapped[dt.datetime | None] = mapped_column()

    youth: Mapped[Youth] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="case", order_by="Membership.from_date")

    @property
    def reference(self) -> str:
        """A short pseudonymous reference for people (not a secret, not personal)."""
        return "SIG-" + self.id[:8].upper()


class Membership(ItemMixin, Base):
    """A person's place in a case's group, with their function and period.
    Category ``coordination``; recorded by the case owner's organisation."""

    __tablename__ = "memberships"
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo.column("member_org_id"),
                        scope=Scope.not_removed())
    __table_args__ = (
        # A person is in a group once: a double click on "add" cannot make two rows (one
        # removed, one still opening the case).
        Index("uq_memberships_one_active", "case_id", "user_id", unique=True,
              sqlite_where=text("removed_at IS NULL"),
              postgresql_where=text("removed_at IS NULL")),
        # A person's current groups (the case list, the start page, access) from the
        # index alone: a police officer's memberships over the years are hundreds of rows.
        Index("ix_memberships_user_current", "user_id", "member_org_id", "removed_at",
              "from_date", "to_date", "case_id"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    # The member's organisation when added: a membership concerns that organisation too.
    member_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    function: Mapped[str] = mapped_column(String(200))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    removed_at: Mapped[dt.datetime | None]

    case: Mapped[Case] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def current_on(self, day: dt.date) -> bool:
        return (self.removed_at is None and self.from_date <= day
                and (self.to_date is None or day <= self.to_date))


class HandoverState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Handover(Base):
    """A case offered to another case owner of the same organisation (by the owner, or by
    the unit manager when the owner is away or gone); it changes hands when she accepts.
    The accepted rows are the case's ownership history.  Not a case item: only the
    owner, the one offered the case and the manager see it (``sig.cases.ownership``)."""

    __tablename__ = "case_handovers"
    __table_args__ = (
        # One open offer per case: a double click offers it once.
        Index("uq_case_handovers_one_pending", "case_id", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    proposed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[created_at]
    state: Mapped[str] = mapped_column(String(16), default=HandoverState.PENDING.value)
    decided_at: Mapped[dt.datetime | None]

    case: Mapped[Case] = relationship()
    from_owner: Mapped[User] = relationship(foreign_keys=[from_owner_id])
    to_owner: Mapped[User] = relationship(foreign_keys=[to_owner_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])


class Deputy(Base):
    """A deputy owner (ersättare): a case owner of the same organisation who has the
    owner's rights in the case from ``from_date`` to ``to_date``, logged as deputy."""

    __tablename__ = "case_deputies"

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date] = mapped_column(Date)
    named_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[created_at]
    ended_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def current_on(self, day: dt.date) -> bool:
        return self.ended_at is None and self.from_date <= day <= self.to_date


__all__ = ["Case", "CaseStatus", "CloseReason", "Deputy", "Handover", "HandoverState",
           "Membership", "Organisation", "ReferralSource"]
