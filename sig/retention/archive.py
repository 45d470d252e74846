"""The archive copy of a case, written before retention deletes its personal data, for
municipalities whose archive rules (dokumenthanteringsplan) require one.

One JSON file per case, ``<pseudonym>.json``, mode 0600, UTF-8::

    {"format": "sig-case-archive/1", "archived_at": "<ISO time, UTC>",
     "case": {<the case's columns>, "reference": "SIG-…"},
     "youth": {<columns>, "name": …, "pnr": …, "birth_date": …, …},
     "guardians": [...],
     "<table>": [{<columns, encrypted fields decrypted under their own names>}, ...]}

for every table that holds rows of the case (goals, actions, changes, meetings,
participants, minutes entries, memberships, outcome events, consents with their parties
and grants, disclosure decisions with their items).  A signed consent form is included
base64-encoded.  Dates are ISO 8601; ids are kept so the rows can be related.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

from sqlalchemy import inspect, select

from consent.models import Consent, ConsentGrant, ConsentParty, Disclosure, DisclosureItem
from kernel import clock
from kernel.crypto.fields import EncryptedAttribute
from kernel.db import Base, db
from sig.cases.models import Case
from sig.youths.models import Guardian, Youth

FORMAT = "sig-case-archive/1"
# rows that belong to a case through another row
CHILDREN = ((ConsentParty, ConsentParty.consent_id, Consent),
            (ConsentGrant, ConsentGrant.consent_id, Consent),
            (DisclosureItem, DisclosureItem.disclosure_id, Disclosure))


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def row(item: Any) -> dict[str, Any]:
    """A row's columns, with its encrypted fields decrypted under their own names."""
    model = type(item)
    out: dict[str, Any] = {}
    encrypted = {getattr(model, name).column_attr: name for name in dir(model)
                 if isinstance(getattr(model, name, None), EncryptedAttribute)}
    for column in inspect(model).columns:
        key = column.key
        if key in encrypted:
            out[encrypted[key]] = _value(getattr(item, encrypted[key]))
        else:
            out[key] = _value(getattr(item, key))
    return out


def _case_models() -> list[type]:
    models = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if "case_id" in table.c and mapper.class_ is not Case:
            models.append(mapper.class_)
    return sorted(models, key=lambda m: m.__tablename__)


def case_document(case: Case) -> dict[str, Any]:
    youth = db.session.get(Youth, case.youth_id)
    doc: dict[str, Any] = {
        "format": FORMAT, "archived_at": clock.now().isoformat(),
        "case": {**row(case), "reference": case.reference},
        "youth": row(youth) if youth is not None else None,
        "guardians": [row(g) for g in db.session.scalars(
            select(Guardian).where(Guardian.youth_id == case.youth_id)
            .order_by(Guardian.created_at))],
    }
    for model in _case_models():
        rows = list(db.session.scalars(select(model).where(model.case_id == case.id)))
        doc[model.__tablename__] = [row(r) for r in rows]
    for child, key, parent in CHILDREN:
        parents = [r["id"] for r in doc.get(parent.__tablename__, [])]
        doc[child.__tablename__] = [row(r) for r in db.session.scalars(
            select(child).where(key.in_(parents)))] if parents else []
    return doc


def write(case: Case, directory: str) -> str:
    """Write the case's archive file; its path."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, f"{case.reference}.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(case_document(case), handle, ensure_ascii=False, indent=1, sort_keys=True)
    return path
