"""Outcome events (DESIGN §2): polisanmälan, orosanmälan and bekymringssamtal.

They feed the managers' statistics (DESIGN §7): no new police or concern report after
the case started, and concern conversations per year that led to an intervention.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from consent.categories import Category
from consent.items import ItemKind, ItemMixin
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, uuid_pk


class OutcomeKind(enum.StrEnum):
    POLICE_REPORT = "police_report"  # polisanmälan: the youth is suspected of a crime
    CONCERN_REPORT = "concern_report"  # orosanmälan
    CONCERN_CONVERSATION = "concern_conversation"  # bekymringssamtal


CATEGORY_OF_KIND = {
    OutcomeKind.POLICE_REPORT: Category.POLICE_INFORMATION,
    OutcomeKind.CONCERN_REPORT: Category.SOCIAL_ASSESSMENT,
    OutcomeKind.CONCERN_CONVERSATION: Category.SOCIAL_ASSESSMENT,
}


class OutcomeEvent(ItemMixin, Base):
    """One outcome event.  ``origin_org_id`` is the recorder's organisation;
    ``source_org_id`` the organisation the report or conversation came from.
    ``led_to_intervention`` is set for concern conversations only."""

    __tablename__ = "outcome_events"
    __item__ = ItemKind(case_column="case_id")
    # A case's events (its prefix), and of one kind by date: the statistics' first and
    # last event around a start are read from the index alone.
    __table_args__ = (Index("ix_outcome_events_case_id_kind", "case_id", "kind",
                            "occurred_on"),)

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[dt.date]
    source_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    led_to_intervention: Mapped[bool | None]
    note_enc: Mapped[bytes | None] = encrypted_column()
    note = encrypted_text("note")
