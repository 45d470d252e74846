"""Who owns a case over time: handover to another case owner, and deputy owners.

* **Handover.** The owner — or the unit manager, when the owner is away or has left —
  offers the case to another active case owner of the case's organisation; the case
  changes hands when she accepts (until then she sees the pseudonym and who offered it,
  nothing of the case).  One open offer per case.  The accepted offers are the
  ownership history.  On the handover the case's deputies end (the new owner names her
  own) and, if the new owner was in the group, her membership ends: an owner is not a
  member.
* **Deputy owner (ersättare).** The owner names a case owner of her organisation for a
  period; in it the deputy has the owner's rights (``sig.cases.access.relation_to``),
  and her entries in the access log say she acted as deputy.  A deputy neither hands the
  case over nor names deputies: those are the owner's.

Every write is logged with ids only and committed in one transaction.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from auth.models import User
from auth.roles import OrganisationKind, Role
from consent.policy import Relation
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.models import Case, CaseStatus, Deputy, Handover, HandoverState, Membership
from sig.cases.operations import CaseError


def may_own(user: User | None, case: Case) -> bool:
    """Whether ``user`` can own ``case``: an active case owner of its organisation."""
    return (user is not None and user.active and user.role == Role.CASE_OWNER.value
            and user.organisation_id == case.origin_org_id)


def is_unit_manager(user: Any) -> bool:
    """A manager in social services: the unit manager of its SIG case owners."""
    organisation = getattr(user, "organisation", None)
    return (user.role == Role.MANAGER.value and organisation is not None
            and organisation.kind == OrganisationKind.SOCIAL_SERVICES.value)


def is_unit_manager_of(user: Any, case: Case) -> bool:
    """The unit manager of the organisation that owns the case may hand it over; she
    sees no case content by that."""
    return is_unit_manager(user) and user.organisation_id == case.origin_org_id


def successors_in(organisation_id: str) -> list[User]:
    """The organisation's active case owners, by name: whom its cases can be offered to."""
    found = db.session.scalars(select(User).where(
        User.organisation_id == organisation_id, User.active.is_(True),
        User.role == Role.CASE_OWNER.value))
    return sorted(found, key=lambda u: (u.display_name or u.username).casefold())


def successors(case: Case) -> list[User]:
    """Whom the case can be offered to: the organisation's other active case owners."""
    return [u for u in successors_in(case.origin_org_id) if u.id != case.owner_id]


def pending_offer(case: Case) -> Handover | None:
    return db.session.scalar(select(Handover).where(
        Handover.case_id == case.id, Handover.state == HandoverState.PENDING.value))


# --- handover ---------------------------------------------------------------------------


def offer(actor: Any, case: Case, to_user: User | None) -> Handover:
    """Offer ``case`` to ``to_user``.  ``actor`` is the owner or the unit manager (the
    caller has checked which).

    :raises CaseError: ``already_closed``, ``already_owner``, ``not_a_case_owner_here``,
        ``handover_pending``.
    """
    if case.status == CaseStatus.CLOSED.value:
        raise CaseError("already_closed")
    if to_user is not None and to_user.id == case.owner_id:
        raise CaseError("already_owner")
    if not may_own(to_user, case):
        raise CaseError("not_a_case_owner_here")
    if pending_offer(case) is not None:
        raise CaseError("handover_pending")
    handover = Handover(case_id=case.id, from_owner_id=case.owner_id, to_owner_id=to_user.id,
                        proposed_by_id=actor.id, state=HandoverState.PENDING.value)
    db.session.add(handover)
    try:  # one open offer per case (a partial unique index): a double click offers once
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise CaseError("handover_pending") from None
    record(AuditEvent.CASE_HANDOVER_OFFERED, target_type="case", target_ref=case.id,
           details={"handover": handover.id, "to_owner": to_user.id,
                    "from_owner": case.owner_id,
                    "by_manager": actor.id != case.owner_id})
    db.session.commit()
    return handover


def _close_offer(handover: Handover, state: HandoverState,
                 at: dt.datetime | None = None) -> bool:
    """Move a pending offer to ``state`` (decided ``at``, default now); False when it was
    no longer pending (decided meanwhile: a second click, or two people at once)."""
    done = db.session.execute(
        update(Handover).where(Handover.id == handover.id,
                               Handover.state == HandoverState.PENDING.value)
        .values(state=state.value, decided_at=at or clock.now())
        .execution_options(synchronize_session=False)).rowcount
    return bool(done)


def withdraw_on_close(_user: Any, case: Case) -> dict[str, int]:
    """Closing the case withdraws its open offer: a closed case does not change hands, and
    the one it was offered to could only be refused.  In the closing's transaction (the
    offer is withdrawn at the moment the case is closed, which is how undoing the closing
    finds it)."""
    handover = pending_offer(case)
    if handover is None or not _close_offer(handover, HandoverState.WITHDRAWN, case.closed_at):
        return {}  # (none, or answered at this very moment: the closing decides the rest)
    record(AuditEvent.CASE_HANDOVER_WITHDRAWN, target_type="case", target_ref=case.id,
           details={"handover": handover.id, "reason": "case_closed"})
    return {"offers_withdrawn": 1}


def renew_on_reopen(_user: Any, case: Case) -> dict[str, int]:
    """Undoing the closing renews the offer the closing withdrew (if the one it was offered
    to may still own the case)."""
    handover = db.session.scalar(select(Handover).where(
        Handover.case_id == case.id, Handover.state == HandoverState.WITHDRAWN.value,
        Handover.decided_at == case.closed_at))
    if handover is None or case.closed_at is None or not may_own(handover.to_owner, case):
        return {}
    renewed = db.session.execute(
        update(Handover).where(Handover.id == handover.id,
                               Handover.state == HandoverState.WITHDRAWN.value)
        .values(state=HandoverState.PENDING.value, decided_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if not renewed:
        return {}
    record(AuditEvent.CASE_HANDOVER_OFFERED, target_type="case", target_ref=case.id,
           details={"handover": handover.id, "to_owner": handover.to_owner_id,
                    "from_owner": handover.from_owner_id, "reason": "case_reopened"})
    return {"offers_renewed": 1}


def withdraw(actor: Any, handover: Handover) -> None:
    """:raises CaseError("handover_decided"): it was accepted or declined meanwhile."""
    if not _close_offer(handover, HandoverState.WITHDRAWN):
        db.session.rollback()
        raise CaseError("handover_decided")
    record(AuditEvent.CASE_HANDOVER_WITHDRAWN, target_type="case", target_ref=handover.case_id,
           details={"handover": handover.id})
    db.session.commit()


def decline(user: Any, handover: Handover) -> None:
    if handover.to_owner_id != user.id or not _close_offer(handover, HandoverState.DECLINED):
        db.session.rollback()
        raise CaseError("handover_decided")
    record(AuditEvent.CASE_HANDOVER_DECLINED, target_type="case", target_ref=handover.case_id,
           details={"handover": handover.id})
    db.session.commit()


def accept(user: Any, handover: Handover) -> Case:
    """The case becomes ``user``'s.

    :raises CaseError: ``handover_decided`` (withdrawn, declined or accepted meanwhile),
        ``already_closed``, ``not_a_case_owner_here`` (she may no longer own it).
    """
    case = handover.case
    if handover.to_owner_id != user.id or handover.state != HandoverState.PENDING.value:
        raise CaseError("handover_decided")
    if case.status == CaseStatus.CLOSED.value:
        raise CaseError("already_closed")
    if not may_own(user, case):
        raise CaseError("not_a_case_owner_here")
    if not _close_offer(handover, HandoverState.ACCEPTED):
        db.session.rollback()
        raise CaseError("handover_decided")
    now = clock.now()
    previous = case.owner_id
    case.owner_id = user.id
    case.updated_at = now
    deputies = list(db.session.scalars(select(Deputy).where(
        Deputy.case_id == case.id, Deputy.ended_at.is_(None))))
    for deputy in deputies:
        deputy.ended_at = now
    membership = db.session.scalar(select(Membership).where(
        Membership.case_id == case.id, Membership.user_id == user.id,
        Membership.removed_at.is_(None)))
    if membership is not None:
        membership.removed_at = now
        membership.to_date = clock.local_day(now)
    try:
        db.session.flush()
    except StaleDataError:  # the case changed meanwhile (closed, or another handover)
        db.session.rollback()
        raise CaseError("handover_decided") from None
    record(AuditEvent.CASE_HANDOVER_ACCEPTED, target_type="case", target_ref=case.id,
           details={"handover": handover.id, "from_owner": previous,
                    "deputies_ended": len(deputies)})
    db.session.commit()
    return case


@functools.cache
def _offers_to() -> Select:
    """Built once per process; bound: ``user_id``."""
    return (select(Handover).where(Handover.to_owner_id == bindparam("user_id"),
                                   Handover.state == HandoverState.PENDING.value)
            .options(joinedload(Handover.case), joinedload(Handover.proposed_by))
            .order_by(Handover.proposed_at))


def offers_to(user: Any) -> list[Handover]:
    """Open offers to ``user``, oldest first (the start page lists them)."""
    return list(db.session.scalars(_offers_to(), {"user_id": user.id}))


@dataclass(frozen=True)
class Period:
    """One owner's time with the case."""

    owner: User
    start: dt.datetime
    end: dt.datetime | None
    handed_over_by: User | None


def history(case: Case) -> list[Period]:
    """Who owned the case when: the owner who opened it, then each accepted handover."""
    accepted = list(db.session.scalars(
        select(Handover).where(Handover.case_id == case.id,
                               Handover.state == HandoverState.ACCEPTED.value)
        .options(joinedload(Handover.from_owner), joinedload(Handover.to_owner),
                 joinedload(Handover.proposed_by))
        .order_by(Handover.decided_at)))
    first = accepted[0].from_owner if accepted else case.owner
    periods = [Period(first, case.created_at, None, None)]
    for handover in accepted:
        last = periods[-1]
        periods[-1] = Period(last.owner, last.start, handover.decided_at,
                             last.handed_over_by)
        periods.append(Period(handover.to_owner, handover.decided_at, None,
                              handover.proposed_by))
    return periods


# --- deputies ---------------------------------------------------------------------------


def deputy_choices(case: Case) -> list[User]:
    """Who can be named deputy: the organisation's other active case owners."""
    return successors(case)


@functools.cache
def _standing_statement() -> Select:
    """Built once per process; bound: ``case_id`` and ``day``."""
    return (select(Deputy, Handover).select_from(Case)
            .outerjoin(Deputy, and_(Deputy.case_id == Case.id, Deputy.ended_at.is_(None),
                                    Deputy.to_date >= bindparam("day")))
            .outerjoin(Handover, and_(Handover.case_id == Case.id,
                                      Handover.state == HandoverState.PENDING.value))
            .where(Case.id == bindparam("case_id"))
            .options(joinedload(Deputy.user), joinedload(Handover.to_owner))
            .order_by(Deputy.from_date, Deputy.id))


def standing(case: Case) -> tuple[list[Deputy], Handover | None]:
    """The case's deputies not ended (current and coming, in date order, each with her
    user) and its open offer (with whom it is offered to) — one statement: the offer,
    at most one, is joined beside each deputy row."""
    rows = db.session.execute(_standing_statement(),
                              {"case_id": case.id, "day": clock.local_today()}).all()
    named = [deputy for deputy, _offer in rows if deputy is not None]
    offer = next((offer for _deputy, offer in rows if offer is not None), None)
    return named, offer


def name_deputy(actor: Any, case: Case, user: User | None, from_date: dt.date,
                to_date: dt.date) -> Deputy:
    """:raises CaseError: ``already_closed``, ``not_a_case_owner_here``,
    ``owner_is_not_deputy``, ``end_before_start``, ``period_over``, ``deputy_overlaps``."""
    if case.status == CaseStatus.CLOSED.value:
        raise CaseError("already_closed")
    if user is not None and user.id == case.owner_id:
        raise CaseError("owner_is_not_deputy")
    if not may_own(user, case):
        raise CaseError("not_a_case_owner_here")
    if to_date < from_date:
        raise CaseError("end_before_start")
    if to_date < clock.local_today():
        raise CaseError("period_over")
    overlapping = db.session.scalar(select(Deputy.id).where(
        Deputy.case_id == case.id, Deputy.user_id == user.id, Deputy.ended_at.is_(None),
        Deputy.from_date <= to_date, Deputy.to_date >= from_date).limit(1))
    if overlapping is not None:
        raise CaseError("deputy_overlaps")
    deputy = Deputy(case_id=case.id, user_id=user.id, from_date=from_date, to_date=to_date,
                    named_by_id=actor.id)
    db.session.add(deputy)
    db.session.flush()
    record(AuditEvent.DEPUTY_NAMED, target_type="case", target_ref=case.id,
           details={"deputy": deputy.id, "user": user.id,
                    "period": {"from": from_date.isoformat(),
                                          "to": to_date.isoformat()}})
    db.session.commit()
    return deputy


def end_deputy(case: Case, deputy: Deputy) -> None:
    """The deputy loses the owner's rights on her very next request."""
    if deputy.ended_at is None:
        deputy.ended_at = clock.now()
        record(AuditEvent.DEPUTY_ENDED, target_type="case", target_ref=case.id,
               details={"deputy": deputy.id, "user": deputy.user_id})
    db.session.commit()


@dataclass(frozen=True)
class Notice:
    """On the case page, for the owner and her deputy: the deputies and an open offer."""

    deputies: list[Deputy]
    offer: Handover | None
    acting_as_deputy: bool


def case_notice(user: Any, view: Any) -> Notice | None:
    if view.relation is not Relation.OWNER or view.read_only:
        return None
    named, offer = standing(view.case)
    return Notice(named, offer, view.case.owner_id != user.id)


# --- the unit manager's list -------------------------------------------------------------


@dataclass(frozen=True)
class OpenCase:
    """An open case as the unit manager sees it: pseudonym and owner, nothing else."""

    case: Case
    owner: User
    offer: Handover | None

    @property
    def owner_gone(self) -> bool:
        return not self.owner.active or self.owner.organisation_id != self.case.origin_org_id


def _owner_gone() -> Any:
    """SQL for :attr:`OpenCase.owner_gone` (the query joins the owner as ``User``)."""
    return or_(User.active.is_(False), User.organisation_id != Case.origin_org_id)


def _open_cases(manager: Any) -> Select:
    return (select(Case, User).join(User, Case.owner_id == User.id)
            .where(Case.origin_org_id == manager.organisation_id,
                   Case.status != CaseStatus.CLOSED.value, Case.purged_at.is_(None)))


def open_cases_of(manager: Any, *, owner_id: str | None = None,
                  case_ids: Iterable[str] | None = None) -> Select:
    """``(Case, User)`` rows: the organisation's open cases with their owners (of one
    owner, or just ``case_ids``, when asked) — the cases of owners who are deactivated
    or have left the organisation first, then owner by owner, oldest referral first.
    A statement, for the page to read one page of (a municipality has thousands)."""
    query = _open_cases(manager)
    if owner_id is not None:
        query = query.where(Case.owner_id == owner_id)
    if case_ids is not None:
        query = query.where(Case.id.in_(sorted(case_ids)))
    return query.order_by(sql_case((_owner_gone(), 0), else_=1), User.username,
                          Case.referral_date, Case.id)


@dataclass(frozen=True)
class OwnerLoad:
    """A case owner of the manager's organisation and how many open cases she owns."""

    owner: User
    cases: int
    gone: bool


def owners_of_open_cases(manager: Any) -> list[OwnerLoad]:
    """Everyone who owns an open case of the organisation, with the count; those who are
    deactivated or have left first, then by name."""
    rows = db.session.execute(
        _open_cases(manager).with_only_columns(User, func.count(Case.id))
        .group_by(User.id)).all()
    loads = [OwnerLoad(user, count, not user.active
                       or user.organisation_id != manager.organisation_id)
             for user, count in rows]
    return sorted(loads, key=lambda o: (not o.gone, (o.owner.display_name or "").casefold()))


def pending_offers(case_ids: Iterable[str]) -> dict[str, Handover]:
    """The open offer of each of ``case_ids`` that has one, with whom it is offered to."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return {h.case_id: h for h in db.session.scalars(
        select(Handover).where(Handover.state == HandoverState.PENDING.value,
                               Handover.case_id.in_(ids))
        .options(joinedload(Handover.to_owner)))}
