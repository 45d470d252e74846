"""Recording outcome events: validate, write, audit — one transaction.

Who records what is the permission table's ``RECORD_OUTCOMES`` (``sig.cases.rights``):
with the whole case in scope (the case owner) every kind; with the own organisation in
scope (a police member of the group) the kinds that organisation makes — police reports;
nobody else records.

The event is recorded by the recorder's organisation (``origin_org_id``) with the
category of its kind: a police report is ``police_information``, a concern report or
conversation ``social_assessment``.  The access log gets ids, the kind and the
category — never the note.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from auth.models import Organisation
from auth.roles import OrganisationKind
from consent.policy import Relation
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.access import today
from sig.cases.models import Case
from sig.cases.rights import CasePermission, Scope, scope
from sig.outcomes.models import CATEGORY_OF_KIND, OutcomeEvent, OutcomeKind

EARLIEST = dt.date(2000, 1, 1)


class OutcomeError(ValueError):
    """A request the user must correct; ``field`` and ``code`` select the message."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code


class NotAllowed(PermissionError):
    """The user may not record this kind here (views answer 403)."""


# The kinds of event an organisation makes itself, by the kind of organisation.
OWN_KINDS: dict[str, tuple[OutcomeKind, ...]] = {
    OrganisationKind.POLICE.value: (OutcomeKind.POLICE_REPORT,),
}


def recordable_kinds(user: Any, relation: Relation | None) -> list[OutcomeKind]:
    """The kinds the user may record in a case they have ``relation`` to."""
    reach = scope(user, relation, CasePermission.RECORD_OUTCOMES)
    if reach is Scope.CASE:
        return list(OutcomeKind)
    if reach is Scope.OWN_ORGANISATION:
        return list(OWN_KINDS.get(user.organisation.kind, ()))
    return []


def record_outcome(user: Any, relation: Relation | None, case: Case, *, kind: str,
                   occurred_on: dt.date, source_org_id: str,
                   led_to_intervention: bool | None, note: str | None,
                   pre_investigation: bool = False) -> OutcomeEvent:
    """:raises NotAllowed: the user may not record ``kind`` (or anything) here.
    :raises OutcomeError: on a date in the future or before 2000, an unknown source
        organisation, or ``led_to_intervention`` missing for a concern conversation
        (or given for another kind)."""
    allowed = recordable_kinds(user, relation)
    if not allowed:
        raise NotAllowed("may_not_record")
    if kind not in {k.value for k in OutcomeKind}:
        raise OutcomeError("kind", "unknown_kind")
    if OutcomeKind(kind) not in allowed:
        raise NotAllowed("kind_not_allowed")
    if occurred_on > today():
        raise OutcomeError("occurred_on", "future")
    if occurred_on < EARLIEST:
        raise OutcomeError("occurred_on", "too_early")
    if not source_org_id or db.session.get(Organisation, source_org_id) is None:
        raise OutcomeError("source_org_id", "unknown_source")
    conversation = kind == OutcomeKind.CONCERN_CONVERSATION.value
    if conversation and led_to_intervention is None:
        raise OutcomeError("led_to_intervention", "intervention_required")
    if not conversation and led_to_intervention is not None:
        raise OutcomeError("led_to_intervention", "intervention_not_for_kind")
    police = user.organisation.kind == OrganisationKind.POLICE.value
    event = OutcomeEvent(case_id=case.id, kind=kind, occurred_on=occurred_on,
                         source_org_id=source_org_id,
                         led_to_intervention=led_to_intervention,
                         origin_org_id=user.organisation_id,
                         category=CATEGORY_OF_KIND[OutcomeKind(kind)].value,
                         created_by_id=user.id,
                         pre_investigation=bool(pre_investigation) and police)
    event.note = (note or "").strip() or None
    db.session.add(event)
    db.session.flush()
    record(AuditEvent.OUTCOME_RECORDED, target_type="case", target_ref=case.id,
           details={"outcome": event.id, "kind": kind, "category": event.category,
                    "source_org": source_org_id,
                    "pre_investigation": event.pre_investigation})
    db.session.commit()
    return event
