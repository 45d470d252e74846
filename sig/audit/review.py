"""The monthly log review (loggkontroll): the reports an auditor goes through, and the
sign-off that records it.

For one calendar month in Swedish time:

* **refusals** — attempts to reach a case (or a page) the user may not;
* **outside office hours** — reads of case data on a weekday before ``AUDIT_OFFICE_HOURS``
  start or after they end, or on a Saturday or Sunday;
* **many cases in a day** — users who read ``AUDIT_MANY_CASES_PER_DAY`` different cases
  or more on one day;
* **after the membership ended** — reads of a case by someone who, by the group as it is
  recorded now, was not in it at that moment (an end date set afterwards, say);
* **first access** — the first read of a case by a user who had never read it before;
* **a sample** — ``n`` reads drawn at random, to check against the case; the draw is
  fixed for the month (seeded by the log's secret key), so it does not change when the
  page is reloaded and nobody can tell in advance which reads it will hold.

Every report is asked of the database with one statement (the month's entries are never
read into Python), so the page costs the same few scans of one month whatever the log
holds.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Date, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.audit.models import AuditEntry
from kernel.crypto.keys import current_keyring
from kernel.db import db
from kernel.planner import unindexed
from sig.audit.models import LogReview
from sig.cases.models import Case, Membership

# Reads of case data: what a log review looks at.
READS = frozenset({
    AuditEvent.CASE_VIEWED, AuditEvent.CASE_VIEWED_AS, AuditEvent.MEETING_VIEWED,
    AuditEvent.HISTORY_VIEWED, AuditEvent.CONSENT_VIEWED, AuditEvent.CONSENT_FORM_DOWNLOADED,
    AuditEvent.CONSENT_FORM_PRINTED, AuditEvent.DISCLOSURE_VIEWED,
    AuditEvent.SHARING_OVERVIEW_VIEWED, AuditEvent.PLAN_PRINTED, AuditEvent.YOUTH_VIEWED,
})
REPORTS = ("refusals", "after_hours", "many_cases", "after_membership", "first_access",
           "sample")
SHOWN = 100  # rows listed per report (the count says how many there are)


@dataclass(frozen=True)
class Month:
    first: dt.date  # the first day

    @classmethod
    def parse(cls, text: str | None) -> Month | None:
        try:
            year, month = (int(p) for p in (text or "").split("-"))
            return cls(dt.date(year, month, 1))
        except ValueError:
            return None

    @classmethod
    def last_complete(cls, today: dt.date) -> Month:
        return cls((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def next(self) -> Month:
        return Month((self.first + dt.timedelta(days=32)).replace(day=1))

    @property
    def previous(self) -> Month:
        return Month((self.first - dt.timedelta(days=1)).replace(day=1))

    def days(self) -> list[dt.date]:
        count = (self.next.first - self.first).days
        return [self.first + dt.timedelta(days=n) for n in range(count)]


@dataclass
class Report:
    name: str
    seqs: list[int] = field(default_factory=list)  # the first SHOWN entries, newest first
    total: int = 0  # how many entries the report holds
    # (user, local day, number of cases) for "many cases in a day"
    tallies: list[tuple[str, dt.date, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.tallies) if self.name == "many_cases" else self.total


@dataclass
class Review:
    month: Month
    reports: dict[str, Report]
    entries: dict[int, AuditEntry]  # the entries the reports list (up to SHOWN each)
    signed: list[LogReview]

    def counts(self) -> dict[str, int]:
        return {name: report.count for name, report in self.reports.items()}


# Each report is asked of the database: the month's entries are never read into Python,
# so the page costs a few scans of one month's index range, whatever the log holds.  The
# Swedish day and office hours of an entry are compared with the month's midnights and
# office hours in UTC, reckoned here (summer time included): no time-zone support is
# needed in the database.


def _of_month(month: Month, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    start, end = clock.local_midnight(month.first), clock.local_midnight(month.next.first)
    return and_(AuditEntry.at >= start, AuditEntry.at < end, *conditions)


def _reads() -> ColumnElement[bool]:
    # (the month's range of the index on the time finds the rows; an index on the event
    # would walk every read the log ever held)
    return and_(unindexed(AuditEntry.event).in_(sorted(READS)), AuditEntry.outcome == "ok")


def _case_reads() -> ColumnElement[bool]:
    return and_(_reads(), AuditEntry.target_type == "case",
                AuditEntry.actor_user_id.is_not(None), AuditEntry.target_ref.is_not(None))


def _local_day(month: Month) -> ColumnElement[dt.date]:
    """SQL: the Swedish day of an entry of the month."""
    days = month.days()
    return case(*((AuditEntry.at < clock.local_midnight(day + dt.timedelta(days=1)),
                   literal(day, Date)) for day in days[:-1]),
                else_=literal(days[-1], Date))


def _outside_office_hours(month: Month) -> ColumnElement[bool]:
    """SQL: the entry is from the month's hours between office hours (evenings, nights,
    weekends) — ranges of the time, which its index finds."""
    start, end = current_app.config["AUDIT_OFFICE_HOURS"]
    office = [(clock.local_midnight(day, start), clock.local_midnight(day, end))
              for day in month.days() if day.weekday() < 5]
    edges = [clock.local_midnight(month.first), *(t for span in office for t in span),
             clock.local_midnight(month.next.first)]
    return or_(*(and_(AuditEntry.at >= begin, AuditEntry.at < until)
                 for begin, until in zip(edges[::2], edges[1::2], strict=True)
                 if begin < until))


def _listed(name: str, condition: ColumnElement[bool]) -> Report:
    """The report of the entries meeting ``condition``: how many, and the newest SHOWN
    (one statement: the count is a window over the same rows)."""
    rows = db.session.execute(
        select(AuditEntry.seq, func.count().over()).where(condition)
        .order_by(AuditEntry.seq.desc()).limit(SHOWN)).all()
    return Report(name, [seq for seq, _n in rows], rows[0][1] if rows else 0)


def _many_cases(month: Month) -> Report:
    day = _local_day(month).label("day")
    cases = func.count(AuditEntry.target_ref.distinct())
    limit = current_app.config["AUDIT_MANY_CASES_PER_DAY"]
    found = db.session.execute(
        select(AuditEntry.actor_user_id, day, cases)
        .where(_of_month(month, _case_reads()))
        .group_by(AuditEntry.actor_user_id, day).having(cases >= limit)).all()
    tallies = sorted(((user, _date(on), n) for user, on, n in found),
                     key=lambda t: (-t[2], t[1], t[0]))
    return Report("many_cases", tallies=tallies)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _after_membership(month: Month) -> Report:
    """Reads of a case by someone who, by the group as recorded now, was neither its
    owner nor a member at that moment."""
    day = _local_day(month)
    member_then = select(Membership.id).where(
        Membership.case_id == AuditEntry.target_ref,
        Membership.user_id == AuditEntry.actor_user_id,
        Membership.from_date <= day,
        or_(Membership.to_date.is_(None), Membership.to_date >= day),
        or_(Membership.removed_at.is_(None), Membership.removed_at > AuditEntry.at)).exists()
    owner_now = select(Case.id).where(Case.id == AuditEntry.target_ref,
                                      Case.owner_id == AuditEntry.actor_user_id).exists()
    return _listed("after_membership", _of_month(month, _case_reads(), ~owner_now,
                                                 ~member_then))


def _first_access(month: Month) -> Report:
    """The first read of each (user, case) in the month that no earlier read precedes."""
    earlier = aliased(AuditEntry)
    read_before = select(earlier.seq).where(
        earlier.actor_user_id == AuditEntry.actor_user_id,
        earlier.at < clock.local_midnight(month.first), earlier.target_type == "case",
        earlier.target_ref == AuditEntry.target_ref,
        earlier.event.in_(sorted(READS)), earlier.outcome == "ok").exists()
    firsts = (select(func.min(AuditEntry.seq)).where(_of_month(month, _case_reads()))
              .group_by(AuditEntry.actor_user_id, AuditEntry.target_ref)
              .correlate(None))  # (the month's own firsts, not the outer entry's)
    return _listed("first_access", and_(AuditEntry.seq.in_(firsts), ~read_before))


def _sample(month: Month, n: int) -> Report:
    """``n`` of the month's reads, drawn by their place in the month (a draw seeded by the
    log's key: the same on every load); the database finds the reads at those places."""
    seed = hmac.new(current_keyring().audit_key, f"log-review:{month.key}".encode(),
                    hashlib.sha256).digest()
    pool = db.session.scalar(select(func.count()).where(_of_month(month, _reads()))) or 0
    places = random.Random(seed).sample(range(pool), min(n, pool))  # noqa: S311 - a draw, not a secret
    if not places:
        return Report("sample")
    ranked = (select(AuditEntry.seq, func.row_number().over(order_by=AuditEntry.seq)
                     .label("place")).where(_of_month(month, _reads())).subquery())
    chosen = db.session.scalars(select(ranked.c.seq).where(
        ranked.c.place.in_([p + 1 for p in places])).order_by(ranked.c.seq.desc())).all()
    return Report("sample", list(chosen), len(chosen))


def build(month: Month, sample_size: int) -> Review:
    reports = {
        "refusals": _listed("refusals", _of_month(
            month, unindexed(AuditEntry.event) == AuditEvent.ACCESS_DENIED)),
        "after_hours": _listed("after_hours", and_(_outside_office_hours(month), _reads())),
        "many_cases": _many_cases(month),
        "after_membership": _after_membership(month),
        "first_access": _first_access(month),
        "sample": _sample(month, sample_size),
    }
    shown = sorted({s for r in reports.values() for s in r.seqs[:SHOWN]})
    entries = {e.seq: e for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.seq.in_(shown)))} if shown else {}
    signed = list(db.session.scalars(select(LogReview).where(LogReview.month == month.key)
                                     .order_by(LogReview.signed_at)))
    return Review(month, reports, entries, signed)


def findings_hash(month: Month, findings: str) -> str:
    return hashlib.sha256(f"{month.key}\n{findings}".encode()).hexdigest()


def sign_off(user: Any, review: Review, findings: str) -> LogReview:
    """Record that the month's review is done, with the findings; the access-log entry
    carries the counts and the hash of the findings (never their text)."""
    text = findings.strip()
    signed = LogReview(month=review.month.key, signed_by_id=user.id,
                       counts=json.dumps(review.counts(), sort_keys=True),
                       findings_hash=findings_hash(review.month, text))
    signed.findings = text
    db.session.add(signed)
    db.session.flush()
    entry = record(AuditEvent.LOG_REVIEW_SIGNED, target_type="log_review", target_ref=signed.id,
                   details={"month": review.month.key, "findings_hash": signed.findings_hash,
                            **{f"found_{k}": v for k, v in review.counts().items()}})
    signed.audit_seq = entry.seq
    return signed
