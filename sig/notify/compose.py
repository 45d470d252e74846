"""Who gets which e-mail, and the one way SIG writes one to the outbox.

A user receives a kind of e-mail when she has an address, is active, and has not turned
the kind off on her account.  Subjects and bodies are built here from fixed texts, a
case pseudonym, dates and a link — never from anything typed into a case.
"""
from __future__ import annotations

import enum
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from kernel.db import db
from kernel.mail.outbox import enqueue


class MailKind(enum.StrEnum):
    INVITATION = "invitation"   # meeting invitations, changes and cancellations
    REMINDER = "reminder"       # actions due and consents expiring (a daily digest)
    CHANGE = "change"           # something new the user's organisation may see in a case


KIND_LABELS = {
    MailKind.INVITATION: _l("Meeting invitations, changes and cancellations"),
    MailKind.REMINDER: _l("Reminders: my actions due and consents about to expire"),
    MailKind.CHANGE: _l("Notices when something new in my cases is shown to my organisation"),
}


def wants(user: Any, kind: MailKind) -> bool:
    off = set(filter(None, (user.mail_off or "").split(",")))
    return bool(user.active and user.email and str(kind) not in off)


def link(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def send(user: Any, kind: MailKind, subject: str, body: str, *, case_id: str | None = None,
         about_id: str | None = None, calendar: str | None = None) -> bool:
    """Write one e-mail to ``user`` into the outbox of the current transaction (if she
    wants the kind).  ``subject`` and ``body`` are already in her language."""
    if not wants(user, kind):
        return False
    if has_request_context() and case_id is not None:  # (change notices skip these)
        g.setdefault("mailed_about_case", set()).add((user.id, case_id))
    enqueue(db.session, to=user.email, subject=subject, body=body, kind=str(kind),
            recipient_user_id=user.id, case_id=case_id, about_id=about_id, calendar=calendar)
    return True


def in_language_of(user: Any) -> Any:
    """Texts for ``user`` in her language (the request's may be another's)."""
    return force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"])


FOOTER = _l("This e-mail holds no information about the case; log in to SIG to read it. "
            "You can choose which e-mails you receive under My account.")
