"""Goals, actions and the history of every change to them."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import User
from consent.items import AddressedTo, ItemKind, ItemMixin, Registered
from kernel.crypto.fields import encrypted_column, encrypted_text
from kernel.db import Base, created_at, uuid_pk
from kernel.versioned import Versioned


class LifeArea(enum.StrEnum):
    SCHOOL = "school"
    LEISURE = "leisure"
    FAMILY = "family"
    HEALTH = "health"
    SUBSTANCE_USE = "substance_use"
    CRIMINALITY = "criminality"
    OCCUPATION = "occupation"
    HOUSING = "housing"
    OTHER = "other"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    # set by closing the case, never chosen: what was still planned when the case closed
    NOT_DONE = "not_done"


class Goal(ItemMixin, Versioned, Base):
    """A goal in one life area.  Category ``coordination``."""

    __tablename__ = "goals"
    __item__ = ItemKind(case_column="case_id")

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    life_area: Mapped[str] = mapped_column(String(32))
    description_enc: Mapped[bytes | None] = encrypted_column()
    description = encrypted_text("description")

    actions: Mapped[list[Action]] = relationship(back_populates="goal",
                                                 order_by="Action.due_date")


class Action(ItemMixin, Versioned, Base):
    """What one organisation does, by when.  Category ``coordination``; addressed to
    the responsible organisation, which therefore sees it."""

    __tablename__ = "actions"
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo.column("responsible_org_id"))

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goals.id"), index=True)
    what_enc: Mapped[bytes | None] = encrypted_column()
    what = encrypted_text("what")
    responsible_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    responsible_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PLANNED.value)
    # the day it was marked done (the statistics count a done action by this day)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_enc: Mapped[bytes | None] = encrypted_column()
    follow_up = encrypted_text("follow_up")

    goal: Mapped[Goal] = relationship(back_populates="actions")
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])


class Change(Registered, Base):
    """One change to a goal, action or minutes entry: who, when, field, before → after.

    It inherits the changed item's origin and category, so exactly those who may see
    the item see its history.  ``meeting_id`` is set when the change was made while
    following up the plan at a meeting.
    """

    __tablename__ = "changes"
    # A history row mirrors its item (origin, category, addressed, flag), so exactly
    # those who see the item see its history; it is not announced a second time.
    __item__ = ItemKind(case_column="case_id", addressed=AddressedTo.column("addressed_org_id"),
                        announced=False)

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(String(36), index=True)
    origin_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    addressed_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(32))
    pre_investigation: Mapped[bool] = mapped_column(default=False)
    field: Mapped[str] = mapped_column(String(32))
    before_enc: Mapped[bytes | None] = encrypted_column()
    before = encrypted_text("before")
    after_enc: Mapped[bytes | None] = encrypted_column()
    after = encrypted_text("after")
    changed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[created_at]
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"))

    changed_by: Mapped[User] = relationship()
