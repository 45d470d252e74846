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

Every list is read from the log with a fixed number of statements; the reads of the
month are read as plain rows, not objects.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.audit.models import AuditEntry
from kernel.crypto.keys import current_keyring
from kernel.db import db
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
class Row:
    """One read or refusal of the month, as plain values."""

    seq: int
    at: dt.datetime  # local
    event: str
    actor: str | None
    target_type: str | None
    target: str | None
    outcome: str


@dataclass
class Report:
    name: str
    seqs: list[int] = field(default_factory=list)  # the entries, newest first
    # (user, local day, number of cases) for "many cases in a day"
    tallies: list[tuple[str, dt.date, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.tallies) if self.name == "many_cases" else len(self.seqs)


@dataclass
class Review:
    month: Month
    reports: dict[str, Report]
    entries: dict[int, AuditEntry]  # the entries the reports list (up to SHOWN each)
    signed: list[LogReview]

    def counts(self) -> dict[str, int]:
        return {name: report.count for name, report in self.reports.items()}


def _rows(month: Month) -> list[Row]:
    start, end = clock.local_midnight(month.first), clock.local_midnight(month.next.first)
    found = db.session.execute(
        select(AuditEntry.seq, AuditEntry.at, AuditEntry.event, AuditEntry.actor_user_id,
               AuditEntry.target_type, AuditEntry.target_ref, AuditEntry.outcome)
        .where(AuditEntry.at >= start, AuditEntry.at < end,
               AuditEntry.event.in_(sorted({*READS, AuditEvent.ACCESS_DENIED})))
        .order_by(AuditEntry.seq.desc()))
    return [Row(seq, clock.local_moment(at), event, actor, kind, ref, outcome)
            for seq, at, event, actor, kind, ref, outcome in found]


def _after_hours(row: Row) -> bool:
    start, end = current_app.config["AUDIT_OFFICE_HOURS"]
    return row.at.weekday() >= 5 or not (start <= row.at.hour < end)


def _many_cases(reads: list[Row]) -> tuple[list[tuple[str, dt.date, int]], list[int]]:
    per_day: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    seqs: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    for row in reads:
        if row.target_type == "case" and row.actor and row.target:
            per_day[row.actor, row.at.date()].add(row.target)
            seqs[row.actor, row.at.date()].append(row.seq)
    limit = current_app.config["AUDIT_MANY_CASES_PER_DAY"]
    tallies = sorted(((user, day, len(cases)) for (user, day), cases in per_day.items()
                      if len(cases) >= limit), key=lambda t: (-t[2], t[1], t[0]))
    return tallies, [s for user, day, _n in tallies for s in seqs[user, day]]


def _after_membership(reads: list[Row]) -> list[int]:
    """Reads of a case by someone who, by the group as recorded now, was neither its
    owner nor a member at that moment."""
    case_reads = [r for r in reads if r.target_type == "case" and r.actor and r.target]
    if not case_reads:
        return []
    case_ids = sorted({r.target for r in case_reads})
    owners = dict(db.session.execute(select(Case.id, Case.owner_id)
                                     .where(Case.id.in_(case_ids))).all())
    spans: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for membership in db.session.scalars(select(Membership).where(
            Membership.case_id.in_(case_ids),
            Membership.user_id.in_(sorted({r.actor for r in case_reads})))):
        spans[membership.case_id, membership.user_id].append(membership)

    def member_then(row: Row) -> bool:
        day = row.at.date()
        return any(m.from_date <= day and (m.to_date is None or day <= m.to_date)
                   and (m.removed_at is None or clock.local_moment(m.removed_at) > row.at)
                   for m in spans[row.target, row.actor])

    return [r.seq for r in case_reads
            if owners.get(r.target) != r.actor and not member_then(r)]


def _first_access(reads: list[Row], month: Month) -> list[int]:
    """The first read of each (user, case) in the month that no earlier read precedes."""
    first: dict[tuple[str, str], Row] = {}
    for row in reads:  # newest first: the last one kept is the earliest
        if row.target_type == "case" and row.actor and row.target:
            first[row.actor, row.target] = row
    if not first:
        return []
    earlier = set(db.session.execute(
        select(AuditEntry.actor_user_id, AuditEntry.target_ref).distinct()
        .where(AuditEntry.at < clock.local_midnight(month.first), AuditEntry.target_type == "case",
               AuditEntry.event.in_(sorted(READS)), AuditEntry.outcome == "ok",
               AuditEntry.target_ref.in_(sorted({case for _u, case in first})))).all())
    return sorted((row.seq for key, row in first.items() if key not in earlier),
                  reverse=True)


def _sample(reads: list[Row], month: Month, n: int) -> list[int]:
    seed = hmac.new(current_keyring().audit_key, f"log-review:{month.key}".encode(),
                    hashlib.sha256).digest()
    pool = sorted(r.seq for r in reads)
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))  # noqa: S311 - a draw, not a secret
    return sorted(chosen, reverse=True)


def build(month: Month, sample_size: int) -> Review:
    rows = _rows(month)
    reads = [r for r in rows if r.event in READS and r.outcome == "ok"]
    tallies, busy = _many_cases(reads)
    reports = {
        "refusals": Report("refusals", [r.seq for r in rows
                                        if r.event == AuditEvent.ACCESS_DENIED]),
        "after_hours": Report("after_hours", [r.seq for r in reads if _after_hours(r)]),
        "many_cases": Report("many_cases", busy, tallies),
        "after_membership": Report("after_membership", _after_membership(reads)),
        "first_access": Report("first_access", _first_access(reads, month)),
        "sample": Report("sample", _sample(reads, month, sample_size)),
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
