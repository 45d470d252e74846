"""What the consent rules need of a case's youth: date of birth and guardians with custody."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from flask import g, has_app_context
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import contains_eager

from consent import validity
from kernel.db import db
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
def _youths() -> Select:
    """Built once per process; bound: ``case_ids``."""
    return with_youth(select(Case.id).where(Case.id.in_(bindparam("case_ids", expanding=True))))


def subjects(case_ids: Iterable[str]) -> dict[str, validity.Subject]:
    """Each case's youth with all its guardians (the youth's ``guardians``, removed ones
    included, which a page that shows the current ones reads from the youth): those the
    case loader held, the others in one statement; those with custody today, in the
    order they were registered."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    held = g.get("_sig_case_youths", {}) if has_app_context() else {}
    youths: dict[str, Youth] = {case_id: held[case_id] for case_id in ids if case_id in held}
    missing = [case_id for case_id in ids if case_id not in held]
    if missing:
        for case_id, youth in db.session.execute(_youths(), {"case_ids": missing}).unique():
            if youth is not None:
                youths[case_id] = youth
    custody = {case_id: [g.id for g in youth.guardians
                         if g.has_custody and g.removed_at is None]
               for case_id, youth in youths.items()}
    if has_app_context():  # held for the request: a page that shows the youth reads it
        g.setdefault("_sig_subject_youths", []).extend(youths.values())  # from the session
    # (a youth whose entry retention purged has no date of birth: no consent holds)
    return {case_id: validity.Subject(dt.date.fromisoformat(born),
                                      tuple(custody.get(case_id, ())))
            for case_id, youth in youths.items() if (born := youth.birth_date_text)}


def register() -> None:
    validity.register_subject_provider(subjects)
