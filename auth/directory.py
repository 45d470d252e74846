"""The organisations: names for pages, kinds for the policy; and people's names.

Every page needs some of them (the case page three times over: the reader's kind, the
policy's organisations by kind, the names of the organisations it shows).  Each worker
keeps them between requests (``kernel.reference``): a renamed or new organisation shows
on the next request, in every worker.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import Select, bindparam, select

from auth.models import Organisation, User
from kernel import reference
from kernel.db import db


def _read() -> dict[str, tuple[str, str]]:
    return {org_id: (name, kind) for org_id, name, kind in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind))}


def _all() -> dict[str, tuple[str, str]]:
    return reference.cached("organisations", _read)


def names() -> dict[str, str]:
    """Organisation id → name."""
    return {org_id: name for org_id, (name, _kind) in _all().items()}


def kinds() -> dict[str, str]:
    """Organisation id → kind (``auth.roles.OrganisationKind``)."""
    return {org_id: kind for org_id, (_name, kind) in _all().items()}


@functools.cache
def _people() -> Select:
    return select(User).where(User.id.in_(bindparam("ids", expanding=True)))


def display_names(user_ids: Iterable[str]) -> dict[str, str]:
    """User id → name, for the people a page names (who wrote, who was responsible): one
    statement built once per process, none without ids."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {user.id: user.display_name
            for user in db.session.scalars(_people(), {"ids": ids})}
