"""A form sent twice is saved once.

A double click on "Spara", or a browser that sends a form again, delivers the same form
twice; without a check each would add its goal, meeting, minutes entry or outcome event
(and the statistics would count the event twice), and the second of an edit would be
told that someone else changed the item meanwhile.  A form that adds something carries a
random token; what it adds is saved under a key made of the token, the user, the route
and the values sent (:func:`key`), in the same transaction: the first commit that
follows :func:`once` records the key with ``INSERT … ON CONFLICT DO NOTHING``.  The same
key again — the twin came first, whether it ended before this one began or committed
while this one ran — raises :class:`AlreadySent` with the page where the first one's
result is shown; nothing of the second is saved — also when the second failed because
the first had saved (a version counter, a unique index).  The same form sent again with
other values (back, change, send) is a new submission.

Only the key's hash is kept, never a value; the token, never stored, makes it
impossible to guess a value from it.  Keys older than a day are deleted with the old
sessions (``flask users purge-sessions``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import String, delete, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel import clock
from kernel.db import Base, db

KEEP = dt.timedelta(days=1)
_ARMED = "sig_submission"
_RECORDED = "sig_submission_recorded"


class FormSubmission(Base):
    """A form that added something, by its key; ``shown_at`` is the page (a path with
    ids only) where what it added is shown."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(index=True)
    shown_at: Mapped[str] = mapped_column(String(500))


class AlreadySent(Exception):
    """The submission was saved before: nothing of this one is; show ``shown_at`` (and
    ``said``, when the form has more to say than that it was saved once)."""

    def __init__(self, shown_at: str, said: Any = None) -> None:
        super().__init__("the form was sent before")
        self.shown_at, self.said = shown_at, said


def key(token: str, *parts: str, values: Iterable[tuple[str, str]] = ()) -> str:
    """The key of one submission: the token, the parts (user, route) and every value
    sent, each prefixed by its length so no two lists of values give the same text."""
    digest = hashlib.sha256()
    for text in (token, *parts, *(item for pair in values for item in pair)):
        encoded = text.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(encoded) + encoded)
    return digest.hexdigest()


def earlier(found: str) -> str | None:
    """Where the result of the submission ``found`` is shown, if it was saved."""
    return db.session.scalar(select(FormSubmission.shown_at)
                             .where(FormSubmission.key == found))


@contextmanager
def once(found: str | None, shown_at: str, said: Any = None) -> Iterator[None]:
    """Within the block, the session's next commit (not one made while an exception is
    handled) saves the submission ``found`` with what the block saves — or raises
    :class:`AlreadySent`: here at once when it was saved before the block, at that
    commit when a twin saved it meanwhile, or instead of the block's own error when the
    block failed because the twin had saved.  ``None`` (a form without a token): no
    check."""
    if found is None:
        yield
        return
    before = earlier(found)
    if before is not None:
        raise AlreadySent(before, said)
    session = db.session
    session.info[_ARMED] = (found, shown_at, said)
    try:
        yield
    except AlreadySent:
        raise
    except Exception as exc:
        if session.info.get(_RECORDED):  # failed after saving: this one's own failure
            raise
        # The block failed — because the twin saved first?  Its version counter or
        # unique index refused this one (an edit "changed meanwhile", a case "already
        # open"): that is the same answer as above.  Read on a connection of its own:
        # this transaction may have failed.
        with db.engine.connect() as connection:
            before = connection.scalar(select(FormSubmission.shown_at)
                                       .where(FormSubmission.key == found))
        if before is not None:
            raise AlreadySent(before, said) from exc
        raise
    finally:
        session.info.pop(_ARMED, None)
        session.info.pop(_RECORDED, None)


@event.listens_for(Session, "before_commit")
def _record(session: Session) -> None:
    if _ARMED not in session.info or sys.exc_info()[0] is not None:
        # (a commit while an exception is handled writes what failed — a refused edit's
        # access-log entry, say — not what the block saves: the key waits)
        return
    found, shown_at, said = session.info.pop(_ARMED)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    saved = session.scalar(insert(FormSubmission).values(
        key=found, sent_at=clock.now(), shown_at=shown_at
    ).on_conflict_do_nothing(index_elements=["key"]).returning(FormSubmission.key))
    if saved is None:  # the twin committed first (PostgreSQL waits for it if it runs)
        raise AlreadySent(session.scalar(select(FormSubmission.shown_at).where(
            FormSubmission.key == found)) or shown_at, said)
    session.info[_RECORDED] = True


def purge(now: dt.datetime | None = None) -> int:
    """Delete the keys older than :data:`KEEP`; commits."""
    result = db.session.execute(delete(FormSubmission).where(
        FormSubmission.sent_at < (now or clock.now()) - KEEP))
    db.session.commit()
    return result.rowcount
