"""Declared case routes: every URL under ``/cases/<case_id>`` says what it needs, and
this module does the rest the same way for all of them.

    @case_route(bp, "/cases/<id:case_id>/plan/goals/<id:goal_id>/edit",
                needs=CasePermission.EDIT_GOAL, on="goal", methods=("GET", "POST"))
    def edit_goal(at: At, goal: Goal): ...

Before the view runs:

1. the case is loaded with the user's relation to it — nobody outside the group learns
   that it exists (404, the same answer as a wrong id, and the attempt is logged);
2. ``needs`` is looked up in the one permission table (``sig.cases.rights``): a relation
   that does not carry it is refused with 403 (the person knows the case), logged;
3. every item the URL names is loaded **through the disclosure policy**
   (``consent.policy.shown_item``), within the case and within its parent item if it has
   one; an item the user may not see answers 404 exactly like one that does not exist,
   logged.  Records that are not case items (consents, disclosure decisions) are loaded
   within the case — their routes are the owner's only;
4. with ``on=``, the permission's scope is checked on that item (a member changes their
   own organisation's actions, anyone only their own minutes entry): 403, logged.

After it, the read is logged by construction: every page of a case shows case data, so an
answer that is not a redirect (a page, a form re-rendered with its errors, a file) for
which the view wrote no access-log entry about the case gets the route's own entry,
written before the answer leaves; if the log cannot be written, nothing is shown — the
request is rolled back and answered 503 (``sig.web.errors``; DESIGN §5: fail closed).

The view gets an :class:`At` (case, relation, rights) and the loaded items by name
(``goal_id`` → ``goal``).  Ids in URLs are parsed by the ``id`` converter
(``sig.web.ids``), so a malformed id never reaches a query.  ``CASE_ROUTES`` is the list
of declarations the permission matrix test reads.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, make_response, request
from flask_login import current_user
from sqlalchemy import select

from auth.permissions import Permission, requires
from consent.policy import Relation, shown_item
from kernel.audit import AuditEvent, record
from kernel.audit.log import recorded_in_this_request
from kernel.db import db
from sig.cases.access import load_case, refuse
from sig.cases.models import Case, CaseStatus
from sig.cases.rights import TABLE, CasePermission, Rights, allows


@dataclass(frozen=True)
class Item:
    """A URL argument naming a case item, loaded through the policy; ``within`` names an
    earlier argument whose item this one belongs to (``meeting_id`` for a minutes entry)."""

    model: type
    within: str | None = None
    through_policy: bool = True


def record_of_case(model: type) -> Item:
    """A record that is not a case item (a consent, a disclosure decision): loaded within
    the case, for routes only the owner has."""
    return Item(model, through_policy=False)


@dataclass(frozen=True)
class CaseRoute:
    endpoint: str
    rule: str
    methods: tuple[str, ...]
    needs: CasePermission
    on: str | None
    items: dict[str, Item] = field(default_factory=dict)


CASE_ROUTES: dict[str, CaseRoute] = {}


@dataclass
class At:
    """Where a case route's request stands: the case, the user's relation to it, and the
    table's answers for this user (``at.may(permission, item)``)."""

    case: Case
    relation: Relation
    rights: Rights

    @property
    def is_owner(self) -> bool:
        """The owner or, in her period, the deputy owner (with the owner's rights)."""
        return self.relation is Relation.OWNER

    @property
    def is_deputy(self) -> bool:
        return self.is_owner and self.case.owner_id != current_user.id

    def may(self, permission: CasePermission, item: Any | None = None) -> bool:
        return self.rights.may(permission, item)


def _load_item(case: Case, relation: Relation, loaded: dict[str, Any], spec: Item,
               value: str) -> Any:
    model = spec.model
    within = None
    if spec.within is not None:
        within = (spec.within, loaded[spec.within.removesuffix("_id")].id)
    if spec.through_policy:
        item = shown_item(current_user, relation, case, model, value, within)
    else:
        statement = select(model).where(model.case_id == case.id, model.id == value)
        if within is not None:
            statement = statement.where(getattr(model, within[0]) == within[1])
        item = db.session.scalar(statement)
    if item is None:
        refuse(case, "item_not_shown", 404, item_type=model.__tablename__)
    return item


def _owner_only(permission: CasePermission) -> bool:
    return not any(permission in row for (relation, _kind), row in TABLE.items()
                   if relation is Relation.MEMBER)


def case_route(bp: Blueprint, rule: str, *, needs: CasePermission,
               methods: Iterable[str] = ("GET",), on: str | None = None,
               items: dict[str, Item] | None = None) -> Callable[[Callable[..., Any]],
                                                                Callable[..., Any]]:
    """Register ``rule`` on ``bp`` as a case route (see the module's text)."""
    items = dict(items or {})
    if on is not None and f"{on}_id" not in items:
        raise TypeError(f"{rule}: on={on!r} names no item of the route")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handle(case_id: str, **arguments: str) -> Any:
            case, relation = load_case(case_id)
            if not allows(current_user, relation, needs):
                refuse(case, "owner_only" if _owner_only(needs) else "not_allowed",
                       needs=str(needs))
            loaded: dict[str, Any] = {}
            for arg, spec in items.items():
                loaded[arg.removesuffix("_id")] = _load_item(case, relation, loaded, spec,
                                                             arguments.pop(arg))
            if on is not None and not allows(current_user, relation, needs, loaded[on]):
                refuse(case, "not_allowed", needs=str(needs), item_type=on)
            at = At(case, relation, Rights(current_user, relation,
                                           closed=case.status == CaseStatus.CLOSED.value))
            response = make_response(view(at, **loaded, **arguments))
            # Anything but a redirect shows the case: a page, a form re-rendered with its
            # errors (400) or a conflict (409), a file.
            if not 300 <= response.status_code < 400 and not recorded_in_this_request(case.id):
                record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=case.id,
                       details={"page": request.endpoint, "relation": str(relation)})
                db.session.commit()
            return response

        requires(Permission.WORK_IN_CASES, deny_status=404)(handle)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handle,
                        methods=list(methods))
        endpoint = f"{bp.name}.{view.__name__}"
        CASE_ROUTES[endpoint] = CaseRoute(endpoint, rule, tuple(methods), needs, on, items)
        return handle

    return decorate
