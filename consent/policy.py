"""The disclosure policy: the one place that decides what a user sees of a case.

Rules (DESIGN §4), in the order they are tried:

1. **Need to know.** Only the case owner and current group members learn that a case
   exists; everyone else gets 404 (the case domain's loader asks first).
2. **Own organisation.** A member sees items their own organisation recorded, and
   items *addressed to* their organisation (an action it is responsible for, a meeting
   it is invited to) — what it needs to do its part of the plan.
3. **Consent.** An item from organisation A reaches organisation B while a consent that
   holds today (period, withdrawal, every required party — see ``consent.validity``)
   grants A → B for the item's category.
4. **Statutory provisions**, as data (``StatutoryRule``): a blanket flow such as police →
   social services, or a flow that needs a recorded one-off ``Disclosure`` of the named
   item.  Material the police flag as preliminary-investigation material is shown to no
   other organisation by any route (consent included): that secrecy protects the
   investigation and is not the youth's to waive.
5. **Managers, admins and auditors** see no items at all.
6. **Deny by default.** An item of unknown category or origin is withheld; a state that
   should not occur raises :class:`PolicyError` instead of showing anything.

Lists are filtered in SQL with :func:`visible`; :func:`decide` answers for one item and
says why.  Both build on the same :class:`Grants` of the request, so a list, a count
and a page cannot disagree.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app, g, has_app_context
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from auth.models import Organisation
from auth.roles import Role
from consent import validity
from consent.categories import KNOWN, Category
from consent.models import Consent, ConsentGrant, Disclosure, DisclosureItem, StatutoryRule
from sig import clock
from sig.db import db

CASE_ROLES = frozenset({Role.CASE_OWNER, Role.MEMBER})


class PolicyError(RuntimeError):
    """The policy met a state that should never happen; nothing is shown."""


class Relation(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Rule(enum.StrEnum):
    OWN_ORGANISATION = "own_organisation"
    ADDRESSED_TO_ORGANISATION = "addressed_to_organisation"
    CONSENT = "consent"
    STATUTORY = "statutory"
    DISCLOSURE = "disclosure"
    NO_CONSENT = "no_consent"  # another organisation's item; nothing covers it
    PRE_INVESTIGATION = "pre_investigation"  # police material under preliminary investigation
    ROLE_SEES_NO_ITEMS = "role_sees_no_items"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class Decision:
    shown: bool
    rule: Rule
    basis: str | None = None  # the consent id, or the statutory rule's legal reference


class Item(Protocol):
    """What the policy knows of a piece of case information."""

    id: str
    origin_org_id: str | None
    category: str | None


def sees_case_items(user: Any) -> bool:
    return user is not None and user.is_authenticated and Role(user.role) in CASE_ROLES


# --- what reaches the user's organisation today -----------------------------------------------


@dataclass
class Grants:
    """Everything that opens a flow to one organisation today, read once per request."""

    org_id: str
    org_kind: str
    valid_consent_ids: frozenset[str]
    blanket_rules: list[StatutoryRule]
    decision_rules: list[StatutoryRule]
    orgs_by_kind: dict[str, list[str]]


def _rules_today(kind: str) -> list[StatutoryRule]:
    day = clock.now().date()
    return list(db.session.scalars(select(StatutoryRule).where(
        StatutoryRule.recipient_kind == kind, StatutoryRule.valid_from <= day,
        or_(StatutoryRule.valid_to.is_(None), StatutoryRule.valid_to >= day))))


def _valid_consents(org_id: str) -> frozenset[str]:
    """Consents granting something to ``org_id`` that hold today."""
    candidates = list(db.session.scalars(
        select(Consent).where(Consent.withdrawn_at.is_(None), exists().where(
            ConsentGrant.consent_id == Consent.id, ConsentGrant.recipient_org_id == org_id,
            ConsentGrant.withdrawn_at.is_(None)))))
    if not candidates:
        return frozenset()
    subjects = validity.subjects_of({c.case_id for c in candidates})
    day = clock.now().date()
    own_from = current_app.config.get("CONSENT_OWN_FROM_AGE", 15)
    return frozenset(c.id for c in candidates if c.case_id in subjects
                     and validity.status(c, subjects[c.case_id], day, own_from).valid)


def grants_for(user: Any) -> Grants:
    """The request's grants for the user's organisation (cached for the request only:
    a withdrawal takes effect on the very next request)."""
    cache = g.setdefault("_sig_grants", {}) if has_app_context() else {}
    key = (user.id, user.organisation_id)
    if key not in cache:
        kinds = dict(db.session.execute(select(Organisation.id, Organisation.kind)).all())
        by_kind: dict[str, list[str]] = {}
        for org_id, kind in kinds.items():
            by_kind.setdefault(kind, []).append(org_id)
        kind = kinds.get(user.organisation_id)
        rules = _rules_today(kind) if kind else []
        cache[key] = Grants(user.organisation_id, kind or "", _valid_consents(user.organisation_id),
                            [r for r in rules if not r.needs_decision],
                            [r for r in rules if r.needs_decision], by_kind)
    return cache[key]


# --- SQL: the rows a user may see -------------------------------------------------------------


def _case_condition(model: Any, column: Any) -> ColumnElement[bool]:
    """``column`` is the case of the item row.  Items without a ``case_id`` (the youth,
    guardians) say which cases they belong to through ``case_ids_sql()``."""
    if hasattr(model, "case_ids_sql"):
        return column.in_(model.case_ids_sql())
    return column == model.case_id


def _category_in(model: Any, rule: StatutoryRule) -> ColumnElement[bool]:
    if rule.categories == "*":
        return true()
    return model.category.in_(rule.categories.split(","))


def visible(user: Any, model: Any) -> ColumnElement[bool]:
    """SQL condition: the rows of ``model`` (an item table) the user may see.

    Use it together with the case condition; it never widens access to other cases.
    """
    if not sees_case_items(user):
        return false()
    grants = grants_for(user)
    org = user.organisation_id
    known = model.category.in_(sorted(KNOWN))
    own = [model.origin_org_id == org]
    addressed = getattr(model, "addressed_org_id", None)
    if addressed is not None:
        own.append(addressed == org)
    paths: list[Any] = []
    if grants.valid_consent_ids:
        paths.append(exists().where(
            ConsentGrant.consent_id.in_(sorted(grants.valid_consent_ids)),
            ConsentGrant.consent_id == Consent.id,
            _case_condition(model, Consent.case_id),
            ConsentGrant.recipient_org_id == org,
            ConsentGrant.source_org_id == model.origin_org_id,
            ConsentGrant.category == model.category,
            ConsentGrant.withdrawn_at.is_(None)))
    for rule in grants.blanket_rules:
        sources = grants.orgs_by_kind.get(rule.source_kind, [])
        if sources:
            condition = [model.origin_org_id.in_(sources), _category_in(model, rule)]
            paths.append(and_(*condition))
    for rule in grants.decision_rules:
        sources = grants.orgs_by_kind.get(rule.source_kind, [])
        if sources:
            paths.append(and_(
                model.origin_org_id.in_(sources), _category_in(model, rule),
                exists().where(
                    DisclosureItem.item_type == model.__tablename__,
                    DisclosureItem.item_id == model.id,
                    DisclosureItem.disclosure_id == Disclosure.id,
                    Disclosure.rule_id == rule.id,
                    Disclosure.recipient_org_id == org,
                    _case_condition(model, Disclosure.case_id))))
    # Preliminary-investigation material leaves its organisation by no route: the
    # secrecy protects the investigation, so neither consent nor a provision lifts it.
    shared = and_(model.pre_investigation.is_(False), or_(*paths)) if paths else false()
    return and_(known, or_(*own, shared))


# --- one item, and why ------------------------------------------------------------------------


def decide(user: Any, relation: Relation | None, item: Item) -> Decision:
    """Shown or withheld, and why, for one item of a case the user has ``relation`` to.

    :raises PolicyError: when called for a user with no relation to the case (the
        caller must have answered 404 already).
    """
    if not sees_case_items(user):
        return Decision(False, Rule.ROLE_SEES_NO_ITEMS)
    if relation is None:
        raise PolicyError("decide() called for a user outside the case")
    if item.category not in KNOWN or not item.origin_org_id:
        return Decision(False, Rule.UNKNOWN_ITEM)
    org = user.organisation_id
    if item.origin_org_id == org:
        return Decision(True, Rule.OWN_ORGANISATION)
    if getattr(item, "addressed_org_id", None) == org:
        return Decision(True, Rule.ADDRESSED_TO_ORGANISATION)
    if getattr(item, "pre_investigation", False):
        # No consent, provision or decision lifts preliminary-investigation secrecy.
        return Decision(False, Rule.PRE_INVESTIGATION)
    model = type(item)
    grants = grants_for(user)
    if grants.valid_consent_ids:
        consent_id = db.session.scalar(select(ConsentGrant.consent_id).where(
            ConsentGrant.consent_id.in_(sorted(grants.valid_consent_ids)),
            ConsentGrant.consent_id == Consent.id,
            Consent.case_id.in_(_item_case_ids(item)),
            ConsentGrant.recipient_org_id == org,
            ConsentGrant.source_org_id == item.origin_org_id,
            ConsentGrant.category == item.category,
            ConsentGrant.withdrawn_at.is_(None)).limit(1))
        if consent_id:
            return Decision(True, Rule.CONSENT, consent_id)
    for rule in grants.blanket_rules:
        if item.origin_org_id in grants.orgs_by_kind.get(rule.source_kind, []) and \
                rule.covers(item.category):
            return Decision(True, Rule.STATUTORY, rule.legal_reference)
    for rule in grants.decision_rules:
        if item.origin_org_id not in grants.orgs_by_kind.get(rule.source_kind, []) or \
                not rule.covers(item.category):
            continue
        decided = db.session.scalar(select(Disclosure.id).where(
            DisclosureItem.item_type == model.__tablename__, DisclosureItem.item_id == item.id,
            DisclosureItem.disclosure_id == Disclosure.id,
            Disclosure.rule_id == rule.id,
            Disclosure.recipient_org_id == org,
            Disclosure.case_id.in_(_item_case_ids(item))).limit(1))
        if decided:
            return Decision(True, Rule.DISCLOSURE, decided)
    return Decision(False, Rule.NO_CONSENT)


def _item_case_ids(item: Any) -> list[str]:
    if hasattr(item, "case_ids"):
        return list(item.case_ids())
    return [item.case_id]


@dataclass(frozen=True)
class Withheld:
    """A notice: ``count`` items of ``category`` from ``origin_org_id`` are not shown."""

    origin_org_id: str | None
    category: str
    count: int
    rule: Rule = Rule.NO_CONSENT

    @property
    def category_label(self) -> str:
        try:
            return Category(self.category).label
        except ValueError:
            return self.category
