"""What reaches one organisation in the cases at hand today: the flows the consents of
those cases open, the statutory rules for its kind of organisation and the one-off
disclosures made to it (DESIGN §4, rules 3 and 4).

:func:`grants_for` reads them once per request and user — only the consents and
disclosures of the cases asked about — and ``consent.policy`` decides items with them.
Nothing outside ``consent`` reads grants: they are the policy's building block.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import Select, bindparam, select

from auth import directory
from consent import validity
from consent.models import (
    Consent,
    ConsentGrant,
    ConsentParty,
    Disclosure,
    DisclosureItem,
    StatutoryRule,
)
from kernel import clock, reference
from kernel.db import db
from kernel.planner import among_or_one, bound


@dataclass
class Grants:
    """Everything that opens a flow to one organisation in some cases today, read once
    per request.  Only the consents and disclosures of these cases are read."""

    org_id: str
    org_kind: str
    case_ids: frozenset[str]
    valid_consent_ids: frozenset[str]
    # (case id, source org, category) → a valid consent granting that flow
    consent_flows: dict[tuple[str, str, str], str]
    blanket_rules: list[RuleTerms]
    decision_rules: list[RuleTerms]
    orgs_by_kind: dict[str, list[str]]
    # (case id, item table, item id) → [(rule id, disclosure id)] to this organisation
    disclosed: dict[tuple[str, str, str], list[tuple[str, str]]]

    def sources(self, rule: RuleTerms) -> list[str]:
        return self.orgs_by_kind.get(rule.source_kind, [])

    def within(self, case_ids: frozenset[str]) -> Grants:
        """The same grants for some of the cases (every flow and disclosure is of one
        case: those of the others are left out)."""
        flows = {key: consent_id for key, consent_id in self.consent_flows.items()
                 if key[0] in case_ids}
        return dataclasses.replace(
            self, case_ids=case_ids, valid_consent_ids=frozenset(flows.values()),
            consent_flows=flows, disclosed={key: found for key, found in self.disclosed.items()
                                            if key[0] in case_ids})


@dataclass(frozen=True)
class RuleTerms:
    """What the policy reads of a statutory rule: a plain copy each worker keeps between
    requests (``kernel.reference``: read again whenever a rule changes)."""

    id: str
    code: str
    source_kind: str
    recipient_kind: str
    categories: str  # "*" or comma-separated
    needs_decision: bool
    legal_reference: str
    valid_from: dt.date
    valid_to: dt.date | None

    def covers(self, category: str) -> bool:
        return self.categories == "*" or category in self.categories.split(",")


def _all_rules() -> tuple[RuleTerms, ...]:
    return tuple(RuleTerms(r.id, r.code, r.source_kind, r.recipient_kind, r.categories,
                           r.needs_decision, r.legal_reference, r.valid_from, r.valid_to)
                 for r in db.session.scalars(select(StatutoryRule).order_by(StatutoryRule.code)))


def _rules_today(kind: str) -> list[RuleTerms]:
    """The rules that open a flow to organisations of ``kind`` today, by code."""
    day = clock.local_today()
    return [rule for rule in reference.cached("statutory_rules", _all_rules)
            if rule.recipient_kind == kind and rule.valid_from <= day
            and (rule.valid_to is None or rule.valid_to >= day)]


def _consent_flows(org_id: str, case_ids: frozenset[str]) -> dict[tuple[str, str, str], str]:
    """The flows to ``org_id`` that a consent of one of ``case_ids`` opens today (the
    earliest given consent is the basis named).  Only grants to ``org_id`` are read: a
    full consent grants some eighty flows, and a list of forty cases would otherwise read
    thousands of rows.  When the request has read the live consents of exactly these
    cases with all their grants already (``validity.live_consents``: the owner's consent
    box), the flows are taken from them — a consent that is not live holds no flow."""
    day = clock.local_today()
    held = validity.held_live_consents(case_ids, day)
    if held is not None:
        rows = [(consent, grant.source_org_id, grant.category)
                for consent in sorted(held, key=lambda c: (c.given_on, c.id))
                for grant in consent.grants
                if grant.recipient_org_id == org_id and grant.withdrawn_at is None]
    else:
        rows = _live_grants_to(org_id, case_ids)
    if not rows:
        return {}
    subjects = validity.subjects_of({c.case_id for c, _s, _k in rows})
    own_from = current_app.config.get("CONSENT_OWN_FROM_AGE", 15)
    holds: dict[str, bool] = {}
    flows: dict[tuple[str, str, str], str] = {}
    for consent, source, category in rows:
        if consent.id not in holds:
            subject = subjects.get(consent.case_id)
            holds[consent.id] = subject is not None and validity.status(
                consent, subject, day, own_from).valid
        if holds[consent.id]:
            flows.setdefault((consent.case_id, source, category), consent.id)
    return flows


def _live_grants_to(org_id: str, case_ids: frozenset[str]
                    ) -> list[tuple[validity.Terms, str, str]]:
    """``(consent terms, source, category)`` of the live grants to ``org_id`` in
    ``case_ids``, earliest given consent first: one statement of plain columns, each grant
    row with each of its consent's parties (what validity reads)."""
    terms: dict[str, validity.Terms] = {}
    seen_parties: set[str] = set()
    grants: dict[tuple[str, str, str], None] = {}
    single, cases = bound("case_ids", case_ids)
    for (consent_id, case_id, withdrawn_at, valid_from, valid_to, source, category,
         party_id, kind, guardian_id, party_withdrawn_at) in db.session.execute(
            _live_grants_statement(single), {**cases, "org_id": org_id}):
        consent = terms.get(consent_id)
        if consent is None:
            consent = terms[consent_id] = validity.Terms(consent_id, case_id, withdrawn_at,
                                                         valid_from, valid_to)
        if party_id is not None and party_id not in seen_parties:
            seen_parties.add(party_id)
            consent.parties.append(validity.PartyTerms(kind, guardian_id, party_withdrawn_at))
        grants[consent_id, source, category] = None
    return [(terms[consent_id], source, category) for consent_id, source, category in grants]


@functools.cache
def _live_grants_statement(single: bool) -> Select:
    """Built once per process for one case and once for many; bound: ``case_ids`` (see
    ``kernel.planner.bound``) and ``org_id``."""
    return (select(Consent.id, Consent.case_id, Consent.withdrawn_at, Consent.valid_from,
                   Consent.valid_to, ConsentGrant.source_org_id, ConsentGrant.category,
                   ConsentParty.id, ConsentParty.kind, ConsentParty.guardian_id,
                   ConsentParty.withdrawn_at)
            .join(ConsentGrant, ConsentGrant.consent_id == Consent.id)
            .outerjoin(ConsentParty, ConsentParty.consent_id == Consent.id)
            .where(among_or_one(Consent.case_id, "case_ids", single),
                   Consent.withdrawn_at.is_(None),
                   ConsentGrant.recipient_org_id == bindparam("org_id"),
                   ConsentGrant.withdrawn_at.is_(None))
            .order_by(Consent.given_on, Consent.id))


@functools.cache
def _disclosed_statement(single: bool) -> Select:
    """Built once per process for one case and once for many; bound: ``case_ids`` (see
    ``kernel.planner.bound``) and ``org_id``."""
    return (select(Disclosure.case_id, DisclosureItem.item_type, DisclosureItem.item_id,
                   Disclosure.rule_id, Disclosure.id)
            .join(Disclosure, Disclosure.id == DisclosureItem.disclosure_id)
            .where(among_or_one(Disclosure.case_id, "case_ids", single),
                   Disclosure.recipient_org_id == bindparam("org_id"))
            .order_by(Disclosure.decided_at, Disclosure.id))


def _disclosed(org_id: str, case_ids: frozenset[str]) -> dict[tuple[str, str, str],
                                                                 list[tuple[str, str]]]:
    found: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    single, cases = bound("case_ids", case_ids)
    for case_id, item_type, item_id, rule_id, disclosure_id in db.session.execute(
            _disclosed_statement(single), {**cases, "org_id": org_id}):
        found.setdefault((case_id, item_type, item_id), []).append((rule_id, disclosure_id))
    return found


def _organisations() -> dict[str, str]:
    return directory.kinds()


def grants_for(user: Any, case_ids: Iterable[str]) -> Grants:
    """The request's grants for the user's organisation in ``case_ids`` (cached for the
    request only: a withdrawal takes effect on the very next request)."""
    ids = frozenset(case_ids)
    cache = g.setdefault("_sig_grants", {}) if has_app_context() else {}
    key = (user.id, user.organisation_id, ids)
    if key not in cache:
        # a page that read more of the user's cases already (a start page's reminders,
        # then the names of the cases it lists) has read these with them
        wider = next((found for (user_id, org_id, read), found in cache.items()
                      if user_id == user.id and org_id == user.organisation_id
                      and ids <= read), None)
        if wider is not None:
            cache[key] = wider.within(ids)
    if key not in cache:
        kinds_by_org = _organisations()
        by_kind: dict[str, list[str]] = {}
        for org_id, kind in sorted(kinds_by_org.items()):
            by_kind.setdefault(kind, []).append(org_id)
        kind = kinds_by_org.get(user.organisation_id)
        rules = _rules_today(kind) if kind else []
        flows = _consent_flows(user.organisation_id, ids) if ids else {}
        decision_rules = [r for r in rules if r.needs_decision]
        # a one-off disclosure opens an item only under a rule that needs one: an
        # organisation no such rule reaches (social services, usually school) reads none
        cache[key] = Grants(user.organisation_id, kind or "", ids, frozenset(flows.values()),
                            flows, [r for r in rules if not r.needs_decision],
                            decision_rules, by_kind,
                            _disclosed(user.organisation_id, ids)
                            if ids and decision_rules else {})
    return cache[key]
