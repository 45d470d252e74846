"""Builds synthetic case histories straight into the database for the statistics tests:
youths with a birth year and gender, cases with dates, meetings with attendance per
person, actions and outcome events.  No personal data beyond what the measures read."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from auth.models import User
from auth.roles import Role
from consent.categories import Category
from kernel import clock
from kernel.db import db
from sig.cases.models import Case, CaseStatus
from sig.meetings.models import Meeting, Participant
from sig.outcomes.models import CATEGORY_OF_KIND, OutcomeEvent, OutcomeKind
from sig.plans.models import Action, Goal
from sig.youths.models import Youth

_serial = itertools.count(1)


class World:
    """``orgs`` is the conftest ``orgs`` fixture (keys social, police, school, leisure)."""

    def __init__(self, orgs: dict, owner: User) -> None:
        self.orgs = orgs
        self.owner = owner
        self.persons: dict[tuple[str, int], User] = {}

    def _item(self, category: Category) -> dict:
        return {"origin_org_id": self.orgs["social"].id, "category": category.value,
                "created_by_id": self.owner.id}

    def person(self, org: str, number: int = 1) -> User:
        """The ``number``-th person of ``org`` (created on first use)."""
        key = (org, number)
        if key not in self.persons:
            user = User(username=f"{org}-{number}-{next(_serial)}",
                        organisation_id=self.orgs[org].id,
                        role=str(Role.MEMBER), password_hash="x", password_changed_at=clock.now(),
                        must_change_password=False, active=True, locale="sv")
            db.session.add(user)
            db.session.flush()
            self.persons[key] = user
        return self.persons[key]

    def case(self, *, born: int, gender: str | None, referred: dt.date,
             started: dt.date | None = None, closed: dt.date | None = None,
             reason: str | None = None, youth: Youth | None = None) -> Case:
        if youth is None:
            youth = Youth(pnr_index=uuid.uuid4().hex, birth_year=born, gender=gender,
                          **self._item(Category.IDENTITY))
            db.session.add(youth)
            db.session.flush()
        status = CaseStatus.CLOSED if closed else (
            CaseStatus.ACTIVE if started else CaseStatus.REFERRED)
        case = Case(youth_id=youth.id, owner_id=self.owner.id, status=status.value,
                    referral_source="school", referral_date=referred, plan_agreed_on=started,
                    closed_on=closed, close_reason=reason, **self._item(Category.COORDINATION))
        db.session.add(case)
        db.session.flush()
        return case

    def meeting(self, case: Case, day: dt.date, present: dict[str, list[int]],
                absent: dict[str, list[int]] | None = None, status: str = "held") -> Meeting:
        """``present``/``absent``: organisation key -> the numbers of its persons."""
        meeting = Meeting(case_id=case.id, starts_at=dt.datetime.combine(
            day, dt.time(13, 0), dt.UTC), status=status, **self._item(Category.COORDINATION))
        db.session.add(meeting)
        db.session.flush()
        for attendance, people in (("present", present), ("absent", absent or {})):
            for org, numbers in people.items():
                for n in numbers:
                    db.session.add(Participant(
                        meeting_id=meeting.id, case_id=case.id, user_id=self.person(org, n).id,
                        represented_org_id=self.orgs[org].id, attendance=attendance,
                        **self._item(Category.COORDINATION)))
        db.session.add(Participant(meeting_id=meeting.id, case_id=case.id, external_role="youth",
                                   attendance="present", **self._item(Category.COORDINATION)))
        db.session.flush()
        return meeting

    def action(self, case: Case, org: str, due: dt.date, status: str) -> Action:
        goal = Goal(case_id=case.id, life_area="school", **self._item(Category.COORDINATION))
        db.session.add(goal)
        db.session.flush()
        action = Action(case_id=case.id, goal_id=goal.id, responsible_org_id=self.orgs[org].id,
                        due_date=due, status=status, **self._item(Category.COORDINATION))
        db.session.add(action)
        db.session.flush()
        return action

    def event(self, case: Case, kind: OutcomeKind, day: dt.date, source: str = "police",
              led: bool | None = None) -> OutcomeEvent:
        event = OutcomeEvent(case_id=case.id, kind=kind.value, occurred_on=day,
                             source_org_id=self.orgs[source].id, led_to_intervention=led,
                             **self._item(CATEGORY_OF_KIND[kind]))
        db.session.add(event)
        db.session.flush()
        return event
