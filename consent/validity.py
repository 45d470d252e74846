"""Whether a consent holds today: its period, withdrawal, and the parties it needs.

A youth under 18 needs every guardian with custody, and from ``CONSENT_OWN_FROM_AGE``
(default 15) also their own consent; from 18 the youth consents alone (DESIGN §4).

The youth's age and guardians are identity data of the case domain; it hands them
over as a :class:`Subject` through the provider it registers, so this module knows
no case classes.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import g, has_app_context
from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import joinedload

from consent.models import Consent, ConsentGrant, ConsentParty, PartyKind
from kernel.db import db
from kernel.planner import among, among_or_one, bound

ADULT_AGE = 18


@dataclass(frozen=True)
class Subject:
    """What consent rules need to know of a case's youth."""

    birth_date: dt.date
    custody_guardian_ids: tuple[str, ...]  # in the order the guardians were registered


@dataclass(frozen=True)
class PartyTerms:
    kind: str
    guardian_id: str | None
    withdrawn_at: dt.datetime | None


@dataclass
class Terms:
    """What :func:`status` reads of a consent, as plain values: a page that decides the
    consents of many cases reads these columns, not the consents as objects."""

    id: str
    case_id: str
    withdrawn_at: dt.datetime | None
    valid_from: dt.date
    valid_to: dt.date | None
    parties: list[PartyTerms] = field(default_factory=list)


SubjectProvider = Callable[[Iterable[str]], dict[str, Subject]]
_provider: list[SubjectProvider] = []


def register_subject_provider(provider: SubjectProvider) -> None:
    _provider[:] = [provider]


def subjects_of(case_ids: Iterable[str]) -> dict[str, Subject]:
    """The consent subjects of ``case_ids``, read once per request and case (the policy's
    grants, the consent box and its flags all ask for them on one page)."""
    if not _provider:
        raise RuntimeError("no subject provider registered (sig.cases registers one)")
    ids = set(case_ids)
    if not has_app_context():
        return _provider[0](ids)
    known: dict[str, Subject | None] = g.setdefault("_sig_subjects", {})
    missing = ids - set(known)
    if missing:
        found = _provider[0](missing)
        known.update({case_id: found.get(case_id) for case_id in missing})
    return {case_id: known[case_id] for case_id in ids if known[case_id] is not None}


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Status:
    valid: bool
    reasons: list[str] = field(default_factory=list)  # codes, see REASON_TEXTS in the views
    missing_guardians: list[int] = field(default_factory=list)  # 1-based guardian numbers
    youth_missing: bool = False


def required(subject: Subject, day: dt.date, own_from_age: int) -> tuple[bool, tuple[str, ...]]:
    """(needs the youth's own consent, guardian ids whose consent is needed)."""
    age = age_on(subject.birth_date, day)
    if age >= ADULT_AGE:
        return True, ()
    return age >= own_from_age, subject.custody_guardian_ids


def status(consent: Consent | Terms, subject: Subject, day: dt.date,
           own_from_age: int = 15) -> Status:
    """Valid today, or why not."""
    result = Status(valid=True)
    if consent.withdrawn_at is not None:
        result.reasons.append("withdrawn")
    if consent.valid_from > day:
        result.reasons.append("not_yet_valid")
    if consent.valid_to is not None and consent.valid_to < day:
        result.reasons.append("expired")
    active = [p for p in consent.parties if p.withdrawn_at is None]
    needs_youth, guardian_ids = required(subject, day, own_from_age)
    if needs_youth and not any(p.kind == PartyKind.YOUTH for p in active):
        result.youth_missing = True
        result.reasons.append("youth_missing")
    if age_on(subject.birth_date, day) < ADULT_AGE and not guardian_ids:
        # Nobody on record can give the guardians' consent for a minor: deny by default.
        result.reasons.append("no_guardian_on_record")
    given = {p.guardian_id for p in active if p.kind == PartyKind.GUARDIAN}
    for number, guardian_id in enumerate(guardian_ids, start=1):
        if guardian_id not in given:
            result.missing_guardians.append(number)
    if result.missing_guardians:
        result.reasons.append("guardian_missing")
    result.valid = not result.reasons
    return result


def held_live_consents(case_ids: Iterable[str], day: dt.date) -> list[Consent] | None:
    """What :func:`live_consents` read this request for exactly ``case_ids`` and ``day``;
    None when it has not (nothing is read here)."""
    if not has_app_context():
        return None
    return g.get("_sig_live_consents", {}).get((frozenset(case_ids), day))


@functools.cache
def _live_statement(single: bool) -> Select:
    """Built once per process for one case and once for many; bound: ``case_ids`` (see
    ``kernel.planner.bound``) and ``day``."""
    day = bindparam("day")
    return (select(Consent).where(among_or_one(Consent.case_id, "case_ids", single),
                                  Consent.withdrawn_at.is_(None),
                                  or_(Consent.valid_to.is_(None), Consent.valid_to >= day))
            .options(joinedload(Consent.parties), joinedload(Consent.grants))
            .order_by(Consent.case_id, Consent.valid_to, Consent.created_at, Consent.id))


def live_consents(case_ids: Iterable[str], day: dt.date) -> list[Consent]:
    """The live consents (not withdrawn, not ended before ``day``) of ``case_ids``, with
    their parties and grants: one statement, read once per request and set of cases
    (the consent box and its flags ask on one page)."""
    ids = frozenset(case_ids)
    if not ids:
        return []
    cache = g.setdefault("_sig_live_consents", {}) if has_app_context() else {}
    key = (ids, day)
    if key not in cache:
        single, cases = bound("case_ids", ids)
        cache[key] = list(db.session.scalars(
            _live_statement(single), {**cases, "day": day}).unique())
    return cache[key]


def opening_consents(case_ids: Iterable[str], day: dt.date) -> list[Terms]:
    """The terms of the live consents of ``case_ids`` (as :func:`live_consents`) that
    still open something — a grant not withdrawn — with their parties: one statement of
    columns, for a page that flags many cases' consents and shows none of them (a full
    consent has some eighty grants, and a start page some forty cases' consents)."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    terms: dict[str, Terms] = {}
    for (consent_id, case_id, withdrawn_at, valid_from, valid_to,
         kind, guardian_id, party_withdrawn_at) in db.session.execute(
            _opening_statement(), {"case_ids": ids, "day": day}):
        consent = terms.get(consent_id)
        if consent is None:
            consent = terms[consent_id] = Terms(consent_id, case_id, withdrawn_at,
                                                valid_from, valid_to)
        if kind is not None:
            consent.parties.append(PartyTerms(kind, guardian_id, party_withdrawn_at))
    return list(terms.values())


@functools.cache
def _opening_statement() -> Select:
    """Built once per process; bound: ``case_ids`` and ``day``.  A row per party (one
    with no party for a consent without)."""
    opens = exists().where(ConsentGrant.consent_id == Consent.id,
                           ConsentGrant.withdrawn_at.is_(None))
    return (select(Consent.id, Consent.case_id, Consent.withdrawn_at, Consent.valid_from,
                   Consent.valid_to, ConsentParty.kind, ConsentParty.guardian_id,
                   ConsentParty.withdrawn_at)
            .outerjoin(ConsentParty, ConsentParty.consent_id == Consent.id)
            .where(among(Consent.case_id, "case_ids"),
                   Consent.withdrawn_at.is_(None),
                   or_(Consent.valid_to.is_(None), Consent.valid_to >= bindparam("day")),
                   opens)
            .order_by(Consent.case_id, Consent.valid_to, Consent.created_at, Consent.id,
                      ConsentParty.id))
