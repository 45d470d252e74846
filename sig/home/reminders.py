"""What needs a user's attention: their cases, actions due within 14 days or overdue,
meetings in the next 14 days.  Need-to-know filtered through the disclosure policy;
the start page and the ``sig reminders`` command both use it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select

from auth.roles import Role
from consent.policy import shown_in_cases
from kernel import clock
from kernel.db import db
from kernel.planner import unindexed
from sig.cases import ownership
from sig.cases.access import accessible, deputy_of
from sig.cases.listing import youth_names
from sig.cases.models import Case, CaseStatus, Deputy, Handover
from sig.consents.flags import ConsentFlag, flags_for
from sig.meetings.models import Meeting, MeetingStatus
from sig.plans.models import Action, ActionStatus
from sig.referrals import operations as referrals

HORIZON_DAYS = 14
OPEN_ACTION = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)


@dataclass
class Reminders:
    cases: list[Case]
    actions: list[Action]
    meetings: list[Meeting]
    today: dt.date
    # Consents of the cases the user owns that end within 30 days or lack a party.
    consent_flags: list[ConsentFlag] = field(default_factory=list)
    # The youth's name per case where the policy shows identity there.
    names: dict[str, str] = field(default_factory=dict)
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
    def empty(self) -> bool:
        return not (self.actions or self.meetings)


def for_user(user: Any, now: dt.datetime) -> Reminders:
    today = clock.local_day(now)
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    cases = list(db.session.scalars(
        select(Case).where(accessible(user), Case.status != CaseStatus.CLOSED.value)
        .order_by(Case.referral_date)))
    case_ids = [c.id for c in cases]
    owner = user.role == Role.CASE_OWNER.value
    offers = ownership.offers_to(user) if owner else []
    proposals = referrals.waiting(user) if owner else 0
    if not case_ids:
        return Reminders([], [], [], today, offers=offers, proposals=proposals)
    # (the organisation's and the period's columns filter the user's cases' rows; they
    # must not choose the index: see kernel.planner)
    responsible = unindexed(Action.responsible_user_id)
    mine = or_(responsible == user.id,
               and_(responsible.is_(None),
                    unindexed(Action.responsible_org_id) == user.organisation_id))
    actions = [action for action, _case_id in shown_in_cases(
        user, Action, cases, mine, unindexed(Action.status).in_(OPEN_ACTION),
        unindexed(Action.due_date).is_not(None), unindexed(Action.due_date) <= horizon,
        order_by=[Action.due_date, Action.id])]
    meetings = [meeting for meeting, _case_id in shown_in_cases(
        user, Meeting, cases, unindexed(Meeting.status) == MeetingStatus.PLANNED.value,
        unindexed(Meeting.starts_at) >= now,
        unindexed(Meeting.starts_at) < now + dt.timedelta(days=HORIZON_DAYS),
        order_by=[Meeting.starts_at, Meeting.id])]
    deputy = set(db.session.scalars(deputy_of(user.id, today).where(
        Deputy.case_id.in_(case_ids)))) if owner else set()
    flags = flags_for([c.id for c in cases if c.owner_id == user.id or c.id in deputy], today)
    return Reminders(cases, actions, meetings, today, flags, youth_names(user, cases),
                     deputy, offers, proposals)
