"""The account list: every account by username, or those an administrator looks for — by
part of the username or whole words of the name, by organisation, role and state.

Names are encrypted; a worker keeps the ones it has opened (``User.display_name``), so a
search by name compares the words of every account's name in the worker without a
statement per account (an administration has hundreds of accounts, not the youths'
tens of thousands)."""
from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth import throttle
from auth.models import User
from kernel.db import db
from kernel.name_words import words


class State(enum.StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    LOCKED = "locked"
    WITHOUT_SECOND_FACTOR = "without_second_factor"


STATE_LABELS = {
    State.ACTIVE: _l("Active"),
    State.DEACTIVATED: _l("Deactivated"),
    State.LOCKED: _l("Locked now"),
    State.WITHOUT_SECOND_FACTOR: _l("Active, two-factor not set up"),
}

BY_USERNAME = select(User).order_by(User.username)


def matching(text: str = "", organisation: str = "", role: str = "",
             state: str = "") -> list[Any]:
    """The accounts that have ``text`` in their username or every word of it in their
    name, of the organisation (an id), the role and in the state asked for (each empty:
    any), by username."""
    statement = BY_USERNAME
    if organisation:
        statement = statement.where(User.organisation_id == organisation)
    if role:
        statement = statement.where(User.role == role)
    if state == State.ACTIVE:
        statement = statement.where(User.active.is_(True))
    elif state == State.DEACTIVATED:
        statement = statement.where(User.active.is_(False))
    elif state == State.WITHOUT_SECOND_FACTOR:
        statement = statement.where(User.active.is_(True), User.totp_enabled_at.is_(None))
    accounts = list(db.session.scalars(statement))
    if state == State.LOCKED:
        locked = throttle.locked_accounts([u.id for u in accounts])
        accounts = [u for u in accounts if u.id in locked]
    text = text.strip()
    if text:
        part, wanted = text.casefold(), set(words(text))
        accounts = [u for u in accounts if part in u.username.casefold()
                    or (wanted and wanted <= set(words(u.display_name or "")))]
    return accounts
