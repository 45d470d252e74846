"""Reads of meetings, every one through the disclosure policy.

* :func:`attendance_by_organisation`: attendance per represented organisation over the
  meetings and participant rows a policy reading showed the user.
* :func:`meeting_view`: what one user sees of one meeting, with a fixed number of
  statements, and what is withheld from them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.orm import joinedload

from auth import directory
from consent.categories import Category
from consent.policy import CaseRows, Reading, Relation, Withheld, shown_in_cases
from kernel.planner import unindexed
from sig.cases.access import today
from sig.cases.models import Case, Membership
from sig.meetings.models import ATTENDED, Meeting, MeetingStatus, MinutesEntry, Participant
from sig.notify.delivery import DeliveryState, latest_by_recipient
from sig.plans.models import Action, Change

# --- attendance by organisation -------------------------------------------------------------


@dataclass(frozen=True)
class OrgAttendance:
    """One organisation's attendance over the held meetings of a case.

    ``meetings_held``: held meetings the organisation was invited to (had a participant
    row representing it); ``represented``: of those, the meetings where someone from it
    was present or took part remotely; ``persons``: how many different people
    represented it at least once (Huddinge finding 2c).
    """

    org_id: str
    org_name: str
    meetings_held: int
    represented: int
    persons: int

    @property
    def rate(self) -> float:
        return self.represented / self.meetings_held if self.meetings_held else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.rate)


def attendance_by_organisation(meetings: Iterable[Meeting], participants: Iterable[Participant],
                               org_names: dict[str, str]) -> list[OrgAttendance]:
    """Per represented organisation, computed from what the reader was shown (the
    policy's reading of the case): the participant rows of the shown held meetings.
    No statement of its own."""
    held = {m.id for m in meetings if m.status == MeetingStatus.HELD.value}
    invited: dict[str, set[str]] = defaultdict(set)
    present: dict[str, set[str]] = defaultdict(set)
    persons: dict[str, set[str]] = defaultdict(set)
    for part in participants:
        org = part.represented_org_id
        if part.meeting_id not in held or org is None or org not in org_names:
            continue
        invited[org].add(part.meeting_id)
        if part.attendance in ATTENDED:
            present[org].add(part.meeting_id)
            if part.user_id is not None:
                persons[org].add(part.user_id)
    rows = [OrgAttendance(org, org_names[org], len(ids), len(present[org]), len(persons[org]))
            for org, ids in invited.items()]
    return sorted(rows, key=lambda row: (row.org_name, row.org_id))


# --- the next meeting of each case ------------------------------------------------------------


PLANNED_FROM = CaseRows(Meeting, where=lambda: [
    unindexed(Meeting.status) == MeetingStatus.PLANNED.value,
    unindexed(Meeting.starts_at) >= bindparam("now")],
    order_by=lambda: [Meeting.starts_at, Meeting.id])


def next_meetings(user: Any, cases: Sequence[Case], now: dt.datetime) -> dict[str, Meeting]:
    """Case id → the first planned meeting from ``now`` that the user may see (one
    statement, through the policy)."""
    if not cases:
        return {}
    found: dict[str, Meeting] = {}
    for meeting, case_id in shown_in_cases(user, PLANNED_FROM, cases, now=now):
        found.setdefault(case_id, meeting)
    return found


# --- one meeting -----------------------------------------------------------------------------


@dataclass
class MeetingView:
    case: Case
    relation: Relation
    meeting: Meeting
    participants: list[Participant]
    group_user_ids: set[str]
    minutes: list[MinutesEntry]
    writers: dict[str, str]
    minutes_history: dict[str, list[Change]]
    actions: list[Action]
    follow_ups: list[Change]
    withheld: list[Withheld]
    org_names: dict[str, str]
    shown_categories: set[str] = field(default_factory=set)
    # For the owner: what became of each participant's invitation e-mail.
    deliveries: dict[str, DeliveryState] | None = None
    # The group's memberships the reader may see, removed ones left out (any day's).
    memberships: list[Membership] = field(default_factory=list)

    @property
    def protocol_orgs(self) -> list[tuple[str, str]]:
        """The organisations represented at the meeting (the protocol prints for each)."""
        ids = {p.represented_org_id for p in self.participants if p.represented_org_id}
        return sorted(((i, self.org_names.get(i, "—")) for i in ids),
                      key=lambda pair: pair[1].casefold())

    @property
    def is_owner(self) -> bool:
        return self.relation is Relation.OWNER

    def is_stand_in(self, participant: Participant) -> bool:
        return participant.user_id is not None and participant.user_id not in self.group_user_ids

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

    @staticmethod
    def category_label(code: str) -> str:
        try:
            return Category(code).label
        except ValueError:
            return code

    def audit_details(self) -> dict[str, Any]:
        return {"meeting": self.meeting.id, "relation": str(self.relation),
                "participants": len(self.participants), "minutes": len(self.minutes),
                "shown": sorted(self.shown_categories),
                "withheld": sorted({w.category for w in self.withheld})}


# The meeting page's lists, each one statement built once per process (bound: the case,
# and ``meeting_id``, ``day`` or ``minutes_ids``).
PARTICIPANTS = CaseRows(
    Participant, where=lambda: [Participant.meeting_id == bindparam("meeting_id")],
    options=lambda: [joinedload(Participant.user)],
    order_by=lambda: [Participant.created_at, Participant.id])
MEMBERSHIPS = CaseRows(Membership, order_by=lambda: [Membership.from_date, Membership.id])
MINUTES = CaseRows(MinutesEntry, where=lambda: [MinutesEntry.meeting_id == bindparam("meeting_id")],
                   order_by=lambda: [MinutesEntry.created_at])
# Changes of the meeting's minutes entries and of the plan made at the meeting.
CHANGES = CaseRows(
    Change, where=lambda: [or_(Change.meeting_id == bindparam("meeting_id"),
                               and_(Change.item_type == "minutes",
                                    Change.item_id.in_(bindparam("minutes_ids",
                                                                 expanding=True))))],
    options=lambda: [joinedload(Change.changed_by)], order_by=lambda: [Change.changed_at])
ACTIONS = CaseRows(Action, order_by=lambda: [Action.due_date.is_(None), Action.due_date,
                                             Action.created_at])


def meeting_view(user: Any, case: Case, relation: Relation, meeting: Meeting) -> MeetingView:
    """The meeting page: one policy reading of the case, announcing what is withheld of
    this meeting's participants and minutes."""
    reading = Reading(user, relation, case, announce=(Participant, MinutesEntry))
    participants = reading.items(PARTICIPANTS, meeting_id=meeting.id)
    memberships = reading.items(MEMBERSHIPS)
    day = today()
    group_user_ids = {case.owner_id} | {m.user_id for m in memberships if m.current_on(day)}
    minutes = reading.items(MINUTES, meeting_id=meeting.id)
    changes = reading.items(CHANGES, meeting_id=meeting.id,
                            minutes_ids=[e.id for e in minutes])
    history: dict[str, list[Change]] = defaultdict(list)
    follow_ups = []
    for change in changes:
        if change.item_type == "minutes":
            history[change.item_id].append(change)
        elif change.meeting_id == meeting.id:
            follow_ups.append(change)
    actions = reading.items(ACTIONS)
    writers = directory.display_names(e.created_by_id for e in minutes)
    org_names = directory.names()
    # The owner first, then organisation by organisation, then the youth, guardians, others.
    external_order = {"youth": 0, "guardian": 1, "other": 2}
    participants.sort(key=lambda p: (
        p.user_id is None, p.user_id != case.owner_id,
        org_names.get(p.represented_org_id or "", "").casefold(),
        external_order.get(p.external_role or "", 3),
        ((p.user.display_name if p.user else p.external_name) or "").casefold()))
    shown = {meeting.category} | {p.category for p in participants} | {
        e.category for e in minutes}
    view = MeetingView(case, relation, meeting, participants, group_user_ids, minutes,
                       writers, dict(history), actions, follow_ups, reading.withheld(),
                       org_names, shown, memberships=memberships)
    if relation is Relation.OWNER:
        view.deliveries = latest_by_recipient(meeting.id)
    return view
