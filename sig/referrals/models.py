"""A proposal of a youth for SIG (en anmälan/ett förslag till SIG).

Until a case owner accepts it, a proposal belongs to no case: it is on the intake list of
the social services it is addressed to, and its proposer sees its status only.  Once
accepted it is an item of the case, like any other: recorded by the proposer's
organisation, addressed to social services (so the unit reads it on the statutory basis
that lets the police and the school report a concern to social services), and shown to
anyone else only where a consent or provision allows.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from consent.items import AddressedTo, ItemKind, ItemMixin
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, uuid_pk


class ReferralReason(enum.StrEnum):
    """Why the proposer thinks of SIG (coarse, as in the target-group description)."""

    SUSPECTED_CRIME = "suspected_crime"
    CRIMINAL_NETWORK = "criminal_network"      # contact with or recruited by a network
    VIOLENCE_OR_WEAPONS = "violence_or_weapons"
    DRUGS = "drugs"
    SCHOOL = "school"                          # absence, exclusion, breakdown at school
    OTHER = "other"


class ReferralState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class DeclineReason(enum.StrEnum):
    """Kept by the unit; the proposer sees only that it was declined."""

    NOT_TARGET_GROUP = "not_target_group"
    OTHER_INTERVENTION = "other_intervention"
    TOO_LITTLE = "too_little"
    OTHER = "other"


class Referral(ItemMixin, Base):
    __tablename__ = "referrals"
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo.column("to_org_id"))

    id: Mapped[uuid_pk]
    # the social services (the SIG unit) it is addressed to
    to_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=ReferralState.PENDING.value)
    reason: Mapped[str] = mapped_column(String(32))
    pnr_enc: Mapped[bytes | None] = encrypted_column()
    pnr = encrypted_text("pnr")
    name_enc: Mapped[bytes | None] = encrypted_column()
    name = encrypted_text("name")
    done_enc: Mapped[bytes | None] = encrypted_column()
    done = encrypted_text("done")  # what the proposer has done so far
    # set when a case owner decides
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)

    proposer: Mapped[User] = relationship(foreign_keys="Referral.created_by_id")
    origin: Mapped[Organisation] = relationship(foreign_keys="Referral.origin_org_id")

    @property
    def reference(self) -> str:
        """A short reference the proposer and the unit can both quote."""
        return "F-" + self.id[:8].upper()
