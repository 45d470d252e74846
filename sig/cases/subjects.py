"""What the consent rules need of a case's youth: date of birth and guardians with custody."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from consent import validity
from kernel.db import db
from sig.cases.models import Case
from sig.youths.models import Guardian, Youth


def subjects(case_ids: Iterable[str]) -> dict[str, validity.Subject]:
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Case.id, Youth).join(Youth, Youth.id == Case.youth_id)
                              .where(Case.id.in_(ids))).all()
    youth_ids = {youth.id for _, youth in rows}
    custody: dict[str, list[str]] = {}
    for guardian in db.session.scalars(
            select(Guardian).where(Guardian.youth_id.in_(youth_ids),
                                   Guardian.has_custody.is_(True))
            .order_by(Guardian.created_at, Guardian.id)):
        custody.setdefault(guardian.youth_id, []).append(guardian.id)
    return {case_id: validity.Subject(dt.date.fromisoformat(youth.birth_date_text),
                                      tuple(custody.get(youth.id, ())))
            for case_id, youth in rows}


def register() -> None:
    validity.register_subject_provider(subjects)
