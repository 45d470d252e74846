"""Meetings, their participants with attendance, and minutes entries."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, exists
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from consent.items import AddressedTo, ItemKind, ItemMixin
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, uuid_pk
from kernel.versioned import Versioned


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    REMOTE = "remote"


ATTENDED = (Attendance.PRESENT.value, Attendance.REMOTE.value)  # took part, in the room or not


class ExternalRole(enum.StrEnum):
    YOUTH = "youth"
    GUARDIAN = "guardian"
    OTHER = "other"


class Meeting(ItemMixin, Versioned, Base):
    """A SIG meeting.  Category ``coordination``."""

    __tablename__ = "meetings"
    # Addressed to every organisation invited (a participant row represents it).
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo(
        lambda model, org: exists().where(Participant.meeting_id == model.id,
                                          Participant.represented_org_id == org),
        lambda item, org: any(p.represented_org_id == org for p in item.participants),
        reads=lambda model: model.participants))
    # The statistics read held meetings by period; a case's page reads its held meetings
    # (without the second index a fresh SQLite database — no ANALYZE — scans every held
    # meeting of the municipality for one case's attendance).
    __table_args__ = (Index("ix_meetings_status_starts_at", "status", "starts_at"),
                      Index("ix_meetings_case_id_status", "case_id", "status", "starts_at"))

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED.value)
    place_enc: Mapped[bytes | None] = encrypted_column()
    place = encrypted_text("place")
    agenda_enc: Mapped[bytes | None] = encrypted_column()
    agenda = encrypted_text("agenda")
    # The protocol checked and signed off (justerat) by the case owner: from then on it
    # is read-only, except for a correction, which is logged as one.
    signed_off_at: Mapped[dt.datetime | None]
    signed_off_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    participants: Mapped[list[Participant]] = relationship(back_populates="meeting")


class Participant(ItemMixin, Base):
    """Someone invited to or attending a meeting: a user (group member or a stand-in)
    or an external person (the youth, a guardian, someone else by name and role).

    ``represented_org_id`` is the organisation the person represented that day; a
    stand-in from the same organisation counts for it.  Category ``coordination``;
    addressed to the represented organisation.
    """

    __tablename__ = "participants"
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo.column("represented_org_id"))
    # The statistics read who represented which organisation at a meeting from this
    # index alone, never from the table (it is the largest one).
    __table_args__ = (Index("ix_participants_attendance", "meeting_id", "represented_org_id",
                            "attendance", "user_id"),)

    id: Mapped[uuid_pk]
    # no index of its own: ix_participants_attendance begins with it (two indexes on
    # the same column let SQLite pick the narrow one and read the table after all)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    represented_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"),
                                                           index=True)
    external_name_enc: Mapped[bytes | None] = encrypted_column()
    external_name = encrypted_text("external_name")
    external_role: Mapped[str | None] = mapped_column(String(16))
    invited: Mapped[bool] = mapped_column(default=True)
    attendance: Mapped[str | None] = mapped_column(String(16))

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    represented_org: Mapped[Organisation | None] = relationship(foreign_keys=[represented_org_id])


class MinutesEntry(ItemMixin, Versioned, Base):
    """One entry of a meeting's minutes, with its own category (what it is about)."""

    __tablename__ = "minutes_entries"
    __item__ = ItemKind(case_column="case_id")

    id: Mapped[uuid_pk]
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    text_enc: Mapped[bytes | None] = encrypted_column()
    text = encrypted_text("text")
