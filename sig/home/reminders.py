"""What needs a user's attention: their cases, actions due within 14 days or overdue,
meetings in the next 14 days.  Need-to-know filtered through the disclosure policy;
the start page and the ``sig reminders`` command both use it."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, or_, select

from auth.roles import Role
from consent.policy import CaseRows, sees_case_items, shown_in_cases
from kernel import clock
from kernel.db import db
from kernel.planner import among, unindexed
from sig.cases import ownership
from sig.cases.access import access_binds, accessible_bound, deputy_of
from sig.cases.listing import STATUS_ORDER, youth_names
from sig.cases.models import Case, CaseStatus, Deputy, Handover
from sig.consents.flags import ConsentFlag, flags_for
from sig.meetings.models import Meeting, MeetingStatus
from sig.plans.models import Action, ActionStatus
from sig.referrals import operations as referrals

HORIZON_DAYS = 14
OPEN_ACTION = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)


@dataclass
class Reminders:
    # the user's open cases: new ones before active ones, the latest referred first
    cases: list[Case]
    actions: list[Action]
    meetings: list[Meeting]
    today: dt.date
    # Consents of the cases the user owns that end within 30 days or lack a party.
    consent_flags: list[ConsentFlag] = field(default_factory=list)
    # The youth's name per listed case where the policy shows identity there.
    names: dict[str, str] = field(default_factory=dict)
    # How many of ``cases`` the start page lists (the case list pages the rest).
    listed_count: int = 0
    # The cases the user is deputy owner of today, and the cases offered to her.
    deputy_of: set[str] = field(default_factory=set)
    offers: list[Handover] = field(default_factory=list)
    # Proposals for SIG waiting on the intake list of the user's social services.
    proposals: int = 0

    def is_overdue(self, action: Action) -> bool:
        return action.due_date is not None and action.due_date < self.today

    def case_of(self, item: Any) -> Case | None:
        return self._by_id.get(item.case_id)

    def __post_init__(self) -> None:
        # (each action, meeting and flag names its case: looked up, not searched for)
        self._by_id = {c.id: c for c in self.cases}

    @property
    def listed(self) -> list[Case]:
        return self.cases[:self.listed_count]

    @property
    def empty(self) -> bool:
        return not (self.actions or self.meetings)


def _mine() -> list[Any]:
    """The user's actions (bound: ``user_id``, ``org_id``): hers, or her organisation's
    where no one is named, open and due by ``horizon``.  (The organisation's and the
    period's columns filter the user's cases' rows; they must not choose the index: see
    kernel.planner.)"""
    responsible = unindexed(Action.responsible_user_id)
    return [or_(responsible == bindparam("user_id"),
                and_(responsible.is_(None),
                     unindexed(Action.responsible_org_id) == bindparam("org_id"))),
            unindexed(Action.status).in_(OPEN_ACTION), unindexed(Action.due_date).is_not(None),
            unindexed(Action.due_date) <= bindparam("horizon")]


# Built once per process; bound when read.
ACTIONS_DUE = CaseRows(Action, where=_mine, order_by=lambda: [Action.due_date, Action.id])
MEETINGS_SOON = CaseRows(Meeting, where=lambda: [
    unindexed(Meeting.status) == MeetingStatus.PLANNED.value,
    unindexed(Meeting.starts_at) >= bindparam("now"),
    unindexed(Meeting.starts_at) < bindparam("until")],
    order_by=lambda: [Meeting.starts_at, Meeting.id])


@functools.cache
def _open_cases() -> Select:
    """The user's open cases in the case list's order (bound: see ``access_binds``)."""
    return (select(Case).where(accessible_bound(), Case.status != CaseStatus.CLOSED.value)
            .order_by(STATUS_ORDER, Case.referral_date.desc(), Case.id))


@functools.cache
def _deputy_in() -> Select:
    """Which of the cases bound as ``case_ids`` the user is deputy owner of on ``day``."""
    return deputy_of(bindparam("user_id"), bindparam("day")).where(
        among(Deputy.case_id, "case_ids"))


def for_user(user: Any, now: dt.datetime) -> Reminders:
    today = clock.local_day(now)
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    cases = (list(db.session.scalars(_open_cases(), access_binds(user)))
             if sees_case_items(user) else [])
    case_ids = [c.id for c in cases]
    owner = user.role == Role.CASE_OWNER.value
    offers = ownership.offers_to(user) if owner else []
    proposals = referrals.waiting(user) if owner else 0
    if not case_ids:
        return Reminders([], [], [], today, offers=offers, proposals=proposals)
    actions = [action for action, _case_id in shown_in_cases(
        user, ACTIONS_DUE, cases, user_id=user.id, org_id=user.organisation_id,
        horizon=horizon)]
    meetings = [meeting for meeting, _case_id in shown_in_cases(
        user, MEETINGS_SOON, cases, now=now, until=now + dt.timedelta(days=HORIZON_DAYS))]
    deputy = set(db.session.scalars(_deputy_in(), {
        "user_id": user.id, "day": today, "case_ids": case_ids})) if owner else set()
    flags = flags_for([c.id for c in cases if c.owner_id == user.id or c.id in deputy], today)
    # the first page of the case list: only its names are decided and decrypted
    listed = cases[:current_app.config["CASE_LIST_PAGE_SIZE"]]
    return Reminders(cases, actions, meetings, today, flags, youth_names(user, listed),
                     len(listed), deputy, offers, proposals)
