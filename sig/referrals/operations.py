"""Writes to proposals: propose, accept (register and open, or add to the owner's open
case), decline — validate, change, audit; ids and codes in the log, never the name,
the number or the text."""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import joinedload

from auth.models import Organisation
from auth.roles import OrganisationKind
from consent.categories import Category
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases import operations as cases
from sig.cases.models import Case, CaseStatus, ReferralSource
from sig.referrals.models import DeclineReason, Referral, ReferralReason, ReferralState
from sig.youths import pnr
from sig.youths.models import Youth

# What the proposal is, by the proposer's organisation: the police's and the school's
# own information; a social worker's assessment; anyone else's coordination.
CATEGORY = {
    OrganisationKind.POLICE.value: Category.POLICE_INFORMATION,
    OrganisationKind.SCHOOL.value: Category.SCHOOL_INFORMATION,
    OrganisationKind.SOCIAL_SERVICES.value: Category.SOCIAL_ASSESSMENT,
}
SOURCE = {
    OrganisationKind.POLICE.value: ReferralSource.POLICE,
    OrganisationKind.SCHOOL.value: ReferralSource.SCHOOL,
    OrganisationKind.SOCIAL_SERVICES.value: ReferralSource.SOCIAL_SERVICES,
}


class ReferralError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def units() -> list[Organisation]:
    """The social services a proposal can be addressed to."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.SOCIAL_SERVICES.value)
        .order_by(Organisation.name)))


def propose(user: Any, to_org: Organisation | None, number: pnr.PersonalNumber, name: str,
            reason: str, done: str) -> Referral:
    if to_org is None or to_org.kind != OrganisationKind.SOCIAL_SERVICES.value:
        raise ReferralError("no_such_unit")
    kind = user.organisation.kind
    referral = Referral(to_org_id=to_org.id, reason=str(ReferralReason(reason)),
                        origin_org_id=user.organisation_id, created_by_id=user.id,
                        category=CATEGORY.get(kind, Category.COORDINATION).value,
                        state=ReferralState.PENDING.value)
    referral.pnr = number.normalised
    referral.name = name.strip()
    referral.done = done.strip() or None
    db.session.add(referral)
    db.session.flush()
    record(AuditEvent.REFERRAL_PROPOSED, target_type="referral", target_ref=referral.id,
           details={"referral_reason": referral.reason, "recipient_org": to_org.id})
    db.session.commit()
    return referral


def mine(user: Any) -> list[Referral]:
    """The user's own proposals, newest first (their status is all they are told)."""
    return list(db.session.scalars(select(Referral).where(Referral.created_by_id == user.id)
                                   .order_by(Referral.created_at.desc())))


def intake(user: Any) -> list[Referral]:
    """Pending proposals to the user's social services, oldest first."""
    return list(db.session.scalars(
        select(Referral).where(Referral.to_org_id == user.organisation_id,
                               Referral.state == ReferralState.PENDING.value)
        .options(joinedload(Referral.origin)).order_by(Referral.created_at)))


@functools.cache
def _waiting() -> Select:
    """Built once per process; bound: ``org_id``."""
    return select(func.count()).select_from(Referral).where(
        Referral.to_org_id == bindparam("org_id"),
        Referral.state == ReferralState.PENDING.value)


def waiting(user: Any) -> int:
    """How many proposals wait on the intake list of the user's social services."""
    return db.session.scalar(_waiting(), {"org_id": user.organisation_id}) or 0


def number_of(referral: Referral) -> pnr.PersonalNumber:
    return pnr.parse(referral.pnr)


def open_case_of(youth: Youth) -> Case | None:
    return db.session.scalar(select(Case).where(Case.youth_id == youth.id,
                                                Case.status != CaseStatus.CLOSED.value))


def _claim(referral: Referral, state: ReferralState, user: Any, **values: Any) -> None:
    """Decide a pending proposal (once: a second click or a colleague at the same moment
    finds it decided)."""
    done = db.session.execute(
        update(Referral).where(Referral.id == referral.id,
                               Referral.state == ReferralState.PENDING.value)
        .values(state=state.value, decided_by_id=user.id, decided_at=clock.now(), **values)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        db.session.rollback()
        raise ReferralError("already_decided")


def accept(user: Any, referral: Referral, youth: Youth, *, into: Case | None = None) -> Case:
    """Accept the proposal for ``youth`` (registered, and readable by the user): a case
    is opened for the youth with the proposer's organisation as its referral source — or,
    with ``into``, the proposal joins the user's own open case of the youth.

    :raises ReferralError("already_decided"): decided meanwhile.
    :raises CaseError: the case cannot be opened (``open_case_exists``).
    """
    _claim(referral, ReferralState.ACCEPTED, user)
    if into is None:
        kind = referral.origin.kind
        into = cases.open_case(user, youth, str(SOURCE.get(kind, ReferralSource.OTHER)),
                               clock.local_day(referral.created_at), "")
    db.session.execute(update(Referral).where(Referral.id == referral.id)
                       .values(case_id=into.id)
                       .execution_options(synchronize_session=False))
    record(AuditEvent.REFERRAL_ACCEPTED, target_type="referral", target_ref=referral.id,
           details={"case": into.id})
    db.session.commit()
    db.session.refresh(referral)
    return into


def decline(user: Any, referral: Referral, reason: str) -> None:
    _claim(referral, ReferralState.DECLINED, user,
           decline_reason=str(DeclineReason(reason)))
    record(AuditEvent.REFERRAL_DECLINED, target_type="referral", target_ref=referral.id,
           details={"decline_reason": reason})
    db.session.commit()
