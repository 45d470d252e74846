"""Writes to the youth register: validate, change, audit — one transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consent.categories import Category
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.crypto.blind_index import blind_index
from kernel.db import db
from sig.youths import name_index, pnr
from sig.youths.models import PNR_INDEX_PURPOSE, Guardian, Youth


class AlreadyRegistered(Exception):
    def __init__(self, youth: Youth) -> None:
        super().__init__("already registered")
        self.youth = youth


def pnr_index(number: pnr.PersonalNumber) -> str:
    return blind_index(PNR_INDEX_PURPOSE, number.normalised)


def find_by_pnr(number: pnr.PersonalNumber) -> Youth | None:
    return db.session.scalar(select(Youth).where(Youth.pnr_index == pnr_index(number)))


def register(user: Any, number: pnr.PersonalNumber, name: str, gender: str | None,
             contact: str, school: str, guardians: list[tuple[str, str, bool]]) -> Youth:
    """:raises AlreadyRegistered: when the number is in the register already — also when
    the same form is sent twice at once (a double click): the database's unique index
    decides, and the second writer gets the same answer as a later one."""
    existing = find_by_pnr(number)
    if existing is not None:
        raise AlreadyRegistered(existing)
    try:
        return _register(user, number, name, gender, contact, school, guardians)
    except IntegrityError:
        db.session.rollback()
        existing = find_by_pnr(number)
        if existing is None:
            raise
        raise AlreadyRegistered(existing) from None


def _register(user: Any, number: pnr.PersonalNumber, name: str, gender: str | None,
              contact: str, school: str, guardians: list[tuple[str, str, bool]]) -> Youth:
    youth = Youth(pnr_index=pnr_index(number), birth_year=number.birth_date.year,
                  gender=gender or None, origin_org_id=user.organisation_id,
                  category=Category.IDENTITY.value, created_by_id=user.id)
    youth.pnr = number.normalised
    youth.birth_date_text = number.birth_date.isoformat()
    youth.name = name.strip()
    youth.contact = contact.strip() or None
    youth.school = school.strip() or None
    db.session.add(youth)
    db.session.flush()
    name_index.index(youth)
    for position, (g_name, g_contact, custody) in enumerate(guardians):
        guardian = add_guardian(user, youth, g_name, g_contact, custody, audit=False)
        # Guardian 1, 2 … keep the order they were entered in (consent texts name them).
        guardian.created_at = clock.now() + dt.timedelta(microseconds=position)
    record(AuditEvent.YOUTH_REGISTERED, target_type="youth", target_ref=youth.id,
           details={"guardians": len(guardians), "coordination_number": number.coordination})
    db.session.commit()
    return youth


def add_guardian(user: Any, youth: Youth, name: str, contact: str, custody: bool,
                 audit: bool = True) -> Guardian:
    guardian = Guardian(youth_id=youth.id, has_custody=custody,
                        origin_org_id=user.organisation_id, category=Category.IDENTITY.value,
                        created_by_id=user.id)
    guardian.name = name.strip()
    guardian.contact = contact.strip() or None
    db.session.add(guardian)
    if audit:
        db.session.flush()
        record(AuditEvent.YOUTH_UPDATED, target_type="youth", target_ref=youth.id,
               details={"guardian_added": guardian.id})
        db.session.commit()
    return guardian
