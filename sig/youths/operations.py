"""Writes to the youth register: validate, change, audit — one transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consent.categories import Category
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.crypto.blind_index import blind_index
from kernel.db import db
from kernel.versioned import check_version, flush_or_conflict
from sig.youths import name_index, pnr
from sig.youths.models import PNR_INDEX_PURPOSE, Guardian, Youth, YouthChange


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
    db.session.flush()
    name_index.index_guardian(guardian)
    if audit:  # (an entry's first guardians are part of registering it)
        _changed(user, youth, "added", None, custody, guardian)
        record(AuditEvent.YOUTH_UPDATED, target_type="youth", target_ref=youth.id,
               details={"guardian_added": guardian.id})
        db.session.commit()
        _forget_cached_subjects()
    return guardian


# --- correcting the register -----------------------------------------------------------------


# The changes of who has custody (the consent rules read custody on every request).
CUSTODY_FIELDS = ("has_custody", "added", "removed")


def _changed(user: Any, youth: Youth, field: str, old: Any, new: Any,
             guardian: Guardian | None = None) -> YouthChange:
    change = YouthChange(youth_id=youth.id, guardian_id=guardian.id if guardian else None,
                         field=field, changed_by_id=user.id)
    change.old = None if old is None else str(old)
    change.new = None if new is None else str(new)
    db.session.add(change)
    if guardian is not None and field in CUSTODY_FIELDS:
        guardian.custody_changed_at = clock.now()
    return change


def _forget_cached_subjects() -> None:
    """Consent validity is computed from custody on every read; a request that changed
    custody reads it afresh (``consent.validity`` caches subjects per request)."""
    if has_app_context():
        g.pop("_sig_subjects", None)
        g.pop("_sig_case_youths", None)  # the youth the case loader held (sig.cases.subjects)
        g.pop("_sig_live_consents", None)


def update_youth(user: Any, youth: Youth, *, version: int | str | None, name: str,
                 contact: str, school: str, protected: bool) -> list[str]:
    """Correct the entry; every changed field gets a history row.  Returns the fields
    changed.

    :raises Conflict: someone saved the entry after the form was loaded.
    """
    check_version(youth, version)
    values = {"name": name.strip(), "contact": contact.strip() or None,
              "school": school.strip() or None, "protected": bool(protected)}
    changed = [f for f, v in values.items() if getattr(youth, f) != v]
    if not changed:
        return []
    for field in changed:
        _changed(user, youth, field, getattr(youth, field), values[field])
        setattr(youth, field, values[field])
    youth.updated_at = clock.now()
    flush_or_conflict(youth)
    if "name" in changed:
        name_index.index(youth)
    record(AuditEvent.YOUTH_UPDATED, target_type="youth", target_ref=youth.id,
           details={"fields": changed, "version": youth.version})
    db.session.commit()
    return changed


def update_guardian(user: Any, youth: Youth, guardian: Guardian, *, name: str,
                    contact: str, has_custody: bool) -> list[str]:
    """Correct a guardian, or change custody (consent validity follows at once: it is
    computed from custody on every read)."""
    values = {"name": name.strip(), "contact": contact.strip() or None,
              "has_custody": bool(has_custody)}
    changed = [f for f, v in values.items() if getattr(guardian, f) != v]
    if not changed:
        return []
    for field in changed:
        _changed(user, youth, field, getattr(guardian, field), values[field], guardian)
        setattr(guardian, field, values[field])
    db.session.flush()
    if "name" in changed:
        name_index.index_guardian(guardian)
    record(AuditEvent.YOUTH_UPDATED, target_type="youth", target_ref=youth.id,
           details={"fields": changed, "guardian": guardian.id})
    db.session.commit()
    _forget_cached_subjects()
    return changed


def remove_guardian(user: Any, youth: Youth, guardian: Guardian) -> None:
    """The guardian leaves the entry (kept for the consents and history that name her),
    and with her any custody."""
    if guardian.removed_at is not None:
        return
    _changed(user, youth, "removed", guardian.has_custody, None, guardian)
    guardian.removed_at = clock.now()
    guardian.has_custody = False
    db.session.flush()
    name_index.index_guardian(guardian)
    record(AuditEvent.YOUTH_UPDATED, target_type="youth", target_ref=youth.id,
           details={"guardian_removed": guardian.id})
    db.session.commit()
    _forget_cached_subjects()


def history(youth: Youth) -> list[YouthChange]:
    return list(db.session.scalars(select(YouthChange).where(YouthChange.youth_id == youth.id)
                                   .order_by(YouthChange.changed_at.desc())))


def custody_changes_since(youth: Youth, since: Any) -> list[YouthChange]:
    """Changes of who has custody (custody switched, a guardian added or removed) since
    ``since``, oldest first.  No statement when none of the youth's guardians (loaded
    with it, removed ones included) had custody change since then."""
    if not any(g.custody_changed_at is not None and clock.as_utc(g.custody_changed_at) >= since
               for g in youth.guardians):
        return []
    return list(db.session.scalars(select(YouthChange).where(
        YouthChange.youth_id == youth.id, YouthChange.changed_at >= since,
        YouthChange.field.in_(CUSTODY_FIELDS))
        .order_by(YouthChange.changed_at)))
