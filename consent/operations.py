"""Writes to consent records: record, withdraw (whole, one party, one flow), the signed form.

Rules (DESIGN §4):

* Only the **case owner** (or her deputy) records a consent, withdraws it, and uploads or downloads
  its signed form.  Ownership is checked here too, on the ``cases`` table (this module
  knows no case classes: it takes case ids and user objects).
* A consent names its **parties** — the youth and/or guardians with custody of the
  case's youth (``consent.validity.subjects_of``) — and its **flows**: source
  organisation → recipient organisation × category, between organisations taking part
  in the case (the caller passes them: the owner's and current members').
* **Nothing is deleted.**  A withdrawal sets ``withdrawn_at``/``withdrawn_by_id`` on the
  consent, one party or one flow; the policy reads them on the next request
  (``consent.grants.grants_for`` is cached per request only).  A signed form, once
  uploaded, is kept; it is not replaced.
* The access log gets ids, organisation ids, categories and counts — never names,
  the note or the file.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from consent import validity
from consent.categories import KNOWN, Category
from consent.models import Consent, ConsentGrant, ConsentMethod, ConsentParty, PartyKind
from kernel import clock, files
from kernel.audit import AuditEvent, record
from kernel.db import Base, db

DEFAULT_FORM_MAX_BYTES = 10 * 1024 * 1024

FORM_BASENAME = "samtycke"  # the generic download name: no personal data in headers


class ConsentError(ValueError):
    """A request the user must correct; ``code`` selects the message, ``field`` the input."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


class NotAllowed(PermissionError):
    """Only the case owner works with consents (views answer 403)."""


@dataclass(frozen=True)
class Flow:
    source_org_id: str
    recipient_org_id: str
    category: str


# --- checks ----------------------------------------------------------------------------------


def _case_row(case_id: str) -> Any:
    cases = Base.metadata.tables["cases"]
    return db.session.execute(select(cases.c.owner_id, cases.c.origin_org_id, cases.c.status)
                              .where(cases.c.id == case_id)).first()


def is_owner(user: Any, case_id: str) -> bool:
    """The case's owner, or its deputy owner today (``sig.cases.access.deputy_of``: named
    for a period that includes today, in the case's organisation)."""
    row = _case_row(case_id)
    if row is None or user is None:
        return False
    if row.owner_id == user.id:
        return True
    deputies, day = Base.metadata.tables["case_deputies"], clock.local_today()
    return row.origin_org_id == user.organisation_id and db.session.scalar(
        select(deputies.c.id).where(
            deputies.c.case_id == case_id, deputies.c.user_id == user.id,
            deputies.c.ended_at.is_(None), deputies.c.from_date <= day,
            deputies.c.to_date >= day).limit(1)) is not None


def _require_owner(user: Any, case_id: str) -> None:
    if not is_owner(user, case_id):
        raise NotAllowed(case_id)


def own_from_age() -> int:
    return int(current_app.config.get("CONSENT_OWN_FROM_AGE", 15))


def form_max_bytes() -> int:
    return int(current_app.config.get("CONSENT_FORM_MAX_BYTES", DEFAULT_FORM_MAX_BYTES))


def _flows(grants: Iterable[tuple[str, str, str] | Flow], org_ids: Iterable[str]) -> list[Flow]:
    allowed = set(org_ids)
    flows: list[Flow] = []
    for grant in grants:
        flow = grant if isinstance(grant, Flow) else Flow(*grant)
        if flow.category not in KNOWN:
            raise ConsentError("unknown_category", "grants")
        if flow.source_org_id not in allowed or flow.recipient_org_id not in allowed:
            raise ConsentError("org_not_in_case", "grants")
        if flow.source_org_id == flow.recipient_org_id:
            raise ConsentError("same_organisation", "grants")
        if flow not in flows:
            flows.append(flow)
    if not flows:
        raise ConsentError("no_grant", "grants")
    return flows


# --- recording -------------------------------------------------------------------------------


def record_consent(user: Any, case_id: str, *, youth: bool, guardian_ids: Iterable[str],
                   grants: Iterable[tuple[str, str, str] | Flow], org_ids: Iterable[str],
                   method: str, given_on: dt.date, valid_from: dt.date,
                   valid_to: dt.date | None, note: str | None = None) -> Consent:
    """Record a consent given by the youth and/or guardians with custody.

    ``org_ids``: the organisations taking part in the case; every flow is between two of
    them.  ``documented_by`` is ``user``.

    :raises NotAllowed: the user is not the case owner.
    :raises ConsentError: on a choice the user must correct.
    """
    _require_owner(user, case_id)
    if _case_row(case_id).status == "closed":
        raise ConsentError("case_closed")
    try:
        method = str(ConsentMethod(method))
    except ValueError:
        raise ConsentError("unknown_method", "method") from None
    guardian_ids = list(dict.fromkeys(guardian_ids))
    subject = validity.subjects_of([case_id]).get(case_id)
    custody = set(subject.custody_guardian_ids) if subject is not None else set()
    if any(g not in custody for g in guardian_ids):
        raise ConsentError("unknown_guardian", "guardians")
    if not youth and not guardian_ids:
        raise ConsentError("no_party", "guardians")
    flows = _flows(grants, org_ids)
    today = clock.local_today()
    if given_on > today:
        raise ConsentError("given_in_future", "given_on")
    if valid_to is not None and valid_to < valid_from:
        raise ConsentError("end_before_start", "valid_to")

    consent = Consent(case_id=case_id, method=method, documented_by_id=user.id,
                      given_on=given_on, valid_from=valid_from, valid_to=valid_to,
                      origin_org_id=user.organisation_id, category=Category.IDENTITY.value,
                      created_by_id=user.id)
    consent.note = (note or "").strip() or None
    db.session.add(consent)
    db.session.flush()
    if youth:
        db.session.add(ConsentParty(consent_id=consent.id, kind=PartyKind.YOUTH.value))
    for guardian_id in guardian_ids:
        db.session.add(ConsentParty(consent_id=consent.id, kind=PartyKind.GUARDIAN.value,
                                    guardian_id=guardian_id))
    for flow in flows:
        db.session.add(ConsentGrant(consent_id=consent.id, source_org_id=flow.source_org_id,
                                    recipient_org_id=flow.recipient_org_id,
                                    category=flow.category))
    db.session.flush()
    record(AuditEvent.CONSENT_RECORDED, target_type="consent", target_ref=consent.id,
           details={"case": case_id, "method": method, "youth": bool(youth),
                    "guardians": len(guardian_ids),
                    "grants": [[f.source_org_id, f.recipient_org_id, f.category]
                               for f in flows],
                    "valid_from": valid_from.isoformat(),
                    "valid_to": valid_to.isoformat() if valid_to else None})
    db.session.commit()
    return consent


# --- withdrawal: whole, one party, one flow ----------------------------------------------------


def _withdraw(user: Any, consent: Consent, row: Any, scope: str, **details: Any) -> None:
    _require_owner(user, consent.case_id)
    if row.withdrawn_at is not None or consent.withdrawn_at is not None:
        raise ConsentError("already_withdrawn")
    now = clock.now()
    row.withdrawn_at = now
    row.withdrawn_by_id = user.id
    consent.updated_at = now  # bumps the version: the consent changed
    record(AuditEvent.CONSENT_WITHDRAWN, target_type="consent", target_ref=consent.id,
           details={"case": consent.case_id, "scope": scope, **details})
    db.session.commit()


def withdraw_consent(user: Any, consent: Consent) -> None:
    """Withdraw the whole consent: no flow of it holds from the next request on."""
    _withdraw(user, consent, consent, "whole")


def withdraw_party(user: Any, consent: Consent, party_id: str) -> ConsentParty:
    """One party withdraws their consent (the consent may then lack a required party)."""
    party = next((p for p in consent.parties if p.id == party_id), None)
    if party is None:
        raise ConsentError("no_such_party")
    _withdraw(user, consent, party, "party", party=party.id, kind=party.kind)
    return party


def withdraw_grant(user: Any, consent: Consent, grant_id: str) -> ConsentGrant:
    """Partial withdrawal: one flow (source → recipient × category) ends."""
    grant = next((g for g in consent.grants if g.id == grant_id), None)
    if grant is None:
        raise ConsentError("no_such_grant")
    _withdraw(user, consent, grant, "grant", grant=grant.id, category=grant.category,
              source_org=grant.source_org_id, recipient_org=grant.recipient_org_id)
    return grant


# --- the signed form -------------------------------------------------------------------------


def attach_form(user: Any, consent: Consent, data: bytes) -> None:
    """Store the signed form, encrypted, under a generic name.

    :raises ConsentError: empty, too large (``CONSENT_FORM_MAX_BYTES``), not a whole
        PDF, JPEG or PNG, holding markup or script (``kernel.files``), or a form is
        already stored (it is kept, never replaced).
    """
    _require_owner(user, consent.case_id)
    if consent.has_form:
        raise ConsentError("form_exists", "file")
    try:
        found = files.recognise(data, form_max_bytes())
    except files.Refused as exc:
        raise ConsentError(f"form_{exc.code}", "file") from None
    mime = found.mime
    consent.form = data
    consent.form_mime = mime
    consent.form_filename = f"{FORM_BASENAME}.{found.extension}"
    consent.updated_at = clock.now()
    record(AuditEvent.CONSENT_RECORDED, target_type="consent", target_ref=consent.id,
           details={"case": consent.case_id, "form": "uploaded", "type": mime,
                    "bytes": len(data)})
    db.session.commit()


def read_form(user: Any, consent: Consent) -> tuple[bytes, str, str]:
    """(file, media type, generic file name) of the signed form; the read is logged.

    :raises ConsentError("no_form"): nothing uploaded.
    """
    _require_owner(user, consent.case_id)
    if not consent.has_form:
        raise ConsentError("no_form")
    data = consent.form
    record(AuditEvent.CONSENT_FORM_DOWNLOADED, target_type="consent", target_ref=consent.id,
           details={"case": consent.case_id, "type": consent.form_mime})
    db.session.commit()
    return data, consent.form_mime, consent.form_filename
