"""Writes to cases and groups: validate, change, audit — one transaction each."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from auth.admin.operations import AdminError
from auth.models import User
from consent.categories import Category
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from kernel.versioned import reloaded
from sig.cases.models import Case, CaseStatus, CloseReason, Membership, ReferralSource
from sig.youths.models import Youth


class CaseError(ValueError):
    """A request the user must correct; ``code`` selects the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def open_case(user: Any, youth: Youth, source: str, referral_date: dt.date,
              note: str) -> Case:
    """:raises CaseError("open_case_exists"): one open case per youth — also when the form
    is sent twice at once: the database's partial unique index decides."""
    if db.session.scalar(select(Case.id).where(Case.youth_id == youth.id,
                                               Case.status != CaseStatus.CLOSED.value)):
        raise CaseError("open_case_exists")
    if referral_date > clock.local_today():
        raise CaseError("future_date")
    case = Case(youth_id=youth.id, owner_id=user.id, status=CaseStatus.REFERRED.value,
                referral_source=str(ReferralSource(source)), referral_date=referral_date,
                origin_org_id=user.organisation_id, category=Category.COORDINATION.value,
                created_by_id=user.id)
    case.referral_note = note.strip() or None
    db.session.add(case)
    try:
        db.session.flush()
        record(AuditEvent.CASE_OPENED, target_type="case", target_ref=case.id,
               details={"referral_source": case.referral_source})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CaseError("open_case_exists") from None
    return case


def _actor() -> Any:
    """The user of the request (a command acts as no one in particular)."""
    from flask import has_request_context
    from flask_login import current_user

    return current_user._get_current_object() if has_request_context() else None


def _status_error(case: Case, reopening: bool = False) -> CaseError:
    """Why a status change cannot be made to the case as it is saved now."""
    if reopening:
        return CaseError("not_closed")
    if case.status == CaseStatus.CLOSED.value:
        return CaseError("already_closed")
    if case.status == CaseStatus.ACTIVE.value:
        return CaseError("already_active")
    return CaseError("not_referred")


def _save_status(case: Case, event: AuditEvent, details: dict[str, Any], *,
                 reopening: bool = False) -> None:
    """Write a status change; if the case was changed meanwhile (the same button pressed
    twice at once), nothing is written and the answer is the one a later click gets."""
    try:
        db.session.flush()
    except StaleDataError:
        raise _status_error(reloaded(case), reopening) from None
    record(event, target_type="case", target_ref=case.id, details=details)
    db.session.commit()


def agree_plan(case: Case) -> None:
    if case.status != CaseStatus.REFERRED.value:
        raise _status_error(case)
    case.status = CaseStatus.ACTIVE.value
    case.plan_agreed_on = clock.local_today()
    case.updated_at = clock.now()
    _save_status(case, AuditEvent.CASE_UPDATED, {"status": case.status})


# What other domains do when a case closes or its closing is undone (the plan ends and
# restores its open actions; an open handover offer is withdrawn and renewed):
# ``hook(user, case) -> counts`` for the closing's log entry, in the same transaction.
# A reopening hook runs while the case still has its closing's time.
CaseHook = Callable[[Any, Case], dict[str, int]]
_close_hooks: list[CaseHook] = []
_reopen_hooks: list[CaseHook] = []


def on_close(close: CaseHook, reopen: CaseHook) -> None:
    if close not in _close_hooks:
        _close_hooks.append(close)
        _reopen_hooks.append(reopen)


def close_case(case: Case, reason: str, closed_on: dt.date) -> None:
    if case.status == CaseStatus.CLOSED.value:
        raise CaseError("already_closed")
    if closed_on < case.referral_date:
        raise CaseError("end_before_start")
    if closed_on > clock.local_today():
        raise CaseError("future_date")
    case.status = CaseStatus.CLOSED.value
    case.close_reason = str(CloseReason(reason))
    case.closed_on = closed_on
    case.closed_at = case.updated_at = clock.now()
    details: dict[str, Any] = {"reason": case.close_reason}
    with db.session.no_autoflush:  # (a double click is caught at the status's flush)
        for hook in _close_hooks:
            details |= hook(_actor() or case.owner, case)
    _save_status(case, AuditEvent.CASE_CLOSED, details)


def reopen_until(case: Case, days: int) -> dt.datetime | None:
    """Until when the owner may undo the closing (None: not closed, or closed before
    closings were timed)."""
    if case.status != CaseStatus.CLOSED.value or case.closed_at is None:
        return None
    return clock.as_utc(case.closed_at) + dt.timedelta(days=days)


def reopen(case: Case, days: int) -> None:
    """Undo a closing recorded less than ``days`` days ago: the case is as it was before
    (active if its plan was agreed, else referred).

    :raises CaseError: ``not_closed``, ``reopen_expired`` (a new episode is opened
        instead), ``open_case_exists`` (the youth has another open case now).
    """
    until = reopen_until(case, days)
    if case.status != CaseStatus.CLOSED.value:
        raise CaseError("not_closed")
    if until is None or clock.now() > until:
        raise CaseError("reopen_expired")
    if db.session.scalar(select(Case.id).where(Case.youth_id == case.youth_id,
                                               Case.id != case.id,
                                               Case.status != CaseStatus.CLOSED.value)):
        raise CaseError("open_case_exists")
    details: dict[str, Any] = {"reason": case.close_reason}
    with db.session.no_autoflush:
        for hook in _reopen_hooks:
            details |= hook(_actor() or case.owner, case)
    case.status = (CaseStatus.ACTIVE if case.plan_agreed_on else CaseStatus.REFERRED).value
    case.closed_on = case.close_reason = case.closed_at = None
    case.updated_at = clock.now()
    try:
        _save_status(case, AuditEvent.CASE_REOPENED, details | {"status": case.status},
                     reopening=True)
    except IntegrityError:  # another case of the youth was opened at the same moment
        db.session.rollback()
        raise CaseError("open_case_exists") from None


def add_member(user: Any, case: Case, member: User, function: str, from_date: dt.date,
               to_date: dt.date | None) -> Membership:
    if member.id == case.owner_id:
        raise CaseError("owner_is_not_member")
    if db.session.scalar(select(Membership.id).where(
            Membership.case_id == case.id, Membership.user_id == member.id,
            Membership.removed_at.is_(None))):
        raise CaseError("already_member")
    membership = Membership(case_id=case.id, user_id=member.id,
                            member_org_id=member.organisation_id, function=function.strip(),
                            from_date=from_date, to_date=to_date,
                            origin_org_id=user.organisation_id,
                            category=Category.COORDINATION.value, created_by_id=user.id)
    db.session.add(membership)
    try:  # one active membership per person and case (a unique index): a double click
        db.session.flush()  # adds the person once and tells the second click so
    except IntegrityError:
        db.session.rollback()
        raise CaseError("already_member") from None
    record(AuditEvent.MEMBER_ADDED, target_type="case", target_ref=case.id,
           details={"membership": membership.id, "member": member.id})
    db.session.commit()
    return membership


def leave_groups_on_move(user: User, old_org_id: str, new_org_id: str) -> None:
    """A user moved to another organisation: refused while they own open cases (they
    must be handed over first); otherwise every current membership ends, logged per
    case, in the transaction that moves them."""
    owned = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.owner_id == user.id, Case.status != CaseStatus.CLOSED.value))
    if owned:
        raise AdminError("owns_open_cases")
    now = clock.now()
    for membership in db.session.scalars(select(Membership).where(
            Membership.user_id == user.id, Membership.removed_at.is_(None))):
        membership.removed_at = now
        membership.to_date = min(membership.to_date or clock.local_day(now),
                                 clock.local_day(now))
        record(AuditEvent.MEMBER_REMOVED, target_type="case", target_ref=membership.case_id,
               details={"membership": membership.id, "member": user.id,
                        "reason": "moved_organisation", "from": old_org_id, "to": new_org_id})


def remove_member(case: Case, membership: Membership) -> None:
    """The member loses access on their very next request."""
    membership.removed_at = clock.now()
    membership.to_date = min(membership.to_date or clock.local_today(), clock.local_today())
    record(AuditEvent.MEMBER_REMOVED, target_type="case", target_ref=case.id,
           details={"membership": membership.id, "member": membership.user_id})
    db.session.commit()
