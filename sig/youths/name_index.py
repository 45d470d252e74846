"""Finding youths by name through a keyed index of the words of their names.

A name is split into words, each normalised (``kernel.name_words``: case folded, accents
and diacritics removed, so Åsa, Asa and ÅSA are one word; hyphens and spaces separating)
and stored as a keyed blind index (HMAC under the instance's blind-index key, purpose
``youth.name``): an exact-word lookup without decrypting any name; the table reveals
nothing without the key.  A query matches the youths that have every word of it.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, func, select

from kernel.crypto.blind_index import blind_index
from kernel.db import db
from kernel.name_words import words
from sig.youths.models import Guardian, GuardianNameToken, Youth, YouthNameToken

PURPOSE = "youth.name"


def tokens(name: str) -> list[str]:
    return [blind_index(PURPOSE, word) for word in words(name)]


def index(youth: Youth) -> None:
    """(Re)write the youth's tokens from their name, in the caller's transaction."""
    db.session.execute(delete(YouthNameToken).where(YouthNameToken.youth_id == youth.id))
    name = youth.name
    if name:
        db.session.add_all(YouthNameToken(youth_id=youth.id, token=t) for t in tokens(name))


def matching(query: str) -> Select | None:
    """The ids of the youths whose name has every word of ``query`` (None: no word)."""
    wanted = tokens(query)
    if not wanted:
        return None
    return (select(YouthNameToken.youth_id).where(YouthNameToken.token.in_(wanted))
            .group_by(YouthNameToken.youth_id)
            .having(func.count(YouthNameToken.token) == len(wanted)))


def index_guardian(guardian: Guardian) -> None:
    """(Re)write a guardian's tokens (a removed guardian keeps none)."""
    db.session.execute(delete(GuardianNameToken).where(
        GuardianNameToken.guardian_id == guardian.id))
    name = guardian.name if guardian.removed_at is None else None
    if name:
        db.session.add_all(GuardianNameToken(guardian_id=guardian.id, token=t)
                           for t in tokens(name))


def forget(youth_ids: Iterable[str]) -> None:
    """Retention: the youths' and their guardians' tokens go with their names."""
    ids = sorted(set(youth_ids))
    if ids:
        db.session.execute(delete(YouthNameToken).where(YouthNameToken.youth_id.in_(ids)))
        db.session.execute(delete(GuardianNameToken).where(GuardianNameToken.guardian_id.in_(
            select(Guardian.id).where(Guardian.youth_id.in_(ids)))))


def backfill() -> int:
    """Index every youth with a name and no tokens yet (after an upgrade); how many."""
    indexed = select(YouthNameToken.youth_id)
    done = 0
    for youth in db.session.scalars(select(Youth).where(Youth.id.not_in(indexed),
                                                        Youth.name_enc.is_not(None))):
        index(youth)
        done += 1
    for guardian in db.session.scalars(select(Guardian).where(
            Guardian.id.not_in(select(GuardianNameToken.guardian_id)),
            Guardian.name_enc.is_not(None), Guardian.removed_at.is_(None))):
        index_guardian(guardian)
        done += 1
    db.session.commit()
    return done
