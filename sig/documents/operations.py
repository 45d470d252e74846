"""Adding a document to a case and reading one: checked, encrypted, logged."""
from __future__ import annotations

from typing import Any

from flask import current_app

from consent.categories import KNOWN
from consent.policy import Relation
from kernel import files
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.models import Case, CaseStatus
from sig.cases.rights import CasePermission, allows
from sig.documents.models import Document


class DocumentError(ValueError):
    def __init__(self, code: str, field: str = "file") -> None:
        super().__init__(code)
        self.code, self.field = code, field


def max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])


def add(user: Any, relation: Relation, case: Case, *, title: str, category: str,
        data: bytes) -> Document:
    """A document recorded by the user's organisation, with the category the user chose.

    :raises DocumentError: ``case_closed``, ``title_required``, ``unknown_category``, or
        why the file is refused (``empty``, ``too_large``, ``type``, ``active``).
    """
    if not allows(user, relation, CasePermission.ADD_DOCUMENT):
        raise PermissionError("add_document")
    if case.status == CaseStatus.CLOSED.value:
        raise DocumentError("case_closed", "title")
    title = (title or "").strip()
    if not title:
        raise DocumentError("title_required", "title")
    if category not in KNOWN:
        raise DocumentError("unknown_category", "category")
    try:
        found = files.recognise(data, max_bytes())
    except files.Refused as exc:
        raise DocumentError(exc.code) from None
    document = Document(case_id=case.id, origin_org_id=user.organisation_id,
                        category=category, created_by_id=user.id, mime=found.mime,
                        extension=found.extension, size=len(data))
    document.title = title
    document.content = data
    db.session.add(document)
    db.session.flush()
    record(AuditEvent.DOCUMENT_ADDED, target_type="case", target_ref=case.id,
           details={"document": document.id, "category": category, "type": found.mime,
                    "bytes": len(data)})
    db.session.commit()
    return document


def read(case: Case, document: Document) -> bytes:
    """The document's content (loaded through the policy by the route); logged."""
    record(AuditEvent.DOCUMENT_DOWNLOADED, target_type="case", target_ref=case.id,
           details={"document": document.id, "category": document.category})
    db.session.commit()
    return document.content or b""
