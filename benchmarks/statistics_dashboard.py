"""Time the managers' statistics dashboard on a synthetic municipality.

Builds an instance (keys, SQLite database migrated to head) in a temporary directory
or ``--path``, fills it with synthetic data through bulk inserts, then times every
dashboard measure, the whole dashboard and the HTTP page::

    .venv/bin/python benchmarks/statistics_dashboard.py \
        [--youths 10000 --meetings 100000 --attendance 1000000 --path DIR --keep --reuse]

``--attendance`` is the number of meeting participant rows.  The data is deterministic
for a given ``--seed`` and sizes.  No personal data is generated: encrypted columns
stay empty, the personal-number blind index is a random hex string.  Nothing is written
outside the instance directory.
"""
from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text

MANAGER_USERNAME = "bench.manager"
# Only this script's own throw-away instance knows it; it satisfies auth.passwords.
MANAGER_PASSWORD = "mätning-av-statistiksidan-2026"  # noqa: S105 - synthetic benchmark account
PLACEHOLDER_HASH = "!synthetic-benchmark-user-no-login"  # never verifies: not an argon2 hash

DATA_START = dt.date(2019, 1, 1)
DATA_END = dt.date(2026, 11, 1)      # no case date after this day (see ``set_span``)
PLANNED_AHEAD_DAYS = 60              # open cases have meetings planned this far ahead
BATCH = 10_000
DEFAULT_SEED = 20261122

SOCIAL_OFFICE = "Socialtjänsten Exempelkommun"
POLICE_UNITS = ["Polisen lokalpolisområde Norr", "Polisen lokalpolisområde Söder"]
SCHOOLS = ["Björkskolan", "Ekskolan", "Granskolan", "Lindskolan", "Almskolan", "Askskolan",
           "Lönnskolan", "Tallskolan", "Rönnskolan", "Hasselskolan", "Sjöskolan",
           "Bergsskolan", "Ängsskolan", "Hagaskolan", "Centralskolan", "Norrskolan",
           "Söderskolan", "Västerskolan", "Österskolan", "Gymnasiet Exempelkommun"]
OTHER_ORGS = ["Fritidsförvaltningen", "Fritidsgården Tornet", "IK Kometen",
              "Barn- och ungdomspsykiatrin", "Arbetsmarknadsenheten"]
USERS_PER_KIND = {"social_services": 64, "police": 18, "school": 8, "other": 8}  # per org
FUNCTIONS = {"social_services": ["socialsekreterare", "fältassistent", "familjebehandlare"],
             "police": ["kontaktpolis", "ungdomspolis", "områdespolis"],
             "school": ["skolkurator", "mentor", "rektor", "elevhälsa"],
             "other": ["fritidsledare", "tränare", "behandlare", "arbetsmarknadscoach"]}


# --- small tools -----------------------------------------------------------------------------


class Progress:
    """A progress bar on stderr: ``[#####.....] 45% participants 450,000/1,000,000 12.3 s``."""

    WIDTH = 30

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.started = time.perf_counter()
        self.interval = 0.1 if sys.stderr.isatty() else 2.0
        self.last_draw = 0.0
        self._draw()

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last_draw >= self.interval:
            self._draw()

    def _draw(self) -> None:
        self.last_draw = time.perf_counter()
        share = self.done / self.total if self.total else 1.0
        filled = min(self.WIDTH, int(share * self.WIDTH))
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {share:4.0%} {self.label} {self.done:,}/{self.total:,} "
                         f"{self.elapsed():.1f} s ")
        sys.stderr.flush()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def finish(self) -> float:
        self._draw()
        sys.stderr.write("\n")
        sys.stderr.flush()
        return self.elapsed()


def weighted(pairs: dict[Any, float]) -> tuple[list[Any], list[float]]:
    """Values and cumulative weights for ``Rng.pick``."""
    values, cum, total = [], [], 0.0
    for value, weight in pairs.items():
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


class Rng:
    """Deterministic randomness for synthetic data (never for anything secret)."""

    def __init__(self, seed: int) -> None:
        import random

        self.r = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def hex64(self) -> str:
        return f"{self.r.getrandbits(256):064x}"

    def pick(self, table: tuple[list[Any], list[float]]) -> Any:
        values, cum = table
        return values[bisect.bisect_right(cum, self.r.random() * cum[-1])]

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def between(self, low: int, high: int) -> int:
        return self.r.randint(low, high)

    def choice(self, seq: list[Any]) -> Any:
        return seq[int(self.r.random() * len(seq))]


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def weekday(day: dt.date, first: dt.date, last: dt.date) -> dt.date:
    """``day`` moved off a weekend to the nearest weekday that stays in first..last."""
    if day.weekday() < 5:
        return day
    friday, monday = day - days(day.weekday() - 4), day + days(7 - day.weekday())
    for moved in ((friday, monday) if day.weekday() == 5 else (monday, friday)):
        if first <= moved <= last:
            return moved
    return day


def set_span(first: dt.date, last: dt.date) -> None:
    """Referrals fall between ``first`` and ``last`` (defaults: 2019-01-01 to 2026-11-01)."""
    global DATA_START, DATA_END  # noqa: PLW0603 - the generator reads them at call time
    if last <= first:
        raise ValueError("the span ends before it starts")
    DATA_START, DATA_END = first, last


# --- the instance ----------------------------------------------------------------------------


def make_app(instance: str, database_url: str | None = None):
    """The app on ``instance``: keys and database inside it, as tests/conftest.py builds it
    (or the database at ``database_url``)."""
    from kernel.crypto.keys import Keyring
    from sig import create_app

    os.makedirs(instance, exist_ok=True)
    keyring_path = os.path.join(instance, "keys.json")
    if not os.path.exists(keyring_path):
        Keyring.generate().save(keyring_path)
    return create_app({
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url or "sqlite:///" + os.path.join(instance, "sig.sqlite3"),
        "INSTANCE_PATH": instance,
        "KEYRING_PATH": keyring_path,
        "MFA_REQUIRED": False,
        "SESSION_COOKIE_SECURE": False,
    })


def migrate(app) -> None:
    from sig.migrate import upgrade

    with app.app_context():
        upgrade()


# --- the synthetic municipality --------------------------------------------------------------


@dataclass(slots=True)
class UserRow:
    id: str
    org_id: str
    kind: str


@dataclass(slots=True)
class YouthRow:
    id: str
    birth_year: int
    gender: str | None
    school_org: str
    police_org: str
    guardians: int


@dataclass(slots=True)
class CaseRow:
    id: str
    youth: YouthRow
    owner: UserRow
    referral_date: dt.date
    plan_agreed_on: dt.date | None
    closed_on: dt.date | None
    status: str
    close_reason: str | None
    source: str
    # (user, from_date, to_date)
    members: list[tuple[UserRow, dt.date, dt.date | None]] = field(default_factory=list)

    def end(self) -> dt.date:
        """The last day of the case's open period (planned meetings reach past today)."""
        return self.closed_on or DATA_END + days(PLANNED_AHEAD_DAYS)


class Municipality:
    """Generates the rows; every table is a generator of dicts for a bulk insert."""

    def __init__(self, rng: Rng, youths: int, meetings: int, participants: int) -> None:
        from auth.roles import OrganisationKind
        from sig.cases.models import CaseStatus, CloseReason, ReferralSource
        from sig.meetings.models import Attendance, ExternalRole, MeetingStatus
        from sig.outcomes.models import CATEGORY_OF_KIND, OutcomeKind
        from sig.plans.models import ActionStatus, LifeArea

        self.rng = rng
        self.n_youths, self.n_meetings, self.n_participants = youths, meetings, participants
        self.K, self.CS, self.CR = OrganisationKind, CaseStatus, CloseReason
        self.RS = ReferralSource
        self.MS, self.AT, self.ER = MeetingStatus, Attendance, ExternalRole
        self.OK, self.CAT_OF_KIND = OutcomeKind, CATEGORY_OF_KIND
        self.AS, self.LA = ActionStatus, LifeArea
        self.orgs: list[dict[str, Any]] = []
        self.users: list[UserRow] = []
        self.users_by_org: dict[str, list[UserRow]] = {}
        self.youths: list[YouthRow] = []
        self.cases: list[CaseRow] = []
        self.meetings: list[tuple[int, str, dt.datetime, str, dt.datetime]] = []
        for table in self.ATTENDANCE.values():  # the codes must be the app's
            for code in table[0]:
                self.AT(code)
        self._plan()

    # -- weights --

    AGES = weighted({12: 4, 13: 8, 14: 12, 15: 15, 16: 15, 17: 13, 18: 10, 19: 8, 20: 6,
                     21: 5, 22: 4})
    GENDERS = weighted({"girl": 45, "boy": 50, "other": 2, None: 3})
    GUARDIANS = weighted({0: 5, 1: 35, 2: 60})
    SOURCES = weighted({"social_services": 25, "police": 30, "school": 30, "guardian": 8,
                        "youth": 2, "other": 5})
    CLOSE_WITH_PLAN = weighted({"completed": 68, "discontinued": 11, "moved": 9,
                                "other_intervention": 8, "other": 4})
    CLOSE_WITHOUT_PLAN = weighted({"discontinued": 50, "moved": 20, "other_intervention": 25,
                                   "other": 5})
    MEMBER_KINDS = weighted({"school": 3, "other": 3, "police": 1, "social_services": 1})
    LIFE_AREAS = weighted({"school": 20, "criminality": 18, "leisure": 15, "family": 15,
                           "substance_use": 10, "health": 8, "occupation": 7, "housing": 3,
                           "other": 4})
    GOALS = weighted({1: 25, 2: 35, 3: 25, 4: 15})
    AREA_KIND = {"school": "school", "criminality": "police", "leisure": "other",
                 "occupation": "other", "health": "other"}
    ACTIONS_CLOSED = weighted({"done": 70, "cancelled": 22, "in_progress": 4, "planned": 4})
    ACTIONS_DUE = weighted({"done": 45, "in_progress": 20, "planned": 15, "cancelled": 20})
    ACTIONS_AHEAD = weighted({"planned": 45, "in_progress": 45, "done": 8, "cancelled": 2})
    MEETING_CLOSED = weighted({"held": 90, "cancelled": 10})
    MEETING_OPEN = weighted({"held": 86, "cancelled": 9, "planned": 5})
    ATTENDANCE = {
        "social_services": weighted({"present": 85, "remote": 5, "excused": 6, "absent": 4}),
        "police": weighted({"present": 60, "remote": 15, "excused": 12, "absent": 13}),
        "school": weighted({"present": 70, "remote": 12, "excused": 12, "absent": 6}),
        "other": weighted({"present": 65, "remote": 8, "excused": 12, "absent": 15}),
        "youth": weighted({"present": 70, "remote": 2, "excused": 10, "absent": 18}),
        "guardian": weighted({"present": 75, "remote": 8, "excused": 10, "absent": 7}),
    }
    POLICE_REPORTS_BEFORE = weighted({0: 40, 1: 30, 2: 18, 3: 8, 4: 4})
    CONCERN_REPORTS_BEFORE = weighted({0: 35, 1: 40, 2: 20, 3: 5})
    CONCERN_SOURCE = weighted({"school": 45, "police": 30, "other": 25})

    # -- organisations, users, youths and cases (kept in memory) --

    def _plan(self) -> None:
        rng = self.rng
        specs = ([(SOCIAL_OFFICE, "social_services")]
                 + [(name, "police") for name in POLICE_UNITS]
                 + [(name, "school") for name in SCHOOLS]
                 + [(name, "other") for name in OTHER_ORGS])
        created = at(dt.date(2018, 12, 1))
        for name, kind in specs:
            self.orgs.append({"id": rng.uuid(), "name": name, "kind": str(self.K(kind)),
                              "created_at": created})
        self.org_of_kind: dict[str, list[str]] = {}
        for org in self.orgs:
            self.org_of_kind.setdefault(org["kind"], []).append(org["id"])
            members = []
            for _ in range(USERS_PER_KIND[org["kind"]]):
                members.append(UserRow(rng.uuid(), org["id"], org["kind"]))
            self.users_by_org[org["id"]] = members
            self.users.extend(members)
        self.social = self.org_of_kind["social_services"][0]
        self.owners = self.users_by_org[self.social]
        for _ in range(self.n_youths):
            self._youth_and_cases()

    def _youth_and_cases(self) -> None:
        rng = self.rng
        span = (DATA_END - DATA_START).days
        referral = DATA_START + days(rng.between(0, span))
        age = rng.pick(self.AGES)
        youth = YouthRow(rng.uuid(), referral.year - age, rng.pick(self.GENDERS),
                         rng.choice(self.org_of_kind["school"]),
                         rng.choice(self.org_of_kind["police"]), rng.pick(self.GUARDIANS))
        self.youths.append(youth)
        case = self._case(youth, referral)
        if case.closed_on is not None and rng.chance(0.2):
            second = case.closed_on + days(rng.between(60, 720))
            if second <= DATA_END and second.year - youth.birth_year <= 22:
                self._case(youth, second)

    def _case(self, youth: YouthRow, referral: dt.date) -> CaseRow:
        rng = self.rng
        plan = closed = reason = None
        if rng.chance(0.92):
            plan = referral + days(rng.between(7, 60))
            if plan > DATA_END:
                plan = None
            else:
                length = int(min(1100, max(60, rng.r.lognormvariate(5.7, 0.55))))
                end = plan + days(length)
                if end <= DATA_END:
                    closed, reason = end, rng.pick(self.CLOSE_WITH_PLAN)
        else:
            end = referral + days(rng.between(10, 90))
            if end <= DATA_END:
                closed, reason = end, rng.pick(self.CLOSE_WITHOUT_PLAN)
        status = "closed" if closed else "active" if plan else "referred"
        case = CaseRow(rng.uuid(), youth, rng.choice(self.owners), referral, plan, closed,
                       str(self.CS(status)), reason and str(self.CR(reason)),
                       str(self.RS(rng.pick(self.SOURCES))))
        self._members(case)
        self.cases.append(case)
        return case

    def _members(self, case: CaseRow) -> None:
        rng = self.rng
        wanted = rng.between(3, 6)
        orgs = [case.youth.police_org] if rng.chance(0.85) else []
        if case.referral_date.year - case.youth.birth_year <= 18 or rng.chance(0.3):
            orgs.append(case.youth.school_org)
        while len(orgs) < wanted:
            kind = rng.pick(self.MEMBER_KINDS)
            if kind == "police":
                orgs.append(case.youth.police_org)
            elif kind == "school" and rng.chance(0.6):
                orgs.append(case.youth.school_org)
            else:
                orgs.append(rng.choice(self.org_of_kind[kind]))
        used = {case.owner.id}
        last = case.closed_on or DATA_END
        for org in orgs[:wanted]:
            user = self._free_user(org, used)
            if user is None:
                continue
            start = min(case.referral_date + days(rng.between(0, 21)), last)
            stop = case.closed_on
            if rng.chance(0.1) and (last - start).days > 40:
                stop = start + days(rng.between(30, (last - start).days - 1))
            case.members.append((user, start, stop))

    def _free_user(self, org: str, used: set[str]) -> UserRow | None:
        pool = self.users_by_org[org]
        for _ in range(10):
            user = self.rng.choice(pool)
            if user.id not in used:
                used.add(user.id)
                return user
        return None

    # -- table generators --

    def organisations(self) -> Iterator[dict[str, Any]]:
        yield from self.orgs

    def user_rows(self) -> Iterator[dict[str, Any]]:
        created = at(dt.date(2018, 12, 1))
        counters: dict[str, int] = {}
        prefix = {"social_services": "soc", "police": "pol", "school": "skola", "other": "ovr"}
        for user in self.users:
            counters[user.kind] = counters.get(user.kind, 0) + 1
            yield {"id": user.id, "username": f"{prefix[user.kind]}{counters[user.kind]:04d}",
                   "organisation_id": user.org_id,
                   "role": "case_owner" if user.kind == "social_services" else "member",
                   "password_hash": PLACEHOLDER_HASH, "password_changed_at": None,
                   "must_change_password": False, "active": True, "locale": "sv",
                   "created_at": created}

    def youth_rows(self) -> Iterator[dict[str, Any]]:
        first: dict[str, CaseRow] = {}
        for case in self.cases:
            first.setdefault(case.youth.id, case)
        seen: set[str] = set()
        for youth in self.youths:
            case = first[youth.id]
            index = self.rng.hex64()
            while index in seen:
                index = self.rng.hex64()
            seen.add(index)
            yield {"id": youth.id, "pnr_index": index, "birth_year": youth.birth_year,
                   "gender": youth.gender, "origin_org_id": self.social, "category": "identity",
                   "created_by_id": case.owner.id, "created_at": at(case.referral_date, 8),
                   "pre_investigation": False, "version": 1, "updated_at": None}

    def case_rows(self) -> Iterator[dict[str, Any]]:
        for case in self.cases:
            last = case.closed_on or case.plan_agreed_on
            yield {"id": case.id, "youth_id": case.youth.id, "owner_id": case.owner.id,
                   "status": case.status, "referral_source": case.source,
                   "referral_date": case.referral_date, "plan_agreed_on": case.plan_agreed_on,
                   "closed_on": case.closed_on, "close_reason": case.close_reason,
                   "origin_org_id": self.social, "category": "coordination",
                   "created_by_id": case.owner.id, "created_at": at(case.referral_date, 8, 30),
                   "pre_investigation": False,
                   "version": 1 + (case.plan_agreed_on is not None) + (case.closed_on is not None),
                   "updated_at": at(last, 15) if last else None}

    def membership_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for case in self.cases:
            for user, start, stop in case.members:
                removed = (at(stop, 16) if stop is not None and stop != case.closed_on
                           else None)
                yield {"id": rng.uuid(), "case_id": case.id, "user_id": user.id,
                       "member_org_id": user.org_id, "function": rng.choice(FUNCTIONS[user.kind]),
                       "from_date": start, "to_date": stop, "removed_at": removed,
                       "origin_org_id": self.social, "category": "coordination",
                       "created_by_id": case.owner.id, "created_at": at(start, 10),
                       "pre_investigation": False}

    def goal_and_action_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        goals, actions = [], []
        for case in self.cases:
            if case.plan_agreed_on is not None:
                n_goals, made = rng.pick(self.GOALS), case.plan_agreed_on
            elif rng.chance(0.3):
                n_goals, made = 1, case.referral_date + days(rng.between(0, 10))
            else:
                continue
            made = min(made, case.closed_on or DATA_END)
            org_users: dict[str, list[UserRow]] = {case.owner.org_id: [case.owner]}
            for user, _start, _stop in case.members:
                org_users.setdefault(user.org_id, []).append(user)
            kind_of = {u.org_id: u.kind for users in org_users.values() for u in users}
            for _ in range(n_goals):
                area = str(self.LA(rng.pick(self.LIFE_AREAS)))
                goal_id = rng.uuid()
                goals.append({"id": goal_id, "case_id": case.id, "life_area": area,
                              "origin_org_id": self.social, "category": "coordination",
                              "created_by_id": case.owner.id, "created_at": at(made, 11),
                              "pre_investigation": False, "version": 1, "updated_at": None})
                wanted_kind = self.AREA_KIND.get(area)
                preferred = [o for o, k in kind_of.items() if k == wanted_kind]
                for _ in range(rng.between(1, 3)):
                    actions.append(self._action(case, goal_id, made, org_users, preferred))
        return goals, actions

    def _action(self, case: CaseRow, goal_id: str, made: dt.date,
                org_users: dict[str, list[UserRow]], preferred: list[str]) -> dict[str, Any]:
        rng = self.rng
        org = (rng.choice(preferred) if preferred and rng.chance(0.7)
               else rng.choice(list(org_users)))
        responsible = rng.choice(org_users[org]) if rng.chance(0.7) else None
        start = made + days(rng.between(0, 60))
        due: dt.date | None = start + days(rng.between(14, 180))
        if case.closed_on is not None:
            status = rng.pick(self.ACTIONS_CLOSED)
            if status in ("planned", "in_progress"):  # closing ends what is still open
                status = "not_done"
        elif due <= DATA_END:
            status = rng.pick(self.ACTIONS_DUE)
        else:
            status = rng.pick(self.ACTIONS_AHEAD)
        done_on = None
        if status == "done":  # done around the due date, never after the case or today
            done_on = min((due or start) + days(rng.between(-30, 20)), case.end(), DATA_END)
            done_on = max(done_on, start)
        if rng.chance(0.05):
            due = None
        writer = case.owner
        if org != case.owner.org_id and rng.chance(0.2):
            writer = rng.choice(org_users[org])
        changed = status != "planned"
        return {"id": rng.uuid(), "case_id": case.id, "goal_id": goal_id,
                "responsible_org_id": org,
                "responsible_user_id": responsible.id if responsible else None,
                "start_date": None if rng.chance(0.1) else start, "due_date": due,
                "status": str(self.AS(status)), "done_on": done_on,
                "origin_org_id": writer.org_id,
                "category": "coordination", "created_by_id": writer.id,
                "created_at": at(made, 11, 30), "pre_investigation": False,
                "version": 2 if changed else 1,
                "updated_at": at(min(start + days(30), DATA_END), 14) if changed else None}

    def plan_meetings(self) -> None:
        """Meetings spread over cases in proportion to how long each case is open."""
        rng = self.rng
        if not self.n_meetings:
            return
        weights = []
        for case in self.cases:
            start = min(case.referral_date + days(3), case.end())
            weights.append((case.end() - start).days + 1)
        chosen = rng.r.choices(range(len(self.cases)), weights=weights, k=self.n_meetings)
        chosen.sort()
        for ci in chosen:
            case = self.cases[ci]
            start = min(case.referral_date + days(3), case.end())
            day = weekday(start + days(rng.between(0, (case.end() - start).days)),
                          start, case.end())
            starts_at = at(day, rng.between(7, 15), rng.choice([0, 15, 30, 45]))
            if day > DATA_END:
                status = "planned"
            elif case.closed_on is not None:
                status = rng.pick(self.MEETING_CLOSED)
            else:
                status = rng.pick(self.MEETING_OPEN)
            created = max(starts_at - days(rng.between(3, 30)), at(case.referral_date, 9))
            self.meetings.append((ci, rng.uuid(), starts_at, str(self.MS(status)), created))

    def meeting_rows(self) -> Iterator[dict[str, Any]]:
        for ci, meeting_id, starts_at, status, created in self.meetings:
            case = self.cases[ci]
            done = status != "planned"
            yield {"id": meeting_id, "case_id": case.id, "starts_at": starts_at,
                   "status": status, "origin_org_id": self.social, "category": "coordination",
                   "created_by_id": case.owner.id, "created_at": created,
                   "pre_investigation": False, "version": 2 if done else 1,
                   "updated_at": starts_at + dt.timedelta(hours=2) if done else None}

    def _participant_targets(self) -> list[int]:
        rng = self.rng
        n = len(self.meetings)
        if not n:
            return []
        mean = self.n_participants / n
        targets = [max(1, round(rng.r.gauss(mean, max(1.0, mean * 0.3)))) for _ in range(n)]
        diff = self.n_participants - sum(targets)
        while diff:
            i = rng.between(0, n - 1)
            if diff > 0:
                targets[i] += 1
                diff -= 1
            elif targets[i] > 1:
                targets[i] -= 1
                diff += 1
        return targets

    def participant_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        targets = self._participant_targets()
        for (ci, meeting_id, starts_at, status, created), target in zip(
                self.meetings, targets, strict=True):
            case = self.cases[ci]
            day = starts_at.date()
            held = status == "held"
            people: list[tuple[UserRow | None, str | None]] = []  # (user, external role)
            current = [user for user, start, stop in case.members
                       if start <= day and (stop is None or day <= stop)]
            used = {case.owner.id, *(user.id for user in current)}
            for user in current:
                if rng.chance(0.05):  # a stand-in from the same organisation
                    user = self._free_user(user.org_id, used) or user
                people.append((user, None))
            if rng.chance(0.85):
                people.append((None, "youth"))
            for _ in range(case.youth.guardians):
                if rng.chance(0.75):
                    people.append((None, "guardian"))
            if rng.chance(0.08):
                people.append((None, "other"))
            orgs = [u.org_id for u, _ in people if u is not None] or [case.owner.org_id]
            while len(people) + 1 < target:
                extra = self._free_user(rng.choice(orgs), used) if rng.chance(0.9) else None
                people.append((extra, None) if extra else (None, "other"))
            rng.r.shuffle(people)
            people = [(case.owner, None), *people][:target]
            for user, role in people:
                kind = user.kind if user is not None else role
                attendance = (rng.pick(self.ATTENDANCE[kind])
                              if held and not rng.chance(0.02) else None)
                yield {"id": rng.uuid(), "meeting_id": meeting_id, "case_id": case.id,
                       "user_id": user.id if user else None,
                       "represented_org_id": user.org_id if user else None,
                       "external_role": None if user else str(self.ER(role)),
                       "invited": not (held and rng.chance(0.03)), "attendance": attendance,
                       "origin_org_id": self.social, "category": "coordination",
                       "created_by_id": case.owner.id, "created_at": created,
                       "pre_investigation": False}

    def outcome_rows(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for case in self.cases:
            ref = case.referral_date
            events: list[tuple[str, dt.date]] = []
            extra = 1 if case.source == "police" else 0
            for _ in range(rng.pick(self.POLICE_REPORTS_BEFORE) + extra):
                events.append(("police_report", ref - days(rng.between(1, 540))))
            for _ in range(rng.pick(self.CONCERN_REPORTS_BEFORE)):
                events.append(("concern_report", ref - days(rng.between(1, 365))))
            if rng.chance(0.3):
                events.append(("concern_conversation", ref - days(rng.between(1, 180))))
            last = min(case.closed_on or DATA_END, DATA_END)
            span = (last - ref).days
            good = case.close_reason == "completed"
            if span > 0:
                for kind, p in (("police_report", 0.15 if good else 0.45),
                                ("concern_report", 0.2), ("concern_conversation", 0.15)):
                    while rng.chance(p):
                        events.append((kind, ref + days(rng.between(0, span))))
                        p /= 2
            if case.closed_on is not None and rng.chance(0.15 if good else 0.4):
                room = (DATA_END - case.closed_on).days
                for _ in range(rng.between(1, 3) if room > 1 else 0):
                    kind = "police_report" if rng.chance(0.6) else "concern_report"
                    events.append((kind, case.closed_on + days(rng.between(1, min(room, 720)))))
            for kind, day in events:
                yield self._outcome(case, kind, day)

    def _outcome(self, case: CaseRow, kind: str, day: dt.date) -> dict[str, Any]:
        rng = self.rng
        youth = case.youth
        if kind == "police_report":
            source = youth.police_org
        elif kind == "concern_report":
            src = rng.pick(self.CONCERN_SOURCE)
            source = {"school": youth.school_org, "police": youth.police_org}.get(
                src) or rng.choice(self.org_of_kind["other"])
        else:
            source = youth.police_org if rng.chance(0.8) else self.social
        writer = case.owner
        police_members = [u for u, _s, _t in case.members if u.kind == "police"]
        if kind == "police_report" and police_members and rng.chance(0.4):
            writer = police_members[0]
        recorded = max(day, case.referral_date) + days(rng.between(0, 14))
        return {"id": rng.uuid(), "case_id": case.id, "kind": str(self.OK(kind)),
                "occurred_on": day, "source_org_id": source,
                "led_to_intervention": rng.chance(0.55) if kind == "concern_conversation"
                else None,
                "origin_org_id": writer.org_id,
                "category": str(self.CAT_OF_KIND[self.OK(kind)]), "created_by_id": writer.id,
                "created_at": at(recorded, 13),
                "pre_investigation": writer.kind == "police" and rng.chance(0.1)}


# --- generation ------------------------------------------------------------------------------


def bulk_insert(conn, table, rows: Iterable[dict[str, Any]], total: int,
                label: str) -> tuple[int, float]:
    """Insert ``rows`` in batches of ``BATCH``; returns (rows, seconds, generation included)."""
    progress = Progress(label, total)
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            count += len(batch)
            progress.advance(len(batch))
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        count += len(batch)
        progress.advance(len(batch))
    return count, progress.finish()


def generate(app, args: argparse.Namespace) -> None:
    from auth.models import Organisation, User
    from sig.cases.models import Case, Membership
    from sig.meetings.models import Meeting, Participant
    from sig.outcomes.models import OutcomeEvent
    from sig.plans.models import Action, Goal
    from sig.statistics import summary
    from sig.youths.models import Youth

    started = time.perf_counter()
    town = Municipality(Rng(args.seed), args.youths, args.meetings, args.attendance)
    town.plan_meetings()
    goals, actions = town.goal_and_action_rows()
    planned = time.perf_counter() - started
    print(f"Planned {len(town.youths):,} youths, {len(town.cases):,} cases, "
          f"{len(goals):,} goals, {len(actions):,} actions and "
          f"{len(town.meetings):,} meetings in memory in {planned:.1f} s")
    members = sum(len(c.members) for c in town.cases)
    steps: list[tuple[Any, Callable[[], Iterable[dict[str, Any]]], int | None]] = [
        (Organisation, town.organisations, len(town.orgs)),
        (User, town.user_rows, len(town.users)),
        (Youth, town.youth_rows, len(town.youths)),
        (Case, town.case_rows, len(town.cases)),
        (Membership, town.membership_rows, members),
        (Goal, lambda: goals, len(goals)),
        (Action, lambda: actions, len(actions)),
        (Meeting, town.meeting_rows, len(town.meetings)),
        (Participant, town.participant_rows, args.attendance if town.meetings else 0),
        (OutcomeEvent, town.outcome_rows, None),
    ]
    timings: list[tuple[str, int, float]] = [("(planning in memory)", 0, planned)]
    engine = app.extensions["sig.db"].engine
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB while loading
            conn.commit()
        with conn.begin():
            for model, rows, total in steps:
                name = model.__tablename__
                if total is None:  # unknown in advance: count while materialising
                    materialised = list(rows())
                    total, rows = len(materialised), (lambda m=materialised: m)
                count, seconds = bulk_insert(conn, model.__table__, rows(), total, name)
                timings.append((name, count, seconds))
            # what the app's flush hook keeps current, derived once for the bulk load
            began = time.perf_counter()
            with app.app_context():
                summary.rebuild(conn)
            timings.append(("(attendance summaries)", 0, time.perf_counter() - began))
        if sqlite:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        if args.analyze and sqlite:
            began = time.perf_counter()
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            timings.append(("(ANALYZE)", 0, time.perf_counter() - began))
    if not sqlite:  # what autovacuum does after a bulk load (inserts count since PG 13):
        began = time.perf_counter()  # statistics, and the visibility map that lets a
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # query read an index alone
        timings.append(("(VACUUM ANALYZE)", 0, time.perf_counter() - began))
    total_seconds = time.perf_counter() - started
    print()
    print_table(("table", "rows", "seconds", "rows/s"),
                [(name, f"{count:,}" if count else "", f"{seconds:.1f}",
                  f"{count / seconds:,.0f}" if count and seconds else "")
                 for name, count, seconds in timings]
                + [("total", "", f"{total_seconds:.1f}", "")])


# --- reporting -------------------------------------------------------------------------------


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Left-aligned first column, right-aligned numbers."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def row_count(app, table: str) -> int:
    with app.extensions["sig.db"].engine.connect() as conn:
        return conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608 - table names from the metadata


def report_database(app, instance: str) -> None:
    from kernel.db import Base
    from sig.migrate import import_models

    import_models()
    engine = app.extensions["sig.db"].engine
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())")
            print(f"\nDatabase: PostgreSQL, {size.scalar_one() / 2**20:,.1f} MiB\n")
    else:
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        path = os.path.join(instance, "sig.sqlite3")
        on_disk = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        print(f"\nDatabase {path}")
        print(f"  page_count*page_size: {pages * page_size / 2**20:,.1f} MiB "
              f"({pages:,} pages of {page_size:,} bytes); on disk with WAL: "
              f"{on_disk / 2**20:,.1f} MiB\n")
    rows = [(t.name, f"{row_count(app, t.name):,}") for t in Base.metadata.sorted_tables]
    print_table(("table", "rows"), rows)


# --- timing ----------------------------------------------------------------------------------


def ms(values: list[float]) -> tuple[str, str]:
    return f"{min(values) * 1000:.1f}", f"{statistics.median(values) * 1000:.1f}"


def time_calls(call: Callable[[], object], clear: Callable[[], None],
               reps: int) -> tuple[list[float], list[float]]:
    """``reps`` times: clear the cache, time a cold call, then a warm (second) call."""
    cold, warm = [], []
    for _ in range(reps):
        clear()
        began = time.perf_counter()
        call()
        cold.append(time.perf_counter() - began)
        began = time.perf_counter()
        call()
        warm.append(time.perf_counter() - began)
    return cold, warm


def time_dashboard(app, reps: int) -> bool:
    """Time every measure and the whole dashboard; False when the module is missing.

    Rows are printed as they are measured (a cold call can take seconds)."""
    try:
        from sig.statistics import dashboard
        from sig.statistics.periods import Period
    except ImportError as exc:  # the module is being written in parallel
        print(f"\nThe statistics dashboard is not available yet ({exc}); "
              "skipping the timings. Generate into --path DIR and time later with "
              "--path DIR --reuse.")
        return False
    from kernel.db import db

    periods = [("year 2025", Period.year(2025)), ("2025Q2", Period.quarter(2025, 2)),
               ("2025-03", Period.month(2025, 3)),
               ("2023-01..2025-12", Period.custom(dt.date(2023, 1, 1), dt.date(2025, 12, 31)))]
    calls = [*dashboard.MEASURES.items(), ("build()", dashboard.build)]
    header = ("period", "measure", "cold min", "cold median", "warm min", "warm median")
    widths = (max(len(p) for p, _ in periods), max(len(n) for n, _ in calls), 10, 11, 10, 11)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    print(f"\nDashboard measures: {reps} repetitions, milliseconds "
          "(cold: nothing stored or cached, counted in SQL; warm: the call after it, from "
          "the stored counts; every call in a fresh app context, like a request)\n")
    print(line(header))
    print("  ".join("-" * w for w in widths), flush=True)
    errors: dict[str, str] = {}

    def in_request(call: Callable[[Any], object], period: Any) -> object:
        # A fresh context per call, as per request: nothing memoised in ``g`` carries over;
        # committed as the page commits (its access-log entry), so what it stored stays.
        with app.test_request_context():
            result = call(period)
            db.session.commit()
            return result

    for label, period in periods:
        for name, call in calls:
            try:
                cold, warm = time_calls(lambda c=call, p=period: in_request(c, p),
                                        lambda: forget_everything(app), reps)
            except Exception as exc:  # noqa: BLE001 - report it and time the others
                message = f"{type(exc).__name__}: {exc}"
                number = errors.setdefault(message, f"E{len(errors) + 1}")
                print(line((label, name, f"error {number}", "", "", "")), flush=True)
                continue
            print(line((label, name, *ms(cold), *ms(warm))), flush=True)
    for message, number in errors.items():
        print(f"\n{number}: {message}")
    return True


def ensure_manager(app) -> None:
    from auth.admin.operations import create_user
    from auth.models import User
    from auth.roles import Role
    from kernel.db import db

    with app.app_context():
        if db.session.scalar(select(User.id).where(User.username == MANAGER_USERNAME)):
            return
        from auth.models import Organisation

        org = db.session.scalar(select(Organisation).where(Organisation.name == SOCIAL_OFFICE))
        create_user(MANAGER_USERNAME, "Bänk Chefsson", org.id, Role.MANAGER,
                    password=MANAGER_PASSWORD)


PAGE_PERIODS = ["period=year&year=2025", "period=quarter&year=2025&quarter=2",
                "period=month&month=2025-03", "period=custom&from=2023-01&to=2025-12"]


def forget_everything(app) -> None:
    """Empty the suppression cache and the stored counts: the next call is cold."""
    from kernel.db import db
    from sig.statistics import dashboard
    from sig.statistics.models import StatisticsResult

    dashboard.clear_cache()
    with app.app_context():
        db.session.execute(StatisticsResult.__table__.delete())
        db.session.commit()


def reference_group_by(app, reps: int) -> float:
    """The median time of one GROUP BY over the attendance table (participants): the
    reference the page times are divided by."""
    from sqlalchemy import func

    from kernel.db import db
    from sig.meetings.models import Participant

    times = []
    with app.app_context():
        for _ in range(reps):
            began = time.perf_counter()
            db.session.execute(select(Participant.attendance, func.count())
                               .group_by(Participant.attendance)).all()
            times.append(time.perf_counter() - began)
        db.session.rollback()
    return statistics.median(times)


def time_page(app, reps: int) -> None:
    """Log in as a manager with the test client and time the page for each period:
    cold (nothing stored, nothing cached), restarted (the counts stored in the
    database, the process's caches empty) and warm; with the ratio to one GROUP BY
    over the attendance table measured in the same run."""
    import re

    from sig.statistics import dashboard

    ensure_manager(app)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        print("\nNo CSRF token on /login; cannot log in to time the page.")
        return
    response = client.post("/login", data={"username": MANAGER_USERNAME,
                                           "password": MANAGER_PASSWORD,
                                           "csrf_token": token.group(1)})
    if response.status_code != 302 or response.location.rstrip("/").endswith("/login"):
        print(f"\nLogin failed (status {response.status_code}); cannot time the page.")
        return

    def get(query: str) -> float:
        began = time.perf_counter()
        response = client.get("/statistics/?" + query)
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - began

    reference = reference_group_by(app, max(reps, 3))
    print(f"\nThe page as {MANAGER_USERNAME} (manager); reference: one GROUP BY over the "
          f"attendance table, {reference * 1000:.1f} ms (goal: warm <= 300 ms, cold <= 500 ms)\n")
    rows = []
    for query in PAGE_PERIODS:
        cold, restarted, warm = [], [], []
        for _ in range(reps):
            forget_everything(app)
            cold.append(get(query))
            dashboard.clear_cache()
            restarted.append(get(query))
            warm.append(get(query))
        c, r, w = (statistics.median(x) for x in (cold, restarted, warm))
        rows.append((query, f"{c * 1000:.0f}", f"{c / reference:.1f}", f"{r * 1000:.0f}",
                     f"{w * 1000:.0f}", f"{w / reference:.1f}"))
    print_table(("period", "cold ms", "cold/ref", "restarted ms", "warm ms", "warm/ref"),
                rows)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--youths", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--attendance", type=int, default=1_000_000,
                        help="participant rows (people invited to or attending meetings)")
    parser.add_argument("--path", help="instance directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary instance directory")
    parser.add_argument("--reuse", action="store_true",
                        help="skip generation when the database already has data")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--reps", type=int, default=5, help="repetitions per timing")
    parser.add_argument("--no-timing", action="store_true",
                        help="generate (or reuse) and report the database only")
    parser.add_argument("--analyze", action="store_true",
                        help="run SQLite ANALYZE after generating (the app never does)")
    parser.add_argument("--postgres", action="store_true",
                        help="a throwaway PostgreSQL server instead of SQLite")
    args = parser.parse_args(argv)
    if args.youths < 1 or args.meetings < 0 or args.attendance < 0 or args.reps < 1:
        parser.error("--youths and --reps must be positive, the other sizes not negative")
    if args.attendance and not args.meetings:
        parser.error("--attendance needs --meetings")
    return args


@contextlib.contextmanager
def instance_dir(args: argparse.Namespace, prefix: str) -> Iterator[str]:
    """The instance directory: ``--path``, or a temporary one removed afterwards unless
    ``--keep`` is given."""
    instance = os.path.abspath(args.path or tempfile.mkdtemp(prefix=prefix))
    remove = args.path is None and not args.keep
    print(f"Instance: {instance}")
    try:
        yield instance
    finally:
        if remove:
            shutil.rmtree(instance, ignore_errors=True)
        else:
            print(f"\nInstance kept: {instance}")


@contextlib.contextmanager
def database(args: argparse.Namespace, instance: str, name: str) -> Iterator[str]:
    """The database URL: the instance's SQLite file, or (``--postgres``) a database
    ``name`` on a throwaway PostgreSQL server, started here and removed afterwards."""
    if not args.postgres:
        yield "sqlite:///" + os.path.join(instance, "sig.sqlite3")
        return
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests.pg_server import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        yield server.create_database(name)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.postgres and args.reuse:
        print("--reuse needs the SQLite file: a PostgreSQL server here is thrown away.",
              file=sys.stderr)
        return 2
    with instance_dir(args, "sig-bench-") as instance, \
            database(args, instance, "sig_statistics") as url:
        app = make_app(instance, url)
        migrate(app)
        existing = row_count(app, "youths")
        if existing and args.reuse:
            print(f"Reusing the existing data ({existing:,} youths); nothing generated.")
        elif existing:
            print("The database already has data: pass --reuse, or a fresh --path.",
                  file=sys.stderr)
            return 2
        else:
            generate(app, args)
        report_database(app, instance)
        if not args.no_timing and time_dashboard(app, args.reps):
            time_page(app, args.reps)
        app.extensions["sig.db"].engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
