"""Disclosure decisions (utlämnande) under a statutory provision that needs one.

A decision names the items, one recipient organisation, the rule it is made under and
the case owner's written assessment; it is never blanket.  Who may decide:

* the **case owner**, for items their own organisation recorded in the case, under a rule
  in force today whose source kind is the owner's organisation's kind and which
  ``needs_decision``;
* to an organisation of the rule's recipient kind that **takes part in the case** (a
  current group member belongs to it);
* only while the youth is **younger than the rule's ``max_age``** on the decision date.

Once made, ``consent.policy`` shows exactly the named items to the recipient
organisation.  The access log gets ids and item types, never the assessment or the
items' text.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import joinedload

from auth.models import Organisation
from auth.roles import OrganisationKind
from consent import validity
from consent.categories import Category
from consent.models import Disclosure, DisclosureItem, StatutoryRule
from consent.policy import Relation, filtered
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import relation_to, today
from sig.cases.models import Case, Membership
from sig.cases.subjects import subjects
from sig.meetings.models import MinutesEntry
from sig.plans.models import Action, Goal
from sig.youths.models import Youth

ASSESSMENT_MAX = 10000
# The kinds of item a decision may name, by table name (DisclosureItem.item_type).
ITEM_MODELS: dict[str, Any] = {Youth.__tablename__: Youth, Goal.__tablename__: Goal,
                               Action.__tablename__: Action,
                               MinutesEntry.__tablename__: MinutesEntry}


class DisclosureError(ValueError):
    """A decision that cannot be made as asked; ``code`` selects the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotAllowed(PermissionError):
    """Only the case owner decides disclosures (views answer 403)."""


@dataclass(frozen=True)
class Candidate:
    """An item the owner may name in a decision: ``key`` is ``"<item type>:<id>"``."""

    item_type: str
    item: Any

    @property
    def key(self) -> str:
        return f"{self.item_type}:{self.item.id}"


# --- what a decision may be about ------------------------------------------------------------


def rules_in_force(day: dt.date | None = None) -> list[StatutoryRule]:
    day = day or today()
    return list(db.session.scalars(select(StatutoryRule).where(
        StatutoryRule.valid_from <= day,
        or_(StatutoryRule.valid_to.is_(None), StatutoryRule.valid_to >= day))
        .order_by(StatutoryRule.code, StatutoryRule.version)))


def decision_rule(user: Any, recipient_kind: str = "police") -> StatutoryRule | None:
    """The rule in force under which the user's organisation decides disclosures to
    organisations of ``recipient_kind``, if there is one."""
    kind = user.organisation.kind
    for rule in rules_in_force():
        if rule.needs_decision and rule.source_kind == kind \
                and rule.recipient_kind == recipient_kind:
            return rule
    return None


def youth_age(case: Case, day: dt.date | None = None) -> int:
    subject = subjects([case.id])[case.id]
    return validity.age_on(subject.birth_date, day or today())


def too_old(rule: StatutoryRule, case: Case, day: dt.date | None = None) -> bool:
    return rule.max_age is not None and youth_age(case, day) >= rule.max_age


def recipient_orgs(case: Case, rule: StatutoryRule) -> list[Organisation]:
    """Organisations of the rule's recipient kind with a current member in the case."""
    day = today()
    member_orgs = select(Membership.member_org_id).where(
        Membership.case_id == case.id, Membership.removed_at.is_(None),
        Membership.from_date <= day,
        or_(Membership.to_date.is_(None), Membership.to_date >= day))
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == rule.recipient_kind, Organisation.id.in_(member_orgs))
        .order_by(Organisation.name)))


def candidates(user: Any, case: Case, rule: StatutoryRule) -> list[Candidate]:
    """The case's items the user's organisation recorded (only its own may it disclose)
    and the rule covers: the youth's identity, goals, actions and minutes entries, in
    that order.  Read through the policy like every other read of case items."""
    org = user.organisation_id
    found: list[Candidate] = []
    for model, order in ((Youth, (Youth.created_at,)),
                         (Goal, (Goal.life_area, Goal.created_at)),
                         (Action, (Action.created_at,)),
                         (MinutesEntry, (MinutesEntry.created_at,))):
        found.extend(Candidate(model.__tablename__, item) for item in db.session.scalars(
            filtered(user, model, case).order_by(*order, model.id))
            if item.origin_org_id == org)
    return [c for c in found if rule.covers(c.item.category)]


# --- the decision ----------------------------------------------------------------------------


def decide_disclosure(user: Any, case: Case, rule: StatutoryRule, recipient_org_id: str,
                      items: list[tuple[str, str]], assessment: str) -> Disclosure:
    """Record a one-off disclosure of ``items`` (``(item type, id)`` pairs) to the
    recipient organisation, with the written assessment — one transaction with its
    access-log entry.

    :raises NotAllowed: unless the user owns the case.
    :raises DisclosureError: ``rule_not_applicable`` (not in force, needs no decision, or
        not for the user's organisation), ``too_old`` (the youth is ``max_age`` or older
        today), ``recipient_not_allowed``, ``no_items``, ``item_not_allowed`` (not an
        item of this case recorded by the user's organisation, or not covered),
        ``assessment_required``, ``assessment_too_long``.
    """
    if relation_to(user, case) is not Relation.OWNER:
        raise NotAllowed("owner_only")
    day = today()
    if not (rule.needs_decision and rule.source_kind == user.organisation.kind
            and rule.id in {r.id for r in rules_in_force(day)}):
        raise DisclosureError("rule_not_applicable")
    if too_old(rule, case, day):
        raise DisclosureError("too_old")
    if recipient_org_id not in {o.id for o in recipient_orgs(case, rule)}:
        raise DisclosureError("recipient_not_allowed")
    named = list(dict.fromkeys(items))  # each item once, in the order given
    if not named:
        raise DisclosureError("no_items")
    allowed = {(c.item_type, c.item.id) for c in candidates(user, case, rule)}
    if any(item not in allowed for item in named):
        raise DisclosureError("item_not_allowed")
    text = (assessment or "").strip()
    if not text:
        raise DisclosureError("assessment_required")
    if len(text) > ASSESSMENT_MAX:
        raise DisclosureError("assessment_too_long")

    disclosure = Disclosure(case_id=case.id, rule_id=rule.id, recipient_org_id=recipient_org_id,
                            origin_org_id=user.organisation_id,
                            category=_decision_category(rule),
                            created_by_id=user.id)
    disclosure.assessment = text
    db.session.add(disclosure)
    db.session.flush()
    for item_type, item_id in named:
        db.session.add(DisclosureItem(disclosure_id=disclosure.id, item_type=item_type,
                                      item_id=item_id))
    db.session.flush()
    record(AuditEvent.DISCLOSURE_DECIDED, target_type="case", target_ref=case.id,
           details={"disclosure": disclosure.id, "rule": rule.code, "rule_id": rule.id,
                    "rule_version": rule.version, "recipient_org": recipient_org_id,
                    "items": [{"type": t, "id": i} for t, i in named],
                    "counts": dict(sorted(Counter(t for t, _ in named).items()))})
    db.session.commit()
    return disclosure


def _decision_category(rule: StatutoryRule) -> str:
    """The decision record itself (with its assessment) is the deciding organisation's
    item: social services' assessment, or coordination for any other source kind."""
    if rule.source_kind == OrganisationKind.SOCIAL_SERVICES.value:
        return Category.SOCIAL_ASSESSMENT.value
    return Category.COORDINATION.value


def refused(user: Any, case: Case, code: str) -> None:
    """Log a refused decision (the reason code only) in its own transaction."""
    db.session.rollback()
    record(AuditEvent.DISCLOSURE_DECIDED, target_type="case", target_ref=case.id,
           outcome="denied" if code == "too_old" else "failed", details={"reason": code})
    db.session.commit()


# --- reading decisions -----------------------------------------------------------------------


@functools.cache
def _decisions_statement() -> Select:
    """Built once per process; bound: ``case_id``."""
    return (select(Disclosure).where(Disclosure.case_id == bindparam("case_id"))
            .options(joinedload(Disclosure.items), joinedload(Disclosure.rule),
                     joinedload(Disclosure.decided_by))
            .order_by(Disclosure.decided_at.desc(), Disclosure.id))


def disclosures_of(case: Case) -> list[Disclosure]:
    """The case's decisions with their items, rule and who decided: one statement,
    whatever their number (a case has a handful of decisions of a few items each)."""
    return list(db.session.scalars(_decisions_statement(), {"case_id": case.id}).unique())


def item_counts(disclosure: Disclosure) -> dict[str, int]:
    return dict(sorted(Counter(i.item_type for i in disclosure.items).items()))


__all__ = ["Candidate", "DisclosureError", "NotAllowed", "candidates", "decide_disclosure",
           "decision_rule", "disclosures_of", "recipient_orgs", "too_old", "youth_age"]
