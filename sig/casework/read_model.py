"""What one user sees of one case, assembled with a fixed number of queries.

Every list is ``consent.policy.filtered``; what it leaves out is counted by
``consent.policy.withheld`` over the same registry, so the page can say what is withheld.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import joinedload

from auth import directory
from consent import validity
from consent.categories import Category
from consent.policy import CaseRows, Decision, Reading, Relation, Withheld
from kernel import clock
from kernel.db import db
from sig.cases.models import Case, CaseStatus, Membership
from sig.cases.ownership import case_notice as ownership_notice
from sig.cases.rights import Rights
from sig.consents.flags import consent_summary, custody_notice
from sig.disclosures.summary import case_disclosures
from sig.documents.models import Document
from sig.meetings.models import Meeting, Participant
from sig.meetings.queries import attendance_by_organisation
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Goal
from sig.plans.operations import is_overdue
from sig.referrals.models import Referral
from sig.retention.due import case_notice
from sig.youths.models import Guardian, Youth


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
    # The proposals that brought the youth to SIG, where the user may see them.
    referrals: list[Referral] = field(default_factory=list)
    # Documents on the case the user may see (without their content).
    documents: list[Document] = field(default_factory=list)
    # Shown to a stand-in ("view as"): nothing may be offered that changes anything.
    read_only: bool = False
    # What the reader may do here: the permission table (sig.cases.rights), no statement.
    rights: Rights | None = None
    sections: dict[str, Any] = field(default_factory=dict)
    # goals of the plan the reader may not see (an empty plan says "no goals yet" only
    # when there are none at all)
    hidden_goals: int = 0

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


def overdue_actions(_user: Any, view: CaseView) -> set[str]:
    """The ids of the shown actions that are overdue today (marked on the plan)."""
    day = clock.local_today()
    return {a.id for a in view.actions if is_overdue(a, day)}


# The other domains' parts of the case page (overdue actions, the consent box, the
# disclosure decisions): each provider is called once while the read model is built —
# before the access-log entry is written and before any template runs, so templates only
# read ``view.sections`` and call nothing back.  This package sits above the domains, so
# it names them; they know nothing of it.
SectionProvider = Callable[[Any, "CaseView"], Any]
SECTIONS: dict[str, SectionProvider] = {
    "overdue": overdue_actions,
    "consents": consent_summary,
    "disclosures": case_disclosures,
    "retention": case_notice,
    "ownership": ownership_notice,
    "custody": custody_notice,
}


# The page's lists, each one statement built once per process (the case is bound when read).
GOALS = CaseRows(Goal, order_by=lambda: [Goal.created_at, Goal.id])  # as entered
ACTIONS = CaseRows(Action, options=lambda: [joinedload(Action.responsible_user)],
                   order_by=lambda: [Action.due_date.is_(None), Action.due_date,
                                     Action.created_at])
MEMBERSHIPS = CaseRows(Membership, options=lambda: [joinedload(Membership.user)],
                       order_by=lambda: [Membership.from_date])
MEETINGS = CaseRows(Meeting, order_by=lambda: [Meeting.starts_at.desc()])
OUTCOMES = CaseRows(OutcomeEvent, order_by=lambda: [OutcomeEvent.occurred_on.desc(),
                                                    OutcomeEvent.created_at.desc()])
REFERRALS = CaseRows(Referral, options=lambda: [joinedload(Referral.proposer)],
                     order_by=lambda: [Referral.created_at])
DOCUMENTS = CaseRows(Document, order_by=lambda: [Document.created_at.desc()])


def build(user: Any, case: Case, relation: Relation, *, read_only: bool = False) -> CaseView:
    """The case page's read model: everything the user sees of the case, and what is
    withheld, through one policy reading (one statement per kind, whatever the size of
    the municipality)."""
    # The page shows the youth: with its guardians in one statement, as the consent rules
    # read them (once per request; the reading takes the youth and the guardians from it)
    validity.subjects_of([case.id])
    if relation is Relation.OWNER and not read_only:
        # the owner's consent box reads the case's live consents with all their grants:
        # read first, the policy takes the owner's flows from them (one statement less)
        validity.live_consents([case.id], clock.local_today())
    reading = Reading(user, relation, case)
    user = reading.user  # the user itself, not a request-local proxy (asked per item)
    shown_youth = reading.items(Youth)
    youth = shown_youth[0] if shown_youth else db.session.get(Youth, case.youth_id)
    youth_decision = reading.decision(youth)
    shown: set[str] = set()
    # loaded with the youth when the consent rules read it, else read now; decided (and
    # the withheld counted) either way, shown only with the youth
    guardians = reading.items_of(Guardian, Youth, "guardians",
                                 order_by=[Guardian.created_at, Guardian.id])
    if youth_decision.shown:
        shown.add(Category.IDENTITY)
    else:
        guardians = []
    goals = reading.items(GOALS)
    actions = reading.items(ACTIONS)
    memberships = reading.items(MEMBERSHIPS)
    meetings = reading.items(MEETINGS)
    participants = reading.items_of(Participant, Meeting, "participants")
    outcomes = reading.items(OUTCOMES)
    referrals = reading.items(REFERRALS)
    documents = reading.items(DOCUMENTS)
    for items in (guardians, goals, actions, memberships, meetings, outcomes, referrals,
                  documents):
        shown.update(item.category for item in items)
    org_names = directory.names()
    view = CaseView(case, relation, youth if youth_decision.shown else None, youth_decision,
                    guardians, goals, actions, memberships, meetings,
                    reading.withheld(), org_names, shown,
                    attendance=attendance_by_organisation(meetings, participants, org_names),
                    outcomes=outcomes, referrals=referrals, documents=documents,
                    read_only=read_only,
                    rights=Rights(user, relation, read_only=read_only,
                                  closed=case.status == CaseStatus.CLOSED.value))
    view.hidden_goals = reading.hidden(Goal)
    view.sections = {name: provider(user, view) for name, provider in SECTIONS.items()}
    return view
