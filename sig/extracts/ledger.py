"""The disclosure ledger of a case: which organisation could receive which category of
the person's information, on what basis, and when it actually read it.

Every flow in SIG is a consent, a statutory provision or a recorded disclosure decision
(``consent.policy``), so the ledger lists:

* each flow of each consent of the case (source → recipient, category), with the consent
  and its period — and the withdrawal, if there was one;
* each statutory provision that opens a flow between organisations of the group
  (``StatutoryRule`` without a decision), with its legal reference;
* each disclosure decision (utlämnande) with its provision, recipient and the
  categories of the items it named;

and for each, from the access log, when members of the recipient organisation read the
case with that category shown while the basis held: how many times, first and last.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from auth import directory
from consent.categories import Category
from consent.models import Consent, StatutoryRule
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.audit.review import READS
from sig.cases.models import Case, Membership
from sig.disclosures.operations import disclosures_of


@dataclass
class Flow:
    recipient: str  # organisation name
    source: str
    categories: list[str]  # labels
    basis: str  # what opened it, in words
    kind: str  # "consent", "statute" or "decision"
    since: dt.date | None
    until: dt.date | None
    reads: int = 0
    first_read: str | None = None
    last_read: str | None = None
    # for matching the log (not part of the extract)
    _recipient_id: str = field(default="", repr=False)
    _codes: frozenset[str] = field(default=frozenset(), repr=False)
    _first: dt.datetime | None = field(default=None, repr=False)
    _last: dt.datetime | None = field(default=None, repr=False)

    def public(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in self.__dict__.items() if not k.startswith("_")}


def _label(code: str) -> str:
    try:
        return str(Category(code).label).lower()
    except ValueError:
        return code


def _day(value: dt.datetime | None) -> dt.date | None:
    return clock.local_day(value) if value is not None else None


def _consent_flows(case: Case, codes: set[str], names: dict[str, str]) -> list[Flow]:
    flows = []
    for consent in db.session.scalars(select(Consent).where(Consent.case_id == case.id)
                                      .options(selectinload(Consent.grants))
                                      .order_by(Consent.given_on)):
        for grant in consent.grants:
            if grant.category not in codes:
                continue
            ended = [d for d in (consent.valid_to, _day(consent.withdrawn_at),
                                 _day(grant.withdrawn_at)) if d is not None]
            withdrawn = grant.withdrawn_at or consent.withdrawn_at
            basis = (f"Samtycke S-{consent.id[:8].upper()} lämnat {consent.given_on}, "
                     f"giltigt {consent.valid_from}–{consent.valid_to or 'tills vidare'}")
            if withdrawn is not None:
                basis += f"; återkallat {_day(withdrawn)}"
            flows.append(Flow(names.get(grant.recipient_org_id, "—"),
                              names.get(grant.source_org_id, "—"), [_label(grant.category)],
                              basis, "consent", consent.valid_from, min(ended) if ended else None,
                              _recipient_id=grant.recipient_org_id,
                              _codes=frozenset({grant.category})))
    return flows


def _statute_flows(case: Case, codes: set[str], names: dict[str, str],
                   kinds: dict[str, str]) -> list[Flow]:
    """Blanket provisions between the organisations of the group."""
    orgs = {case.origin_org_id} | set(db.session.scalars(
        select(Membership.member_org_id).where(Membership.case_id == case.id)))
    flows = []
    for rule in db.session.scalars(select(StatutoryRule).where(
            StatutoryRule.needs_decision.is_(False)).order_by(StatutoryRule.code)):
        covered = sorted(c for c in codes if rule.covers(c))
        if not covered:
            continue
        for source in sorted(o for o in orgs if kinds.get(o) == rule.source_kind):
            for recipient in sorted(o for o in orgs if kinds.get(o) == rule.recipient_kind):
                if source == recipient:
                    continue
                flows.append(Flow(names.get(recipient, "—"), names.get(source, "—"),
                                  [_label(c) for c in covered],
                                  f"{rule.legal_reference}: {rule.explanation}", "statute",
                                  rule.valid_from, rule.valid_to, _recipient_id=recipient,
                                  _codes=frozenset(covered)))
    return flows


def _decision_flows(case: Case, codes: set[str], names: dict[str, str],
                    categories_of: dict[tuple[str, str], str]) -> list[Flow]:
    flows = []
    for decision in disclosures_of(case):
        named = sorted({categories_of.get((i.item_type, i.item_id), "") for i in decision.items}
                       & codes)
        if not named:
            continue
        flows.append(Flow(names.get(decision.recipient_org_id, "—"),
                          names.get(decision.origin_org_id, "—"), [_label(c) for c in named],
                          f"Beslut om utlämnande U-{decision.id[:8].upper()} "
                          f"{_day(decision.decided_at)} enligt {decision.rule.legal_reference}",
                          "decision", _day(decision.decided_at), None,
                          _recipient_id=decision.recipient_org_id, _codes=frozenset(named)))
    return flows


def _reads(case: Case, flows: list[Flow]) -> None:
    """Fill in when each flow's recipient read the case with its categories shown.

    The log is read grouped by organisation and what was shown (a case read every day
    for years has tens of thousands of entries): a group whose first and last read lie
    within a flow's period counts whole; a group that straddles the start or the end of
    a period is counted again within the period's Swedish days (one aggregate; its
    entries are never read one by one)."""
    if not flows:
        return
    reads = (select(AuditEntry.at)
             .where(AuditEntry.target_type == "case", AuditEntry.target_ref == case.id,
                    AuditEntry.outcome == "ok", AuditEntry.event.in_(sorted(READS))))
    for org_id, details, count, first, last in db.session.execute(
            reads.with_only_columns(AuditEntry.actor_org_id, AuditEntry.details,
                                    func.count(), func.min(AuditEntry.at),
                                    func.max(AuditEntry.at))
            .group_by(AuditEntry.actor_org_id, AuditEntry.details)):
        try:
            shown = set(json.loads(details or "{}").get("shown") or ())
        except (ValueError, AttributeError):
            continue
        matching = [f for f in flows if f._recipient_id == org_id and f._codes & shown]
        if not matching:
            continue
        days = (_day(first) or clock.local_today(), _day(last) or clock.local_today())
        # (a group wholly before or after a flow's period counts nothing for it)
        matching = [f for f in matching if not ((f.since and days[1] < f.since)
                                                or (f.until and days[0] > f.until))]
        straddling = [f for f in matching if not all(_within(f, day) for day in days)]
        for flow in matching:
            if not any(flow is other for other in straddling):
                _count(flow, count, first, last)
        for flow in straddling:  # counted within the period's Swedish days, in SQL
            counted, first_in, last_in = db.session.execute(_within_period(
                reads.where(AuditEntry.actor_org_id == org_id, AuditEntry.details == details),
                flow)).one()
            if counted:
                _count(flow, counted, first_in, last_in)
    for flow in flows:
        # Swedish time: the document prints the date of the first and the last read
        if flow._first is not None:
            flow.first_read = clock.local_moment(flow._first).isoformat(timespec="minutes")
            flow.last_read = clock.local_moment(flow._last).isoformat(timespec="minutes")


def _within_period(reads: Select, flow: Flow) -> Select:
    """How many of ``reads`` fall on the Swedish days of the flow's period, the first and
    the last: from the UTC instant its first day begins to the one after its last."""
    counted = reads.with_only_columns(func.count(), func.min(AuditEntry.at),
                                      func.max(AuditEntry.at))
    if flow.since:
        counted = counted.where(AuditEntry.at >= clock.local_midnight(flow.since))
    if flow.until:
        counted = counted.where(
            AuditEntry.at < clock.local_midnight(flow.until + dt.timedelta(days=1)))
    return counted


def _within(flow: Flow, day: dt.date) -> bool:
    return not ((flow.since and day < flow.since) or (flow.until and day > flow.until))


def _count(flow: Flow, reads: int, first: dt.datetime, last: dt.datetime) -> None:
    flow.reads += reads
    flow._first = min(first, flow._first) if flow._first else first
    flow._last = max(last, flow._last) if flow._last else last


def ledger(case: Case, codes: Iterable[str],
           categories_of: dict[tuple[str, str], str]) -> list[Flow]:
    """The flows of ``codes`` (category codes) in ``case``, with their reads."""
    wanted = set(codes)
    names, kinds = directory.names(), directory.kinds()
    flows = (_consent_flows(case, wanted, names) + _statute_flows(case, wanted, names, kinds)
             + _decision_flows(case, wanted, names, categories_of))
    _reads(case, flows)
    return sorted(flows, key=lambda f: (f.recipient, f.kind, f.source, f.basis))
