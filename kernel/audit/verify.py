"""Verifying the chain: recompute every hash and name the first broken entry."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.audit.chain import GENESIS, entry_hash, fields_of
from kernel.audit.models import AuditEntry, AuditHead


@dataclass
class Verdict:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"OK: {self.checked} entries, chain intact."
        return f"BROKEN at entry {self.first_broken_seq}: {self.reason} ({self.checked} checked)."


def verify_chain(session: Session, key: bytes, batch: int = 2000) -> Verdict:
    """Walk the log in ``seq`` order.

    Detects an edited entry (its hash no longer matches), a deleted one (a gap in
    ``seq`` and a broken link), a reordering (links and hashes no longer match) and a
    truncated tail (the head row names a later entry than the last one found).
    """
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            if entry.seq != expected_seq:
                return Verdict(False, checked, expected_seq,
                               f"entry {expected_seq} is missing (next found: {entry.seq})")
            if entry.prev_hash != expected_prev:
                return Verdict(False, checked, entry.seq,
                               "link to the previous entry does not match")
            if entry_hash(key, fields_of(entry)) != entry.hash:
                return Verdict(False, checked, entry.seq, "contents do not match the hash")
            expected_prev = entry.hash
            expected_seq += 1
            checked += 1
            last_seq = entry.seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is None:  # the migration creates it; only tampering removes it
        return Verdict(False, checked, last_seq + 1, "the head row of the log is missing")
    if head.seq != last_seq or head.hash != expected_prev:
        return Verdict(False, checked, last_seq + 1,
                       f"the log ends at entry {last_seq} but the head records {head.seq}")
    return Verdict(True, checked)
