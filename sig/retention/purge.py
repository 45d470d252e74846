"""Deleting a case's personal data, keeping the anonymous skeleton the statistics read.

What goes, for the cases purged: every encrypted value of every row that belongs to the
case (``kernel.crypto.fields.REGISTRY``: referral note, goals, actions and their history,
meeting places and agendas, minutes, participants' names, outcome notes, consent notes
and signed forms with their file names, disclosure assessments) — so a table added later
with a ``case_id`` and an encrypted field is purged without anyone remembering to.  When
every case of a youth is purged, the youth's register entry goes too: name, personnummer
and its blind index, date of birth, contact details, school, the words of the name in
the name index, and the guardians' names and contact details.

What stays: the rows themselves with their organisations, kinds, categories, dates and
statuses, attendance marks, the youth's birth year and gender — what the managers'
statistics count, so past years' figures do not change — and the access log, which holds
no personal data and records the run.  Afterwards the database file is rewritten
(SQLite ``VACUUM``; PostgreSQL ``VACUUM``), so the deleted values do not linger in free
pages.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, literal, select, text, update

from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.crypto.fields import REGISTRY
from kernel.db import db
from sig.cases.models import Case
from sig.retention.due import Candidate
from sig.youths import name_index
from sig.youths.models import PURGED_INDEX_PREFIX, Guardian, Youth, YouthChange

# Plain columns that may carry personal data besides the encrypted ones.
PLAIN_PERSONAL = {"consents": ("form_filename", "form_mime")}
YOUTH_TABLES = (Youth, Guardian)


def _encrypted_columns() -> dict[type, list[str]]:
    """Model → its encrypted columns, for the models that hold a case's rows."""
    found: dict[type, list[str]] = {}
    for model, attribute in REGISTRY:
        table = getattr(model, "__table__", None)
        if table is None or model in YOUTH_TABLES:
            continue
        if model is Case or "case_id" in table.c:
            found.setdefault(model, []).append(getattr(model, attribute).column_attr)
    return found


def _blank(model: type, columns: Sequence[str]) -> dict[str, None]:
    names = [*columns, *PLAIN_PERSONAL.get(model.__tablename__, ())]
    return dict.fromkeys(names)


@dataclass
class Result:
    cases: int = 0
    youths: int = 0
    by_year: Counter = field(default_factory=Counter)  # year of the last entry → cases


def purge(due: Sequence[Candidate]) -> Result:
    """Purge ``due`` (kept candidates are skipped) in the caller's transaction and record
    the run in the access log.  The caller commits, then calls :func:`compact`."""
    cases = [c for c in due if c.kept_because is None]
    result = Result()
    if not cases:
        record(AuditEvent.RETENTION_RUN, details={"cases": 0, "youths": 0})
        return result
    ids = sorted(c.case_id for c in cases)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for model, columns in _encrypted_columns().items():
            key = model.id if model is Case else model.case_id
            db.session.execute(update(model).where(key.in_(chunk))
                               .values(_blank(model, columns))
                               .execution_options(synchronize_session=False))
        db.session.execute(update(Case).where(Case.id.in_(chunk))
                           .values(purged_at=clock.now())
                           .execution_options(synchronize_session=False))
    youths = _youths_without_cases({c.youth_id for c in cases})
    for start in range(0, len(youths), 500):
        chunk = youths[start:start + 500]
        db.session.execute(update(Youth).where(Youth.id.in_(chunk)).values(
            pnr_enc=None, name_enc=None, birth_date_enc=None, contact_enc=None,
            school_enc=None, pnr_index=literal(PURGED_INDEX_PREFIX) + Youth.id)
            .execution_options(synchronize_session=False))
        db.session.execute(update(Guardian).where(Guardian.youth_id.in_(chunk)).values(
            name_enc=None, contact_enc=None).execution_options(synchronize_session=False))
        # the entry's history holds old names and contact details
        db.session.execute(delete(YouthChange).where(YouthChange.youth_id.in_(chunk))
                           .execution_options(synchronize_session=False))
        name_index.forget(chunk)
    result.cases, result.youths = len(ids), len(youths)
    result.by_year.update(c.last_entry.year for c in cases)
    record(AuditEvent.RETENTION_RUN, details={
        "cases": result.cases, "youths": result.youths,
        "by_year": {str(y): n for y, n in sorted(result.by_year.items())}})
    db.session.expire_all()
    return result


def _youths_without_cases(youth_ids: set[str]) -> list[str]:
    """Of ``youth_ids``, those whose every case is purged now."""
    if not youth_ids:
        return []
    still = set(db.session.scalars(select(Case.youth_id).where(
        Case.youth_id.in_(sorted(youth_ids)), Case.purged_at.is_(None))))
    return sorted(youth_ids - still)


def compact() -> None:
    """Rewrite the database so the deleted values leave no trace in free pages."""
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM"))
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
