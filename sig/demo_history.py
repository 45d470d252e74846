"""Demo data: an anonymous past for the managers' statistics.

The dashboard hides every count from 1 to 4, so the four demo youths alone show almost
nothing.  This adds about 80 earlier cases from 2024 up to a month ago, owned by a former
case owner ("tidigare") whose account is deactivated, with groups of former colleagues
from the police, the school and the leisure administration (also deactivated).  No
persona owns or is a member of any of them, so they appear in no persona's case list;
only Maria's statistics count them.

Built straight into the tables (as ``tests/stats_world.py`` does), each case from its own
seeded random generator: whenever the demo is loaded, case n has the same dates and
figures; only what depends on today differs (how many cases there are so far, which are
still open, planned meetings, reports not yet made).  Idempotent: when the former case
owner already owns cases, nothing is added.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select

from auth.admin.operations import create_user, set_active
from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from consent.categories import Category
from kernel import clock
from kernel.db import db, new_uuid
from sig.cases.models import Case, CaseStatus, CloseReason, Membership
from sig.meetings.models import Attendance, Meeting, MeetingStatus, Participant
from sig.outcomes.models import CATEGORY_OF_KIND, OutcomeEvent, OutcomeKind
from sig.plans.models import Action, ActionStatus, Goal
from sig.youths.models import Youth

OWNER = "tidigare"
# Of the seeds tried (2026-2045), the one whose 2025 figures for reports after the start,
# attendance, actions and cases opened stayed above the suppression threshold for load
# dates from July 2026 to June 2027: with about 30 cases a year, small-cell suppression
# hides whole tables for some draws.
SEED = 2033
FIRST_DAY = dt.date(2024, 1, 2)
# Days between referrals: the work grew after its first year.  About 80 cases from
# January 2024 to late 2026.
EVERY = {2024: 16}
EVERY_LATER = 11
LEISURE = "Fritidsförvaltningen"
T = TypeVar("T")

# username, full name, organisation key, role, function in a group
ACCOUNTS = [
    (OWNER, "Tidigare handläggare", "social", Role.CASE_OWNER, "handläggare"),
    ("tidigare-soc2", "Tidigare handläggare 2", "social", Role.CASE_OWNER, "handläggare"),
    ("tidigare-soc3", "Tidigare handläggare 3", "social", Role.CASE_OWNER, "handläggare"),
    ("tidigare-polis1", "Tidigare kommunpolis 1", "police", Role.MEMBER, "kontaktpolis"),
    ("tidigare-polis2", "Tidigare kommunpolis 2", "police", Role.MEMBER, "kontaktpolis"),
    ("tidigare-polis3", "Tidigare kommunpolis 3", "police", Role.MEMBER, "kontaktpolis"),
    ("tidigare-skola1", "Tidigare skolkurator 1", "school", Role.MEMBER, "skolkurator"),
    ("tidigare-skola2", "Tidigare skolkurator 2", "school", Role.MEMBER, "skolkurator"),
    ("tidigare-skola3", "Tidigare mentor", "school", Role.MEMBER, "mentor"),
    ("tidigare-fritid1", "Tidigare fritidsledare 1", "leisure", Role.MEMBER, "fritidsledare"),
    ("tidigare-fritid2", "Tidigare fritidsledare 2", "leisure", Role.MEMBER, "fritidsledare"),
]
FUNCTIONS = {username: function for username, *_, function in ACCOUNTS}

# How often an organisation is in a group, and how often it is represented at a meeting.
IN_GROUP = {"police": 0.7, "school": 0.8, "leisure": 0.45}
REPRESENTED = {"social": 0.95, "school": 0.75, "police": 0.65, "leisure": 0.5}
STAND_IN = 0.15  # of the meetings the regular person misses, how often a colleague goes

GOALS = {
    "school": "Går i skolan minst 90 % av tiden",
    "leisure": "Har en meningsfull fritidsaktivitet",
    "criminality": "Begår inga nya brott och umgås inte i riskmiljöer",
    "family": "Konflikterna hemma har minskat",
    "substance_use": "Använder inte alkohol eller droger",
    "occupation": "Har ett sommarjobb eller en praktikplats",
}
ACTIONS = {
    "social": ["Familjebehandling varannan vecka", "Stödsamtal med ungdomen varje vecka",
               "Kontakt med beroendemottagningen"],
    "police": ["Orossamtal med ungdomen och vårdnadshavare",
               "Uppföljande samtal med kontaktpolis"],
    "school": ["Närvaroplan och veckovis uppföljning med mentor",
               "Extra studiestöd i kärnämnena"],
    "leisure": ["Introduktion till en fritidsaktivitet",
                "Sommarjobb via kommunens feriearbete"],
}
PLACES = ["Familjecentralen", "Exempelskolan, konferensrummet", "Fritidsgården Norr",
          "Socialtjänstens mötesrum", "Digitalt möte"]


@dataclass
class _Staff:
    owner: User
    by_org: dict[str, list[User]] = field(default_factory=dict)  # organisation key -> users


def load(people: dict[str, User], orgs: dict[str, Organisation], password: str) -> list[str]:
    """Create the history unless it exists; returns lines to print.

    ``people`` are the personas: none of them is used in the history.  ``orgs`` are the
    demo organisations by name.
    """
    owner = db.session.scalar(select(User).where(User.username == OWNER))
    if owner is not None and db.session.scalar(
            select(func.count()).select_from(Case).where(Case.owner_id == owner.id)):
        return []
    by_key = _organisations(orgs)
    staff = _accounts(by_key, {u.id for u in people.values()}, password)
    today = clock.local_today()
    builder = _Builder(today, by_key, staff)
    # A referral every few days, the last started (plan agreed) a month ago at the
    # latest.  Each case has its own seeded generator, so a case is the same whenever
    # the demo is loaded (only what depends on today differs: open or closed, planned
    # meetings, events not yet happened).
    number, slot = 0, FIRST_DAY
    while slot <= today - dt.timedelta(days=40):
        number += 1
        builder.case(number, slot)
        slot += dt.timedelta(days=EVERY.get(slot.year, EVERY_LATER))
    db.session.commit()
    active = builder.open_cases
    return [f"Anonymous history for the statistics: {number} past cases "
            f"({number - active} closed, {active} active; owner: {OWNER}, deactivated)"]


def _organisations(orgs: dict[str, Organisation]) -> dict[str, Organisation]:
    def of_kind(kind: OrganisationKind) -> Organisation:
        return next(o for o in orgs.values() if o.kind == kind.value)

    return {"social": of_kind(OrganisationKind.SOCIAL_SERVICES),
            "police": of_kind(OrganisationKind.POLICE),
            "school": of_kind(OrganisationKind.SCHOOL),
            "leisure": orgs[LEISURE]}


def _accounts(orgs: dict[str, Organisation], persona_ids: set[str], password: str) -> _Staff:
    """The former colleagues, created if missing (with the demo's password) and
    deactivated the way an administrator does it."""
    staff: _Staff | None = None
    for username, full_name, key, role, _function in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user, _ = create_user(username, full_name, orgs[key].id, role,
                                  password=password)
        if user.active:
            set_active(user, False, None)
        if user.id in persona_ids:  # pragma: no cover - a persona must never own history
            raise RuntimeError(f"{username} is a persona")
        if staff is None:
            staff = _Staff(owner=user)
        staff.by_org.setdefault(key, []).append(user)
    assert staff is not None
    return staff


def _weekday(day: dt.date) -> dt.date:
    """The day, or the Friday before it if it falls on a weekend."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


class _Builder:
    def __init__(self, today: dt.date, orgs: dict[str, Organisation], staff: _Staff) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data; reseeded for every case
        self.today = today
        self.orgs = orgs
        self.staff = staff
        self.open_cases = 0

    def _add(self, model: type[T], category: Category, **values: Any) -> T:
        """A row recorded by the former case owner (social services), with its id set
        first: encrypted fields written afterwards are bound to it."""
        row = model(id=new_uuid(), origin_org_id=self.orgs["social"].id,
                    category=category.value, created_by_id=self.staff.owner.id, **values)
        db.session.add(row)
        return row

    # ------------------------------------------------------------------ the case
    def case(self, number: int, slot: dt.date) -> None:
        self.rng = rng = random.Random(SEED * 1000 + number)  # noqa: S311 - demo data
        today = self.today
        referred = slot + dt.timedelta(days=rng.randrange(EVERY_LATER))
        last_start = today - dt.timedelta(days=30)
        started = max(referred, min(referred + dt.timedelta(days=rng.randint(7, 45)),
                                    last_start))
        duration = rng.randint(180, 600)
        closed: dt.date | None = started + dt.timedelta(days=duration)
        reason: CloseReason | None = rng.choices(
            [CloseReason.COMPLETED, CloseReason.DISCONTINUED, CloseReason.MOVED,
             CloseReason.OTHER_INTERVENTION], weights=[75, 12, 8, 5])[0]
        if reason is not CloseReason.COMPLETED:  # ended early
            closed = started + dt.timedelta(days=rng.randint(45, max(46, duration // 2)))
        if closed is not None and closed >= today:
            closed, reason = None, None
            self.open_cases += 1
        age = rng.choices(range(13, 21), weights=[8, 14, 18, 18, 14, 10, 6, 4])[0]
        gender = rng.choices(["boy", "girl"], weights=[60, 40])[0]
        if number % 26 in (9, 22):  # a few with another or no stated gender
            gender = "other" if number % 26 == 9 else None

        # Not a blind index of any number (those are hex): no search ever finds these.
        index = f"historik-{number:03d}-{rng.getrandbits(64):016x}"
        youth = self._add(Youth, Category.IDENTITY, pnr_index=index,
                          birth_year=referred.year - age, gender=gender)
        youth.name = f"Historik {number:03d}"
        source = rng.choice(["police", "police", "school", "school", "social_services",
                             "guardian", "other"])
        case = self._add(Case, Category.COORDINATION, youth_id=youth.id,
                         owner_id=self.staff.owner.id,
                         status=(CaseStatus.CLOSED if closed else CaseStatus.ACTIVE).value,
                         referral_source=source, referral_date=referred,
                         plan_agreed_on=started, closed_on=closed,
                         close_reason=reason.value if reason else None)
        db.session.flush()

        group = {"social": self.staff.owner}
        for key, share in IN_GROUP.items():
            if rng.random() < share:
                group[key] = rng.choice(self.staff.by_org[key])
        for key, user in group.items():
            if key != "social":
                self._add(Membership, Category.COORDINATION, case_id=case.id, user_id=user.id,
                          member_org_id=user.organisation_id,
                          function=FUNCTIONS[user.username], from_date=referred,
                          to_date=closed)
        end = closed or today
        self._meetings(case, group, started, end, open_case=closed is None)
        self._plan(case, group, started, closed)
        self._outcomes(case, referred, started, closed, reason)
        db.session.flush()

    # ------------------------------------------------------------------ meetings
    def _meetings(self, case: Case, group: dict[str, User], started: dt.date, end: dt.date,
                  open_case: bool) -> None:
        rng = self.rng
        days = (end - started).days
        wanted = rng.randint(4, 10)
        held = max(1, min(wanted, days // 21 + 1))
        dates = [started] + sorted(started + dt.timedelta(days=rng.randint(14, max(14, days)))
                                   for _ in range(held - 1))
        dates = [_weekday(d) for d in dates]
        dates = [d for d in dates if d < self.today] or [started]
        for index, day in enumerate(dates):
            cancelled = index > 0 and rng.random() < 0.05
            agenda = ("Uppstart och åtgärdsplan" if index == 0 else
                      "Avslutning" if index == len(dates) - 1 and not open_case else
                      "Uppföljning av planen")
            status = MeetingStatus.CANCELLED if cancelled else MeetingStatus.HELD
            self._meeting(case, group, day, status, agenda)
        if open_case:
            for n in range(rng.randint(1, 2)):
                day = _weekday(self.today + dt.timedelta(days=rng.randint(5, 30) + 30 * n))
                self._meeting(case, group, day, MeetingStatus.PLANNED, "Uppföljning av planen")

    def _meeting(self, case: Case, group: dict[str, User], day: dt.date,
                 status: MeetingStatus, agenda: str) -> None:
        rng = self.rng
        starts = dt.datetime.combine(day, dt.time(rng.choice([8, 9, 10, 12, 13, 14])), dt.UTC)
        meeting = self._add(Meeting, Category.COORDINATION, case_id=case.id,
                            starts_at=starts, status=status.value)
        meeting.place = rng.choice(PLACES)
        meeting.agenda = agenda
        held = status is MeetingStatus.HELD
        for key, user in group.items():
            # The regular person's rate, so that with stand-ins the organisation is
            # represented at about REPRESENTED[key] of the meetings.
            attended = rng.random() < (REPRESENTED[key] - STAND_IN) / (1 - STAND_IN)
            if not held:
                attendance = None
            elif attended:
                attendance = (Attendance.REMOTE if rng.random() < 0.15 else Attendance.PRESENT)
            else:
                attendance = (Attendance.EXCUSED if rng.random() < 0.45 else Attendance.ABSENT)
            self._participant(meeting, case, user, attendance)
            colleagues = [u for u in self.staff.by_org[key] if u.id != user.id]
            if held and not attended and colleagues and rng.random() < STAND_IN:
                self._participant(meeting, case, rng.choice(colleagues), Attendance.PRESENT)
        youth_there = rng.random() < 0.85
        self._add(Participant, Category.IDENTITY, meeting_id=meeting.id, case_id=case.id,
                  external_role="youth",
                  attendance=(None if not held else
                              Attendance.PRESENT.value if youth_there else
                              Attendance.ABSENT.value))

    def _participant(self, meeting: Meeting, case: Case, user: User,
                     attendance: Attendance | None) -> None:
        self._add(Participant, Category.COORDINATION, meeting_id=meeting.id, case_id=case.id,
                  user_id=user.id, represented_org_id=user.organisation_id,
                  attendance=attendance.value if attendance else None)

    # ------------------------------------------------------------------ the plan
    def _plan(self, case: Case, group: dict[str, User], started: dt.date,
              closed: dt.date | None) -> None:
        rng, today = self.rng, self.today
        goals = []
        for area in rng.sample(sorted(GOALS), rng.randint(1, 3)):
            goal = self._add(Goal, Category.COORDINATION, case_id=case.id, life_area=area)
            goal.description = GOALS[area]
            goals.append(goal)
        last_due = closed or today + dt.timedelta(days=120)
        for _ in range(rng.randint(2, 5)):
            key = rng.choice(sorted(group))
            due = started + dt.timedelta(days=rng.randint(
                14, max(14, (last_due - started).days)))
            if due < today:
                status = rng.choices(
                    [ActionStatus.DONE, ActionStatus.CANCELLED, ActionStatus.IN_PROGRESS,
                     ActionStatus.PLANNED],
                    weights=[70, 12, 10, 8] if closed else [60, 10, 18, 12])[0]
            else:
                status = rng.choices(
                    [ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE],
                    weights=[50, 40, 10])[0]
            action = self._add(Action, Category.COORDINATION, case_id=case.id,
                               goal_id=rng.choice(goals).id,
                               responsible_org_id=group[key].organisation_id,
                               responsible_user_id=group[key].id, start_date=started,
                               due_date=due, status=status.value)
            action.what = rng.choice(ACTIONS[key])

    # ------------------------------------------------------------------ outcomes
    def _outcomes(self, case: Case, referred: dt.date, started: dt.date,
                  closed: dt.date | None, reason: CloseReason | None) -> None:
        rng, today = self.rng, self.today

        def event(kind: OutcomeKind, day: dt.date, source: str,
                  led: bool | None = None) -> None:
            if day <= today:
                self._add(OutcomeEvent, CATEGORY_OF_KIND[kind], case_id=case.id,
                          kind=kind.value, occurred_on=day,
                          source_org_id=self.orgs[source].id, led_to_intervention=led)

        def some_day(first: dt.date, last: dt.date) -> dt.date:
            return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))

        # What led to the referral.
        if rng.random() < 0.85:
            event(OutcomeKind.POLICE_REPORT, referred - dt.timedelta(days=rng.randint(10, 120)),
                  "police")
        if rng.random() < 0.6:
            event(OutcomeKind.CONCERN_REPORT, referred - dt.timedelta(days=rng.randint(3, 90)),
                  rng.choice(["school", "school", "police", "social"]))
        # Concern conversations (bekymringssamtal) around and during the case.
        for _ in range(rng.choices([0, 1, 2], weights=[40, 45, 15])[0]):
            event(OutcomeKind.CONCERN_CONVERSATION,
                  some_day(referred - dt.timedelta(days=30), closed or today),
                  rng.choice(["police", "police", "school", "social"]),
                  led=rng.random() < 0.6)
        # A relapse: a new police report within a year of a completed case (about 1 in 6).
        relapse = (reason is CloseReason.COMPLETED and closed is not None
                   and rng.random() < 0.15)
        if relapse:
            assert closed is not None
            event(OutcomeKind.POLICE_REPORT, closed + dt.timedelta(days=rng.randint(20, 330)),
                  "police")
        # New reports after the start: during the case, or also after it when the case
        # ended early (after a completed case that would be a relapse).
        elif rng.random() < 0.5:
            first = started + dt.timedelta(days=10)
            last = closed or today
            if closed is not None and reason is not CloseReason.COMPLETED:
                last = closed + dt.timedelta(days=240)
            what = rng.choices(["police", "concern", "both"], weights=[50, 30, 20])[0]
            if what in ("police", "both"):
                event(OutcomeKind.POLICE_REPORT, some_day(first, last), "police")
            if what in ("concern", "both"):
                event(OutcomeKind.CONCERN_REPORT, some_day(first, last),
                      rng.choice(["school", "police", "social"]))
