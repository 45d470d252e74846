"""Key rotation: add a new active key and re-encrypt every stored value under it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, update
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

    The values are rewritten below the ORM, each by a compare-and-set on the stored blob:
    a record's optimistic-lock version and its history stay as they are (an edit form
    opened before the rotation saves without a false conflict), and a value the app
    changed meanwhile is left to the app's write (it is under the active key) instead of
    failing the run.  Rows are read in primary-key order, so an interrupted run can
    simply be started again: values already under the active key are skipped.
    :returns: the number of values re-encrypted.
    """
    changed = 0
    for model, field in _fields():
        column = getattr(model, field.column_attr).property.columns[0]
        table = column.table
        place = field.place(model)
        total = session.scalar(select(func.count()).select_from(table)
                               .where(column.is_not(None)))
        done = 0
        last_id = ""
        while True:
            rows = session.execute(
                select(table.c.id, column)
                .where(column.is_not(None), table.c.id > last_id)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, blob in rows:
                if cipher.key_id_of(blob) != keyring.active_id:
                    plaintext = cipher.decrypt(keyring, place, row_id, blob)
                    result = session.execute(
                        update(table).where(table.c.id == row_id, column == blob)
                        .values({column.name: cipher.encrypt(keyring, place, row_id,
                                                             plaintext)}))
                    changed += result.rowcount
                last_id = row_id
            session.commit()
            done += len(rows)
            if report:
                report(Progress(place, done, total or 0))
        if report and not total:
            report(Progress(place, 0, 0))
    return changed
