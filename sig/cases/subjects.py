"""What the consent rules need of a case's youth: date of birth and guardians with custody."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from flask import g, has_app_context
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import contains_eager

from consent import validity
from kernel.db import db
from kernel.planner import among_or_one, bound
from sig.cases.models import Case
from sig.youths.models import Guardian, Youth


def with_youth(query: Select) -> Select:
    """``query`` (of ``Case`` rows) with each case's youth and all its guardians as one
    more column, in the same statement (the case loader: nearly every case page needs
    the consent subject, and the page shows the youth)."""
    return (query.add_columns(Youth).outerjoin(Youth, Youth.id == Case.youth_id)
            .outerjoin(Guardian, Guardian.youth_id == Youth.id)
            .options(contains_eager(Youth.guardians))
            .order_by(Guardian.created_at, Guardian.id))


def hold(case_id: str, youth: Youth | None) -> None:
    """Keep for the request the youth the case loader read with its guardians
    (:func:`with_youth`): :func:`subjects` takes it from here, not from a statement."""
    if youth is not None and has_app_context():
        g.setdefault("_sig_case_youths", {})[case_id] = youth


@functools.cache
def _subject_columns(single: bool) -> Select:
    """Built once per process for one case and once for many; bound: ``case_ids`` (see
    ``kernel.planner.bound``).  Each case's youth's id and encrypted
    date of birth, and its guardians with custody today in the order they were
    registered (none: one row with no guardian)."""
    custody = and_(Guardian.youth_id == Youth.id, Guardian.has_custody.is_(True),
                   Guardian.removed_at.is_(None))
    return (select(Case.id, Youth.id, Youth.birth_date_enc, Guardian.id)
            .join(Youth, Youth.id == Case.youth_id).outerjoin(Guardian, custody)
            .where(among_or_one(Case.id, "case_ids", single))
            .order_by(Case.id, Guardian.created_at, Guardian.id))


def subjects(case_ids: Iterable[str]) -> dict[str, validity.Subject]:
    """Each case's youth's date of birth and guardians with custody today, in the order
    they were registered: from the youth the case loader held (:func:`hold`), the
    others' as columns in one statement (a start page decides some forty cases'
    consents: their youths and guardians are not loaded as objects)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    held = g.get("_sig_case_youths", {}) if has_app_context() else {}
    found: dict[str, tuple[str | None, list[str]]] = {}
    for case_id in ids:
        youth = held.get(case_id)
        if youth is not None:
            found[case_id] = (youth.birth_date_text, [
                guardian.id for guardian in youth.guardians
                if guardian.has_custody and guardian.removed_at is None])
    missing = [case_id for case_id in ids if case_id not in found]
    if missing:
        born = Youth.birth_date_text.opener()
        single, cases = bound("case_ids", missing)
        for case_id, youth_id, blob, guardian_id in db.session.execute(
                _subject_columns(single), cases):
            if case_id not in found:
                found[case_id] = (born(youth_id, blob), [])
            if guardian_id is not None:
                found[case_id][1].append(guardian_id)
    # (a youth whose entry retention purged has no date of birth: no consent holds)
    return {case_id: validity.Subject(dt.date.fromisoformat(birth), tuple(custody))
            for case_id, (birth, custody) in found.items() if birth}


def register() -> None:
    validity.register_subject_provider(subjects)
