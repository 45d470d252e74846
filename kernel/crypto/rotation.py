"""Key rotation: add a new active key and re-encrypt every stored value under it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kernel.crypto import cipher
from kernel.crypto.fields import REGISTRY, EncryptedAttribute
from kernel.crypto.keys import Keyring

BATCH = 500


@dataclass
class Progress:
    place: str
    done: int
    total: int


def _fields() -> Iterator[tuple[type, EncryptedAttribute]]:
    for model, attr_name in REGISTRY:
        yield model, model.__dict__[attr_name]


def count_stale(session: Session, keyring: Keyring) -> int:
    """How many stored values are not under the active key."""
    total = 0
    for model, field in _fields():
        column = getattr(model, field.column_attr)
        for (blob,) in session.execute(select(column).where(column.is_not(None))):
            if cipher.key_id_of(blob) != keyring.active_id:
                total += 1
    return total


def reencrypt_all(session: Session, keyring: Keyring,
                  report: Callable[[Progress], None] | None = None) -> int:
    """Re-encrypt every value not under ``keyring.active_id``; commits per batch.

    Rows are re-read in primary-key order, so an interrupted run can simply be
    started again: values already under the active key are skipped.
    :returns: the number of values re-encrypted.
    """
    changed = 0
    for model, field in _fields():
        column = getattr(model, field.column_attr)
        place = field.place(model)
        total = session.scalar(select(func.count()).select_from(model).where(column.is_not(None)))
        done = 0
        last_id = ""
        while True:
            rows = session.scalars(
                select(model)
                .where(or_(column.is_not(None)), model.id > last_id)
                .order_by(model.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                blob = getattr(row, field.column_attr)
                if cipher.key_id_of(blob) != keyring.active_id:
                    plaintext = cipher.decrypt(keyring, place, row.id, blob)
                    setattr(row, field.column_attr,
                            cipher.encrypt(keyring, place, row.id, plaintext))
                    changed += 1
                last_id = row.id
            session.commit()
            done += len(rows)
            if report:
                report(Progress(place, done, total or 0))
        if report and not total:
            report(Progress(place, 0, 0))
    return changed
