"""What a person may *do* in a case: one table, relation × organisation kind → permission.

What a person may *see* is the disclosure policy's (``consent.policy``); this table only
says which acts a relation to the case carries, and over which items.  Every case route
declares the permission it needs (``sig.cases.routes.case_route``), the operations check
the same table before they write, and the read model offers a link or a form only where
the same answer is yes — one rule, read three ways.

The scope says over which items a permission holds once the item is shown:

* ``CASE`` — any item of the case the policy shows the person;
* ``OWN_ORGANISATION`` — items recorded by, or addressed to, the person's organisation
  (and acts on its behalf only: a member adds actions for it, the police record police
  reports);
* ``OWN`` — the person's own row (their attendance), or an item the person recorded.
"""
from __future__ import annotations

import enum
from typing import Any

from auth.roles import OrganisationKind
from consent.policy import Relation, addressed_org_of


class CasePermission(enum.StrEnum):
    """Keep the list in the order of the case's life."""

    READ = "read"                              # case page, print, meetings, history
    MANAGE_GROUP = "manage_group"              # add and remove group members
    MANAGE_CASE = "manage_case"                # agree the plan, close the case
    MANAGE_CONSENTS = "manage_consents"        # record, withdraw, print, signed forms
    DECIDE_DISCLOSURES = "decide_disclosures"  # OSL 10:18 a decisions, and reading them
    VIEW_SHARING = "view_sharing"              # the sharing overview and "view as"
    ADD_GOAL = "add_goal"
    EDIT_GOAL = "edit_goal"
    ADD_ACTION = "add_action"
    EDIT_ACTION = "edit_action"                # what, person, dates, status, follow-up
    MANAGE_MEETINGS = "manage_meetings"        # schedule, change, cancel, participants
    RECORD_ATTENDANCE = "record_attendance"
    WRITE_MINUTES = "write_minutes"
    EDIT_MINUTES = "edit_minutes"
    RECORD_OUTCOMES = "record_outcomes"        # police reports, concern reports, conversations
    SUBJECT_ACCESS = "subject_access"          # the register extract (GDPR art. 15)
    HAND_OVER = "hand_over"                    # hand the case over, name deputies
    ADD_DOCUMENT = "add_document"              # attach a document (the organisation's)


# A closed case's plan is read-only (the rest of a closed case has rules of its own).
PLAN_CHANGES = frozenset({CasePermission.ADD_GOAL, CasePermission.EDIT_GOAL,
                          CasePermission.ADD_ACTION, CasePermission.EDIT_ACTION})


class Scope(enum.Enum):
    CASE = "case"
    OWN_ORGANISATION = "own_organisation"
    OWN = "own"


P, S = CasePermission, Scope

_MEMBER: dict[CasePermission, Scope] = {
    P.READ: S.CASE,
    # A member's goal is their organisation's item, so a member who sees none of social
    # services' goals can still plan their own part.
    P.ADD_GOAL: S.OWN_ORGANISATION,
    P.EDIT_GOAL: S.OWN_ORGANISATION,
    P.ADD_ACTION: S.OWN_ORGANISATION,
    P.EDIT_ACTION: S.OWN_ORGANISATION,
    P.RECORD_ATTENDANCE: S.OWN,
    P.WRITE_MINUTES: S.CASE,
    P.EDIT_MINUTES: S.OWN,
    P.ADD_DOCUMENT: S.OWN_ORGANISATION,
}

# (relation, kind of the person's organisation or None for every kind) → what it carries.
# The owner is social services by construction (a case is opened by a case owner there).
TABLE: dict[tuple[Relation, OrganisationKind | None], dict[CasePermission, Scope]] = {
    (Relation.OWNER, None): {
        P.READ: S.CASE, P.MANAGE_GROUP: S.CASE, P.MANAGE_CASE: S.CASE,
        P.MANAGE_CONSENTS: S.CASE, P.DECIDE_DISCLOSURES: S.CASE, P.VIEW_SHARING: S.CASE,
        P.ADD_GOAL: S.CASE, P.EDIT_GOAL: S.CASE, P.ADD_ACTION: S.CASE,
        P.EDIT_ACTION: S.CASE, P.MANAGE_MEETINGS: S.CASE, P.RECORD_ATTENDANCE: S.CASE,
        P.WRITE_MINUTES: S.CASE, P.EDIT_MINUTES: S.OWN, P.RECORD_OUTCOMES: S.CASE,
        P.SUBJECT_ACCESS: S.CASE, P.HAND_OVER: S.CASE, P.ADD_DOCUMENT: S.CASE,
    },
    (Relation.MEMBER, None): _MEMBER,
    # The police record their own kind of event (police reports) in the cases they are in.
    (Relation.MEMBER, OrganisationKind.POLICE): {**_MEMBER, P.RECORD_OUTCOMES: S.OWN_ORGANISATION},
}


def _kind(user: Any) -> OrganisationKind | None:
    organisation = getattr(user, "organisation", None)
    kind = getattr(organisation, "kind", None)
    return OrganisationKind(kind) if kind in set(OrganisationKind) else None


def scope(user: Any, relation: Relation | None, permission: CasePermission) -> Scope | None:
    """How far ``permission`` reaches for this user in a case they have ``relation`` to;
    None: not at all (deny by default — no relation, no row, no permission)."""
    if relation is None:
        return None
    row = TABLE.get((relation, _kind(user)), TABLE.get((relation, None), {}))
    return row.get(permission)


def covers(user: Any, reach: Scope | None, item: Any | None) -> bool:
    """Whether ``reach`` includes ``item`` (an item the policy already shows the user)."""
    if reach is None:
        return False
    if item is None or reach is Scope.CASE:
        return True
    if reach is Scope.OWN_ORGANISATION:
        own = user.organisation_id
        return own is not None and own in (getattr(item, "origin_org_id", None),
                                           addressed_org_of(item))
    # A row about a person (an attendance row) is that person's; any other item is its
    # writer's.
    person = getattr(item, "user_id", None) if hasattr(item, "user_id") else getattr(
        item, "created_by_id", None)
    return reach is Scope.OWN and user.id is not None and person == user.id


def allows(user: Any, relation: Relation | None, permission: CasePermission,
           item: Any | None = None) -> bool:
    """The one answer to "may this person do this here (to this item)?"."""
    return covers(user, scope(user, relation, permission), item)


class Rights:
    """The table for one reader of one case page, for templates: ``rights.may(p, item)``.

    Read-only pages ("view as") answer no to every act, and a closed case's plan is
    read-only.  Items passed in were loaded through the policy, so this only compares
    ids; it runs no statement.
    """

    def __init__(self, user: Any, relation: Relation | None, *, read_only: bool = False,
                 closed: bool = False) -> None:
        self.user, self.relation = user, relation
        self.read_only, self.closed = read_only, closed

    def may(self, permission: CasePermission | str, item: Any | None = None) -> bool:
        permission = CasePermission(permission)
        if self.read_only and permission is not CasePermission.READ:
            return False
        if self.closed and permission in PLAN_CHANGES:
            return False
        return allows(self.user, self.relation, permission, item)
