"""What the consent rules need of a case's youth: date of birth and guardians with custody."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import g, has_app_context
from sqlalchemy import and_, select

from consent import validity
from kernel.db import db
from sig.cases.models import Case
from sig.youths.models import Guardian, Youth


def subjects(case_ids: Iterable[str]) -> dict[str, validity.Subject]:
    """One statement: each case's youth with its guardians with custody, in the order
    they were registered."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    youths: dict[str, Youth] = {}
    custody: dict[str, list[str]] = {}
    for case_id, youth, guardian_id in db.session.execute(
            select(Case.id, Youth, Guardian.id).join(Youth, Youth.id == Case.youth_id)
            .outerjoin(Guardian, and_(Guardian.youth_id == Youth.id,
                                      Guardian.has_custody.is_(True),
                                      Guardian.removed_at.is_(None)))
            .where(Case.id.in_(ids)).order_by(Case.id, Guardian.created_at, Guardian.id)):
        youths[case_id] = youth
        if guardian_id is not None:
            custody.setdefault(case_id, []).append(guardian_id)
    if has_app_context():  # held for the request: a page that shows the youth reads it
        g.setdefault("_sig_subject_youths", []).extend(youths.values())  # from the session
    # (a youth whose entry retention purged has no date of birth: no consent holds)
    return {case_id: validity.Subject(dt.date.fromisoformat(born),
                                      tuple(custody.get(case_id, ())))
            for case_id, youth in youths.items() if (born := youth.birth_date_text)}


def register() -> None:
    validity.register_subject_provider(subjects)
