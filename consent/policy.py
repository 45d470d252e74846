"""The disclosure policy: the one place that decides what a user sees of a case.

Rules in force (DESIGN §4; consent and statutory provisions arrive with the consent work):

1. **Need to know.** Only the case owner and current group members learn that a case
   exists.  Everyone else gets 404 (``case_access`` returns ``None``).
2. **Own organisation.** A member sees items their own organisation recorded, and
   items *addressed to* their organisation (an action it is responsible for, a meeting
   it is invited to) — what it needs to do its part of the plan.
5. **Managers, admins and auditors** see no items at all.
6. **Deny by default.** An item of unknown category or origin is withheld; a state
   that should not occur raises :class:`PolicyError` instead of showing anything.

Every list is filtered in SQL with :func:`visible` and counted with :func:`withheld`,
so a list, a count and a page cannot disagree.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, or_

from auth.roles import Role
from consent.categories import KNOWN, Category

CASE_ROLES = frozenset({Role.CASE_OWNER, Role.MEMBER})


class PolicyError(RuntimeError):
    """The policy met a state that should never happen; nothing is shown."""


class Relation(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Rule(enum.StrEnum):
    OWN_ORGANISATION = "own_organisation"
    ADDRESSED_TO_ORGANISATION = "addressed_to_organisation"
    NO_CONSENT = "no_consent"  # another organisation's item; no consent or provision covers it
    ROLE_SEES_NO_ITEMS = "role_sees_no_items"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class Decision:
    shown: bool
    rule: Rule
    basis: str | None = None  # the consent or legal basis, when one applies


class Item(Protocol):
    """What the policy knows of a piece of case information."""

    origin_org_id: str | None
    category: str | None


def addressed_org_of(item: Any) -> str | None:
    return getattr(item, "addressed_org_id", None)


def sees_case_items(user: Any) -> bool:
    return user is not None and user.is_authenticated and Role(user.role) in CASE_ROLES


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
    if item.origin_org_id == user.organisation_id:
        return Decision(True, Rule.OWN_ORGANISATION)
    if addressed_org_of(item) == user.organisation_id:
        return Decision(True, Rule.ADDRESSED_TO_ORGANISATION)
    return Decision(False, Rule.NO_CONSENT)


def visible(user: Any, model: Any) -> ColumnElement[bool]:
    """SQL condition: the rows of ``model`` (an item table) the user may see.

    Use together with the case condition; it never widens access to other cases.
    """
    if not sees_case_items(user):
        return false()
    known = model.category.in_(sorted(KNOWN))
    mine = model.origin_org_id == user.organisation_id
    addressed = getattr(model, "addressed_org_id", None)
    if addressed is not None:
        mine = or_(mine, addressed == user.organisation_id)
    return and_(known, mine)


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
