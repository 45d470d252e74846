"""What one user sees of one case, assembled with a fixed number of queries.

Every list goes through ``consent.policy.visible`` in SQL, and what it leaves out is
counted with the same condition negated, so the page can say what is withheld.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import joinedload

from auth.models import Organisation
from consent.categories import Category
from consent.policy import Decision, Relation, Rule, Withheld, decide, visible
from sig.cases.models import Case, Membership
from sig.db import db
from sig.meetings.models import Meeting, MinutesEntry, Participant
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Goal
from sig.youths.models import Guardian, Youth


def meeting_visible(user: Any) -> Any:
    """SQL on ``Meeting``: recorded by the user's organisation, or one it is invited to."""
    invited = exists().where(Participant.meeting_id == Meeting.id,
                             Participant.represented_org_id == user.organisation_id)
    return or_(visible(user, Meeting), and_(visible_categories(Meeting), invited))


def visible_categories(model: Any) -> Any:
    from consent.categories import KNOWN

    return model.category.in_(sorted(KNOWN))


@dataclass
class CaseView:
    case: Case
    relation: Relation
    youth: Youth | None
    youth_decision: Decision
    guardians: list[Guardian]
    goals: list[Goal]
    actions: list[Action]
    memberships: list[Membership]
    meetings: list[Meeting]
    withheld: list[Withheld]
    org_names: dict[str, str]
    shown_categories: set[str] = field(default_factory=set)
    # Attendance by organisation over the case's held meetings (sig.meetings.queries).
    attendance: list[Any] = field(default_factory=list)
    # Police reports, concern reports and concern conversations the user may see.
    outcomes: list[OutcomeEvent] = field(default_factory=list)

    def actions_of(self, goal_id: str) -> list[Action]:
        return [a for a in self.actions if a.goal_id == goal_id]

    @property
    def actions_without_visible_goal(self) -> list[Action]:
        shown = {g.id for g in self.goals}
        return [a for a in self.actions if a.goal_id not in shown]

    @property
    def withheld_categories(self) -> set[str]:
        return {w.category for w in self.withheld}

    def audit_details(self) -> dict[str, Any]:
        return {"relation": str(self.relation), "shown": sorted(self.shown_categories),
                "withheld": sorted(self.withheld_categories)}


def withheld_counts(user: Any, case_id: str) -> list[Withheld]:
    """Per (origin organisation, category, reason): how many items are withheld.

    Preliminary-investigation material is counted apart, so the notice can say why.
    """
    counts: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    tables = [
        (Youth, Youth.id == select(Case.youth_id).where(Case.id == case_id).scalar_subquery()),
        (Guardian, Guardian.youth_id == select(Case.youth_id)
         .where(Case.id == case_id).scalar_subquery()),
        (Goal, Goal.case_id == case_id),
        (Action, Action.case_id == case_id),
        (Membership, and_(Membership.case_id == case_id, Membership.removed_at.is_(None))),
        (MinutesEntry, MinutesEntry.case_id == case_id),
        (OutcomeEvent, OutcomeEvent.case_id == case_id),
    ]
    queries = [(model, of_case, visible(user, model)) for model, of_case in tables]
    queries.append((Meeting, Meeting.case_id == case_id, meeting_visible(user)))
    for model, of_case, shown in queries:
        rows = db.session.execute(
            select(model.origin_org_id, model.category, model.pre_investigation, func.count())
            .where(of_case, not_(shown))
            .group_by(model.origin_org_id, model.category, model.pre_investigation))
        for origin, category, pre_investigation, n in rows:
            counts[(origin, category, bool(pre_investigation))] += n
    return [Withheld(origin, category, n,
                     Rule.PRE_INVESTIGATION if pre_investigation else Rule.NO_CONSENT)
            for (origin, category, pre_investigation), n in sorted(
                counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1], kv[0][2]))]


def build(user: Any, case: Case, relation: Relation) -> CaseView:
    youth = db.session.get(Youth, case.youth_id)
    youth_decision = decide(user, relation, youth)
    shown: set[str] = set()
    guardians: list[Guardian] = []
    if youth_decision.shown:
        shown.add(Category.IDENTITY)
        guardians = list(db.session.scalars(
            select(Guardian).where(Guardian.youth_id == youth.id, visible(user, Guardian))))
    goals = list(db.session.scalars(
        select(Goal).where(Goal.case_id == case.id, visible(user, Goal))
        .order_by(Goal.life_area, Goal.created_at)))
    actions = list(db.session.scalars(
        select(Action).where(Action.case_id == case.id, visible(user, Action))
        .options(joinedload(Action.responsible_user))
        .order_by(Action.due_date.is_(None), Action.due_date, Action.created_at)))
    memberships = list(db.session.scalars(
        select(Membership).where(Membership.case_id == case.id, Membership.removed_at.is_(None),
                                 visible(user, Membership))
        .options(joinedload(Membership.user)).order_by(Membership.from_date)))
    meetings = list(db.session.scalars(
        select(Meeting).where(Meeting.case_id == case.id, meeting_visible(user))
        .order_by(Meeting.starts_at.desc())))
    outcomes = list(db.session.scalars(
        select(OutcomeEvent).where(OutcomeEvent.case_id == case.id,
                                   visible(user, OutcomeEvent))
        .order_by(OutcomeEvent.occurred_on.desc(), OutcomeEvent.created_at.desc())))
    for items in (goals, actions, memberships, meetings, outcomes):
        shown.update(item.category for item in items)
    org_names = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    from sig.meetings.queries import attendance_by_organisation  # imports this module

    return CaseView(case, relation, youth if youth_decision.shown else None, youth_decision,
                    guardians, goals, actions, memberships, meetings,
                    withheld_counts(user, case.id), org_names, shown,
                    attendance=attendance_by_organisation(user, case.id), outcomes=outcomes)
