"""Who may read an entry of the youth register (name, personnummer, school, guardians).

The register is social services' record, but not every case owner of the unit needs
every youth in it (DESIGN §4 rule 1, need to know).  A case owner reads an entry

* while they own or are in a case of that youth, or
* when the youth has no open case, so that they can open one (register, search,
  open a case);

otherwise they learn only that the person has an open SIG case they are not part of,
and whom to ask — no name, no details.  Every lookup by personal identity number is
logged, and lookups are limited per user and hour (``YOUTH_LOOKUPS_PER_HOUR``).
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask import current_app
from sqlalchemy import exists, func, select

from kernel import clock
from kernel.audit import AuditEvent
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.access import accessible
from sig.cases.models import Case, CaseStatus
from sig.youths.models import Youth

LOOKUP_WINDOW = dt.timedelta(hours=1)


class Access(enum.StrEnum):
    READ = "read"  # the entry may be shown
    OPEN_CASE_ELSEWHERE = "open_case_elsewhere"  # only that an open case exists
    NONE = "none"  # another organisation's entry, or no entry: as if it did not exist


def register_access(user: Any, youth: Youth | None) -> Access:
    if youth is None or youth.origin_org_id != user.organisation_id or youth.purged:
        return Access.NONE
    in_a_case = db.session.scalar(select(exists().where(
        Case.youth_id == youth.id, accessible(user))))
    if in_a_case:
        return Access.READ
    open_case = db.session.scalar(select(exists().where(
        Case.youth_id == youth.id, Case.status != CaseStatus.CLOSED.value)))
    return Access.OPEN_CASE_ELSEWHERE if open_case else Access.READ


def lookups_left(user: Any) -> int:
    """How many more lookups by personal identity number the user may make this hour."""
    limit = int(current_app.config["YOUTH_LOOKUPS_PER_HOUR"])
    since = clock.now() - LOOKUP_WINDOW
    used = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.event == AuditEvent.YOUTH_SEARCHED.value,
        AuditEntry.actor_user_id == user.id, AuditEntry.at >= since)) or 0
    return max(0, limit - used)
