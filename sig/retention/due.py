"""Which cases are due for retention (gallring), and when a case will be.

Social services' documentation is deleted five years after the last entry, during the
calendar year after that (SoL 12 kap. 1 §): a case whose last entry is from 2026 is due
from 1 January 2032.  ``RETENTION_YEARS`` (default 5) sets the years for an instance.
Only closed cases are ever due.  Exceptions, kept as data:

* a case under a legal hold (``RetentionHold``) is kept until the hold is released;
* where the municipality has decided to keep records for research (SoF 7 kap. 2 §):
  youths born on one of ``RETENTION_RESEARCH_BIRTH_DAYS`` (e.g. ``[5, 15, 25]``;
  default: none) keep all their cases.

The last entry is the latest date anything was written in the case: its own dates, its
plan and the plan's history, its meetings and minutes, outcome events, consents and
their withdrawal, disclosure decisions and group changes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Date, DateTime, cast, false, func, null, select, true, union_all

from consent.models import Consent, Disclosure
from consent.policy import Relation
from kernel import clock
from kernel.db import db
from sig.cases.models import Case, CaseStatus, Membership
from sig.meetings.models import Meeting, MinutesEntry
from sig.outcomes.models import OutcomeEvent
from sig.plans.models import Action, Change, Goal
from sig.retention.models import RetentionHold
from sig.youths.models import Youth


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return clock.local_day(value)
    return value


# (model, its columns that date an entry) per table that holds a case's entries.
DATED = (
    (Goal, (Goal.created_at, Goal.updated_at)),
    (Action, (Action.created_at, Action.updated_at)),
    (Change, (Change.changed_at,)),
    (Meeting, (Meeting.starts_at, Meeting.updated_at)),
    (MinutesEntry, (MinutesEntry.created_at, MinutesEntry.updated_at)),
    (OutcomeEvent, (OutcomeEvent.occurred_on, OutcomeEvent.created_at)),
    (Consent, (Consent.created_at, Consent.withdrawn_at)),
    (Disclosure, (Disclosure.decided_at,)),
    (Membership, (Membership.from_date, Membership.to_date, Membership.removed_at)),
)


def _latest(chunk: list[str]) -> Any:
    """One statement: each case's latest value of every dating column, a row per case and
    table (``UNION ALL``), and a row per legal hold; a date and a time come in columns of
    their own, so each keeps its type on both databases."""
    def row(case_id: Any, column: Any) -> Any:
        latest = func.max(column)
        if isinstance(column.type, DateTime):
            return case_id, latest, cast(null(), Date), false()
        return case_id, cast(null(), DateTime), latest, false()

    parts = [select(*row(Case.id, column)).where(Case.id.in_(chunk)).group_by(Case.id)
             for column in (Case.referral_date, Case.plan_agreed_on, Case.closed_on,
                            Case.created_at, Case.updated_at)]
    parts += [select(*row(model.case_id, column)).where(model.case_id.in_(chunk))
              .group_by(model.case_id)
              for model, columns in DATED for column in columns]
    parts.append(select(RetentionHold.case_id, cast(null(), DateTime), cast(null(), Date),
                        true()).where(RetentionHold.case_id.in_(chunk)))
    return union_all(*parts)


@dataclass(frozen=True)
class Standing:
    """What retention knows of a case: its last entry (None before anything is dated)
    and whether a legal hold keeps it."""

    last_entry: dt.date | None = None
    held: bool = False


def standing_of(case_ids: Iterable[str]) -> dict[str, Standing]:
    """Each case's last entry and legal hold (one statement per 500 cases)."""
    ids = sorted(set(case_ids))
    last: dict[str, dt.date] = {}
    held: set[str] = set()
    for start in range(0, len(ids), 500):
        for case_id, at, on, hold in db.session.execute(_latest(ids[start:start + 500])):
            if hold:
                held.add(case_id)
            day = _day(at if at is not None else on)
            if day is not None and (case_id not in last or day > last[case_id]):
                last[case_id] = day
    return {case_id: Standing(last.get(case_id), case_id in held)
            for case_id in last.keys() | held}


def last_entries(case_ids: Iterable[str]) -> dict[str, dt.date]:
    """The date of each case's last entry."""
    return {case_id: found.last_entry for case_id, found in standing_of(case_ids).items()
            if found.last_entry is not None}


def due_from(last_entry: dt.date) -> dt.date:
    """The first day a case whose last entry is ``last_entry`` may be purged."""
    return dt.date(last_entry.year + current_app.config["RETENTION_YEARS"] + 1, 1, 1)


@dataclass(frozen=True)
class Candidate:
    case_id: str
    youth_id: str
    last_entry: dt.date
    due_from: dt.date
    kept_because: str | None = None  # "legal_hold" or "research"


def _research_youths(youth_ids: set[str]) -> set[str]:
    days = set(current_app.config["RETENTION_RESEARCH_BIRTH_DAYS"] or ())
    if not days or not youth_ids:
        return set()
    kept = set()
    for youth in db.session.scalars(select(Youth).where(Youth.id.in_(sorted(youth_ids)))):
        born = youth.birth_date_text
        if born and dt.date.fromisoformat(born).day in days:
            kept.add(youth.id)
    return kept


def candidates(today: dt.date) -> list[Candidate]:
    """Every closed case not yet purged whose time has come, with why it is kept if it
    is (a legal hold, the research exception)."""
    closed = db.session.execute(select(Case.id, Case.youth_id).where(
        Case.status == CaseStatus.CLOSED.value, Case.purged_at.is_(None))).all()
    if not closed:
        return []
    found = standing_of(case_id for case_id, _y in closed)
    last = {case_id: s.last_entry for case_id, s in found.items() if s.last_entry}
    held = {case_id for case_id, s in found.items() if s.held}
    due = [(case_id, youth_id) for case_id, youth_id in closed
           if case_id in last and due_from(last[case_id]) <= today]
    research = _research_youths({youth_id for _c, youth_id in due})
    found = []
    for case_id, youth_id in due:
        why = "legal_hold" if case_id in held else (
            "research" if youth_id in research else None)
        found.append(Candidate(case_id, youth_id, last[case_id], due_from(last[case_id]), why))
    return sorted(found, key=lambda c: (c.last_entry, c.case_id))


def due_date_of(case: Case) -> dt.date | None:
    """When a closed case will be due (None while it is open)."""
    if case.status != CaseStatus.CLOSED.value:
        return None
    last = last_entries([case.id]).get(case.id)
    return due_from(last) if last is not None else None


@dataclass(frozen=True)
class Notice:
    due_from: dt.date
    held: bool
    years: int


def case_notice(_user: Any, view: Any) -> Notice | None:
    """On the case page, for the owner of a closed case: when it will be purged, or
    that a legal hold keeps it."""
    case = view.case
    if view.relation is not Relation.OWNER or case.status != CaseStatus.CLOSED.value:
        return None
    found = standing_of([case.id]).get(case.id, Standing())
    if found.last_entry is None:
        return None
    return Notice(due_from(found.last_entry), found.held, current_app.config["RETENTION_YEARS"])
