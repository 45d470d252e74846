"""Area groups, their situation reports, the coordinator's assessment per question and
what is raised to the crime-prevention council; citizen promises.

No personal data belongs here (the individual-data guard checks every text on save:
``sig.youths.mentions``); the accounts are still encrypted at rest, as everything typed
in SIG is."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk


class GroupKind(enum.StrEnum):
    SITUATION = "situation"        # lägesbildsgrupp (EST in Fagersta, FAS in Ludvika)
    COUNCIL = "council"            # lokalt brottsförebyggande råd (lokalt Brå)
    SAFETY_COUNCIL = "safety_council"
    LOCAL_SAFETY = "local_safety"  # trygghetsgrupp per district (Sundsvall)


class Colour(enum.StrEnum):
    """The template's assessment of a question (seed 003)."""

    GREEN = "green"    # small, handled by ordinary routines
    YELLOW = "yellow"  # recurring, within the group's mandate
    RED = "red"        # extensive and recurring: raised with the Brå / the municipality


# The seven questions of the situation report, in the template's order.
QUESTIONS = (1, 2, 3, 4, 5, 6, 7)
POSITIVE = 7  # "positive measures": no impact scale


class AreaGroup(Base):
    __tablename__ = "area_groups"

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    period_days: Mapped[int] = mapped_column(Integer, default=14)
    # the council red items are raised with (for a situation-report group)
    escalates_to_id: Mapped[str | None] = mapped_column(ForeignKey("area_groups.id"))
    created_at: Mapped[created_at]

    escalates_to: Mapped[AreaGroup | None] = relationship(remote_side="AreaGroup.id")


class AreaMembership(Base):
    __tablename__ = "area_memberships"
    __table_args__ = (Index("ix_area_memberships_user", "user_id", "removed_at"),)

    id: Mapped[uuid_pk]
    group_id: Mapped[str] = mapped_column(ForeignKey("area_groups.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    stand_in: Mapped[bool] = mapped_column(Boolean, default=False)  # ersättare
    removed_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class SituationReport(Base):
    """One report period of a group (two weeks or a month)."""

    __tablename__ = "situation_reports"

    id: Mapped[uuid_pk]
    group_id: Mapped[str] = mapped_column(ForeignKey("area_groups.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    opened_at: Mapped[created_at]
    compiled_at: Mapped[dt.datetime | None]
    compiled_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    group: Mapped[AreaGroup] = relationship()


class ReportPart(Base):
    """One organisation's answer to one question of a report."""

    __tablename__ = "situation_report_parts"
    __table_args__ = (Index("uq_situation_report_parts", "report_id", "org_id", "question",
                            unique=True),)

    id: Mapped[uuid_pk]
    report_id: Mapped[str] = mapped_column(ForeignKey("situation_reports.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    question: Mapped[int] = mapped_column(Integer)
    account_enc: Mapped[bytes | None] = encrypted_column()
    account = encrypted_text("account")
    impact: Mapped[int | None] = mapped_column(Integer)  # 1–5, questions 1–6
    places_enc: Mapped[bytes | None] = encrypted_column()
    places = encrypted_text("places")  # places and times that stand out
    submitted_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[created_at]


class Assessment(Base):
    """The coordinator's compiled assessment of one question: colour and comment."""

    __tablename__ = "situation_assessments"
    __table_args__ = (Index("uq_situation_assessments", "report_id", "question", unique=True),)

    id: Mapped[uuid_pk]
    report_id: Mapped[str] = mapped_column(ForeignKey("situation_reports.id"), index=True)
    question: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(8))
    comment_enc: Mapped[bytes | None] = encrypted_column()
    comment = encrypted_text("comment")


class Escalation(Base):
    """A red item raised with the council: on its next agenda until it has a response,
    which goes back to the reporters."""

    __tablename__ = "situation_escalations"

    id: Mapped[uuid_pk]
    assessment_id: Mapped[str] = mapped_column(ForeignKey("situation_assessments.id"),
                                               unique=True)
    to_group_id: Mapped[str] = mapped_column(ForeignKey("area_groups.id"), index=True)
    raised_at: Mapped[created_at]
    response_enc: Mapped[bytes | None] = encrypted_column()
    response = encrypted_text("response")
    responded_at: Mapped[dt.datetime | None]
    responded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    assessment: Mapped[Assessment] = relationship()


class CitizenPromise(Base):
    """A citizen promise (medborgarlöfte): public once published."""

    __tablename__ = "citizen_promises"

    id: Mapped[uuid_pk]
    title: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    background: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")  # the promise as a whole
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    commitments: Mapped[list[PromiseCommitment]] = relationship(
        order_by="PromiseCommitment.position", cascade="all, delete-orphan")


class PromiseCommitment(Base):
    """What one party commits to in a citizen promise, how it is measured, and how it
    went (public with the promise)."""

    __tablename__ = "promise_commitments"

    id: Mapped[uuid_pk]
    promise_id: Mapped[str] = mapped_column(ForeignKey("citizen_promises.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    party: Mapped[str] = mapped_column(String(200), default="")
    what: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")


class AreaMeeting(Base):
    """A meeting of an area group.  Its agenda has standing items (SIG builds them: what
    was raised with the council, the citizen promises in force, decisions not yet
    followed up) and the group's own items; attendance by organisation and person,
    minutes, decisions."""

    __tablename__ = "area_meetings"

    id: Mapped[uuid_pk]
    group_id: Mapped[str] = mapped_column(ForeignKey("area_groups.id"), index=True)
    starts_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda_enc: Mapped[bytes | None] = encrypted_column()
    agenda = encrypted_text("agenda")
    minutes_enc: Mapped[bytes | None] = encrypted_column()
    minutes = encrypted_text("minutes")
    created_at: Mapped[created_at]

    group: Mapped[AreaGroup] = relationship()


class AreaAttendance(Base):
    __tablename__ = "area_attendance"
    __table_args__ = (Index("uq_area_attendance", "meeting_id", "user_id", unique=True),)

    id: Mapped[uuid_pk]
    meeting_id: Mapped[str] = mapped_column(ForeignKey("area_meetings.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    attendance: Mapped[str] = mapped_column(String(16))  # present, absent, excused


class AreaDecision(Base):
    """Who does what by when; followed up at a later meeting."""

    __tablename__ = "area_decisions"

    id: Mapped[uuid_pk]
    meeting_id: Mapped[str] = mapped_column(ForeignKey("area_meetings.id"), index=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("area_groups.id"), index=True)
    what_enc: Mapped[bytes | None] = encrypted_column()
    what = encrypted_text("what")
    responsible_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_enc: Mapped[bytes | None] = encrypted_column()
    follow_up = encrypted_text("follow_up")
    done_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class CauseAnalysis(Base):
    """A red or recurring item sent for a cause analysis: who makes it, by when, and its
    result."""

    __tablename__ = "cause_analyses"

    id: Mapped[uuid_pk]
    assessment_id: Mapped[str] = mapped_column(ForeignKey("situation_assessments.id"),
                                               index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    result_enc: Mapped[bytes | None] = encrypted_column()
    result = encrypted_text("result")
    completed_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    owner: Mapped[User] = relationship()
    assessment: Mapped[Assessment] = relationship()
