"""The organisations, read once per request: names for pages, kinds for the policy.

Every page needs some of them (the case page three times over: the reader's kind, the
policy's organisations by kind, the names of the organisations it shows); one statement
serves them all.  Read afresh on the next request, so a renamed or new organisation shows
at once.
"""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from auth.models import Organisation
from kernel.db import db


def _all() -> dict[str, tuple[str, str]]:
    cached = g.get("_sig_organisations") if has_app_context() else None
    if cached is None:
        cached = {org_id: (name, kind) for org_id, name, kind in db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind))}
        if has_app_context():
            g._sig_organisations = cached
    return cached


def names() -> dict[str, str]:
    """Organisation id → name."""
    return {org_id: name for org_id, (name, _kind) in _all().items()}


def kinds() -> dict[str, str]:
    """Organisation id → kind (``auth.roles.OrganisationKind``)."""
    return {org_id: kind for org_id, (_name, kind) in _all().items()}


def forget() -> None:
    """After a change of organisations in this request (the admin pages)."""
    if has_app_context():
        g.pop("_sig_organisations", None)
