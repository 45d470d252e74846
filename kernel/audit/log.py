"""Appending to the access log, inside the caller's transaction."""
from __future__ import annotations

import functools
import json
from typing import Any

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session

from kernel import clock
from kernel.audit.chain import GENESIS, entry_hash
from kernel.audit.events import AuditEvent
from kernel.audit.models import AuditEntry, AuditHead
from kernel.crypto.keys import current_keyring
from kernel.db import db

HEAD_ID = 1
OUTCOMES = ("ok", "denied", "failed")


@functools.cache
def _advance_head() -> Update:
    """Take the lock and read the tip in one statement (see AuditHead): the new sequence
    number and the hash of the entry before it.  Built once per process."""
    return (update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq + 1)
            .returning(AuditHead.seq, AuditHead.hash)
            .execution_options(synchronize_session=False))


def _actor_of_request() -> Any:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def record(event: AuditEvent, *, actor: Any = None, target_type: str | None = None,
           target_ref: str | None = None, outcome: str = "ok",
           details: dict[str, Any] | None = None,
           session: Session | None = None) -> AuditEntry:
    """Add an entry to the current transaction; the caller commits with its own change.

    ``actor`` defaults to the logged-in user.  ``details`` must hold no personal
    data, passwords, codes or tokens: ids, counts, role names and categories only.
    :raises ValueError: on an unknown outcome.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if actor is None and has_request_context():
        capacity = g.get("audit_capacity", {}).get(target_ref)
        if capacity is not None:
            details = {**(details or {}), "as": capacity}
    actor = actor if actor is not None else _actor_of_request()
    session = session if session is not None else db.session
    # the entry before goes in first (a trigger moves the head's hash to it); the head is
    # then advanced as a plain statement, whose cache key is computed once per process
    session.flush()
    head = session.connection().execute(_advance_head()).first()
    if head is None:
        session.add(AuditHead(id=HEAD_ID, seq=1, hash=GENESIS))
        session.flush()
        head = session.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one()
    entry = AuditEntry(
        seq=head.seq,
        at=clock.now(),
        event=str(AuditEvent(event)),
        actor_user_id=getattr(actor, "id", None),
        actor_org_id=getattr(actor, "organisation_id", None),
        actor_role=str(actor.role) if actor is not None and getattr(actor, "role", None) else None,
        target_type=target_type,
        target_ref=target_ref,
        outcome=outcome,
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(current_keyring().audit_key, {
        "seq": entry.seq, "at": entry.at, "event": entry.event,
        "actor_user_id": entry.actor_user_id, "actor_org_id": entry.actor_org_id,
        "actor_role": entry.actor_role, "target_type": entry.target_type,
        "target_ref": entry.target_ref, "outcome": entry.outcome,
        "details": entry.details, "prev_hash": entry.prev_hash,
    })
    # Inserted with the next flush (the next entry's first statement, or the commit); a
    # trigger on the insert moves the head's hash to it (migration 0027), so the next
    # entry reads it as its predecessor's.
    session.add(entry)
    if has_request_context() and target_ref is not None:
        g.setdefault("audited_targets", set()).add(target_ref)
    return entry


def acting_as(target_ref: str, capacity: str) -> None:
    """For the rest of the request, the user's entries about ``target_ref`` say in which
    capacity they acted (``"deputy"``: a deputy case owner with the owner's rights)."""
    if has_request_context():
        g.setdefault("audit_capacity", {})[target_ref] = capacity


def recorded_in_this_request(target_ref: str) -> bool:
    """Whether this request has added an access-log entry about ``target_ref`` (a page
    that shows case data and wrote none is refused: see ``sig.cases.routes``)."""
    return has_request_context() and target_ref in g.get("audited_targets", ())
