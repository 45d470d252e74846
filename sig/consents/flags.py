"""What needs the case owner's attention about consents: a live consent that ends within
30 days, or one that lacks a party the rules require (DESIGN §4, issue item 4).

Shown to the case owner only: on the case page (with the count of live and valid
consents, :func:`consent_summary`) and on the start page.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from consent import validity
from consent.models import Consent
from consent.operations import own_from_age
from consent.policy import Relation, filtered
from kernel import clock
from kernel.db import db
from sig.youths import operations as youths
from sig.youths.models import Guardian, Youth

EXPIRY_HORIZON_DAYS = 30


@dataclass
class ConsentFlag:
    case_id: str
    consent_id: str
    expires_on: dt.date | None = None  # set when the consent ends within the horizon
    missing_guardians: list[int] = field(default_factory=list)  # 1-based numbers
    youth_missing: bool = False

    @property
    def expiring(self) -> bool:
        return self.expires_on is not None

    @property
    def missing_parties(self) -> bool:
        return self.youth_missing or bool(self.missing_guardians)


def flags_for(case_ids: Iterable[str], day: dt.date,
              consents: list[Consent] | None = None) -> list[ConsentFlag]:
    """Flags of the live consents of ``case_ids`` that still open something (or of
    ``consents``, read already with their grants)."""
    opening: list[Consent] | list[validity.Terms]
    if consents is None:
        opening = validity.opening_consents(case_ids, day)
    else:  # (one whose every grant is withdrawn opens nothing any more)
        opening = [c for c in consents if any(g.withdrawn_at is None for g in c.grants)]
    if not opening:
        return []
    subjects = validity.subjects_of({c.case_id for c in opening})
    horizon = day + dt.timedelta(days=EXPIRY_HORIZON_DAYS)
    own_from = own_from_age()
    flags = []
    for consent in opening:
        subject = subjects.get(consent.case_id)
        if subject is None:
            continue
        status = validity.status(consent, subject, day, own_from)
        flag = ConsentFlag(consent.case_id, consent.id,
                           missing_guardians=list(status.missing_guardians),
                           youth_missing=status.youth_missing)
        if consent.valid_to is not None and consent.valid_to <= horizon:
            flag.expires_on = consent.valid_to
        if flag.expiring or flag.missing_parties:
            flags.append(flag)
    return flags


@dataclass
class Summary:
    case: Any
    live: int
    valid: int
    flags: list[ConsentFlag]


def consent_summary(_user: Any, view: Any) -> Summary | None:
    """The consent box on the case page: the owner's only."""
    if view.relation is not Relation.OWNER or view.read_only:
        return None
    case = view.case
    day = clock.local_today()
    consents = validity.live_consents([case.id], day)
    subject = validity.subjects_of([case.id]).get(case.id)
    own_from = own_from_age()
    valid = sum(1 for c in consents
                if subject is not None and validity.status(c, subject, day, own_from).valid)
    return Summary(case, len(consents), valid, flags_for([case.id], day, consents))


# --- a change of custody, and what it means for the case's consents ---------------------------

CUSTODY_NOTICE_DAYS = 30


@dataclass
class ConsentNow:
    reference: str
    valid: bool
    youth_missing: bool
    missing: list[str]           # names of guardians with custody who have not consented
    other_reasons: list[str]     # codes: expired, not_yet_valid, no_guardian_on_record


@dataclass
class CustodyNotice:
    """A change of who has custody in the last CUSTODY_NOTICE_DAYS days, and each live
    consent's validity now (computed from custody on every read, so it already
    follows the change)."""

    changes: list[tuple[str, str, bool, dt.datetime]]  # (guardian name, field, custody now, at)
    consents: list[ConsentNow]


def custody_notice(user: Any, view: Any) -> CustodyNotice | None:
    """On the case page, for the owner: what a recent change of custody did."""
    if view.relation is not Relation.OWNER or view.read_only:
        return None
    case = view.case
    since = clock.now() - dt.timedelta(days=CUSTODY_NOTICE_DAYS)
    youth = view.youth or db.session.get(Youth, case.youth_id)  # (read with the case)
    changes = youths.custody_changes_since(youth, since) if youth is not None else []
    if not changes:
        return None
    # (a removed guardian is no longer part of the case: she is named as removed)
    guardians = {g.id: g for g in db.session.scalars(filtered(user, Guardian, case))}
    day = clock.local_today()
    subject = validity.subjects_of([case.id]).get(case.id)
    consents = []
    for consent in validity.live_consents([case.id], day):
        if subject is None:
            continue
        status = validity.status(consent, subject, day, own_from_age())
        custody = subject.custody_guardian_ids
        missing = [guardians[custody[n - 1]].name for n in status.missing_guardians
                   if custody[n - 1] in guardians]
        consents.append(ConsentNow(
            f"S-{consent.id[:8].upper()}", status.valid, status.youth_missing, missing,
            [r for r in status.reasons if r not in ("guardian_missing", "youth_missing")]))
    return CustodyNotice(
        [(guardians[c.guardian_id].name if c.guardian_id in guardians else None, c.field,
          c.field != "removed" and c.new == "True", c.changed_at) for c in changes],
        consents)
