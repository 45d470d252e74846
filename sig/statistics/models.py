"""The statistics' own tables: the data version and the stored counts
(``sig.statistics.store``), and the attendance summaries (``sig.statistics.summary``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class StatisticsChange(Base):
    """One flush that changed what the statistics count."""

    __tablename__ = "statistics_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StatisticsResult(Base):
    """A measure's counts for a span of whole years, counted on one day."""

    __tablename__ = "statistics_results"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))  # "newest change id:change rows"
    counts: Mapped[str] = mapped_column(Text)  # JSON: [[block, row, column, n], ...]
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MeetingOrganisation(Base):
    """One held meeting and one organisation invited to it (two schools are two): was it
    represented, and by how many professionals, with the meeting's Swedish year and
    month.  Derived from the participants by ``sig.statistics.summary`` whenever a
    meeting or its participants change, so the statistics read a tenth of the rows."""

    __tablename__ = "statistics_meeting_orgs"
    __table_args__ = (Index("ix_statistics_meeting_orgs_year", "year", "month", "meeting_id",
                            "case_id", "org_id", "present", "people"),
                      Index("ix_statistics_meeting_orgs_org_id", "year", "month", "org_id",
                            "present"),
                      Index("ix_statistics_meeting_orgs_case_id", "case_id"))

    meeting_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    year: Mapped[int] = mapped_column(Integer)    # of the meeting, in Swedish time
    month: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)  # 1 when anyone represented it
    people: Mapped[int] = mapped_column(Integer)   # different professionals present


class MeetingPresence(Base):
    """One held meeting: how many organisations were represented and how many
    professionals present (``statistics_meeting_orgs`` summed per meeting)."""

    __tablename__ = "statistics_meetings"
    __table_args__ = (Index("ix_statistics_meetings_year", "year", "month", "case_id",
                            "organisations", "people"),
                      Index("ix_statistics_meetings_case_id", "case_id"))

    meeting_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    organisations: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)


class GroupPerson(Base):
    """A professional who represented an organisation at a group's held meetings in a
    (Swedish) calendar year: the persons per organisation are these rows counted."""

    __tablename__ = "statistics_group_persons"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
