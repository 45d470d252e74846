"""Need to know: who has a relation to a case, and the one loader every case route uses
(``sig.cases.routes``)."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, NoReturn

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select, union
from sqlalchemy.orm import joinedload

from consent.policy import Relation, sees_case_items
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.audit.log import acting_as
from kernel.db import db
from kernel.planner import unindexed
from sig.cases import subjects
from sig.cases.models import Case, Deputy, Membership


def today() -> dt.date:
    return clock.local_today()


def current_membership(user_id: str | None, day: dt.date,
                       org_id: str | None = None) -> ColumnElement[bool]:
    """SQL: the membership row is current on ``day`` and the user's (any user's with
    None), and with ``org_id`` granted for that organisation: a membership does not
    follow a person who moves."""
    bound = [unindexed(Membership.member_org_id) == org_id] if org_id is not None else []
    if user_id is not None:
        bound.append(Membership.user_id == user_id)
    return and_(
        *bound,
        Membership.removed_at.is_(None),
        Membership.from_date <= day,
        or_(Membership.to_date.is_(None), Membership.to_date >= day),
    )


def group_organisations(case: Any, day: dt.date,
                        memberships: Iterable[Membership] | None = None) -> set[str]:
    """The organisations in the case's group on ``day``: the owner's, and each current
    member's (of ``memberships`` when the caller read them, else the case's).  A stand-in
    at a meeting comes from one of them."""
    found = case.memberships if memberships is None else memberships
    return {case.origin_org_id} | {m.member_org_id for m in found if m.current_on(day)}


def deputy_of(user_id: str, day: dt.date) -> Select:
    """The ids of the cases in which the user is deputy owner on ``day`` (named for a
    period that includes it, not ended).  A deputy has the owner's rights there while
    she is in the case's organisation (the callers add that)."""
    return select(Deputy.case_id).where(
        Deputy.user_id == user_id, Deputy.ended_at.is_(None), Deputy.from_date <= day,
        Deputy.to_date >= day)


def accessible(user: Any) -> ColumnElement[bool]:
    """SQL condition on ``Case``: the user owns it, is its deputy owner today, or is a
    current group member.

    Written as the ids of the three (owned, deputy of, member of) rather than an OR over every case,
    so the database reads the user's cases through its indexes instead of walking them
    all."""
    if not sees_case_items(user):
        return Case.id.is_(None)  # matches nothing
    return _accessible(user.id, user.organisation_id, today())


def accessible_bound() -> ColumnElement[bool]:
    """:func:`accessible` for a statement built once per process: the user and the day
    are bound when it runs (:func:`access_binds`).  The caller has asked
    ``sees_case_items`` first."""
    return _accessible(bindparam("user_id"), bindparam("org_id"), bindparam("day"))


def access_binds(user: Any) -> dict[str, Any]:
    return {"user_id": user.id, "org_id": user.organisation_id, "day": today()}


def _accessible(user_id: Any, org_id: Any, day: Any) -> ColumnElement[bool]:
    owned = select(Case.id).where(Case.owner_id == user_id,
                                  unindexed(Case.origin_org_id) == org_id)
    deputy = select(Case.id).where(Case.id.in_(deputy_of(user_id, day)),
                                   unindexed(Case.origin_org_id) == org_id)
    member_of = select(Membership.case_id).where(current_membership(user_id, day, org_id))
    # a purged case (sig.retention) is shown to no one: its documentation is gone
    return and_(Case.id.in_(union(owned, deputy, member_of)), Case.purged_at.is_(None))


def _deputy_today(user: Any, case_id: Any) -> Any:
    return deputy_of(user.id, today()).where(Deputy.case_id == case_id).exists()


def _member_today(user: Any, case_id: Any) -> Any:
    return exists().where(Membership.case_id == case_id,
                          current_membership(user.id, today(), user.organisation_id))


def is_deputy(user: Any, case: Case) -> bool:
    """Whether the user is the case's deputy owner today (in the case's organisation)."""
    return (case.origin_org_id == user.organisation_id
            and bool(db.session.scalar(select(_deputy_today(user, case.id)))))


def relation_to(user: Any, case: Case, *, deputy: bool | None = None,
                member: bool | None = None) -> Relation | None:
    """The user's relation to the case today.  ``deputy`` and ``member``: whether the user
    is named its deputy and is a current member, when the caller read them with the case
    (``load_case``); read here otherwise."""
    if not sees_case_items(user) or case.purged_at is not None:
        return None
    if case.owner_id == user.id and case.origin_org_id == user.organisation_id:
        return Relation.OWNER
    if case.origin_org_id == user.organisation_id and (
            deputy if deputy is not None else is_deputy(user, case)):
        acting_as(case.id, "deputy")  # the deputy's reads and writes are logged as hers
        return Relation.OWNER
    if member is None:
        member = bool(db.session.scalar(select(_member_today(user, case.id))))
    return Relation.MEMBER if member else None


@functools.cache
def _case_statement() -> Select:
    """:func:`load_case`'s statement, built once per process; bound: ``case_id``, and
    ``user_id``, ``org_id`` and ``day`` for the user's relation."""
    user_id, day = bindparam("user_id"), bindparam("day")
    deputy = deputy_of(user_id, day).where(Deputy.case_id == Case.id).exists()
    member = exists().where(Membership.case_id == Case.id,
                            current_membership(user_id, day, bindparam("org_id")))
    return subjects.with_youth(select(Case, deputy, member)
                               .where(Case.id == bindparam("case_id"))
                               .options(joinedload(Case.owner)))


def load_case(case_id: str) -> tuple[Case, Relation]:
    """The case and the user's relation to it, or 404 — and the attempt is logged.
    One statement: the case, its owner (named on every case page), whether the user
    is its deputy or a member today, and the youth with its guardians (held for the
    consent rules and the page: ``sig.cases.subjects``).

    A wrong id and a case the user is not in answer the same, so nobody learns
    which cases exist.
    """
    user = current_user
    rows = db.session.execute(_case_statement(), {
        "case_id": case_id, "user_id": user.id, "org_id": user.organisation_id,
        "day": today()}).unique().all()
    found = rows[0] if rows else None
    case = found[0] if found is not None else None
    relation = (relation_to(user, case, deputy=bool(found[1]), member=bool(found[2]))
                if case is not None else None)
    if relation is not None:
        subjects.hold(case.id, found[3])
    if case is None or relation is None:
        record(AuditEvent.ACCESS_DENIED, target_type="case",
               target_ref=case.id if case is not None else None, outcome="denied",
               details={"reason": "not_in_group" if case is not None else "no_such_case"})
        db.session.commit()
        abort(404)
    return case, relation


def refuse(case: Case, reason: str, status: int = 403, **details: Any) -> NoReturn:
    """Refuse a request about a case, log the attempt, and answer ``status``.

    403 where the user knows what they asked for (a member asking for an owner's
    page); 404 where even the item's existence must not be confirmed.
    """
    record(AuditEvent.ACCESS_DENIED, target_type="case", target_ref=case.id, outcome="denied",
           details={"reason": reason, **details})
    db.session.commit()
    abort(status)
