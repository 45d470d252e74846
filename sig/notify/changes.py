"""Change notices: when a request saves a case item, the people of the case whose
organisation may see it (by the disclosure policy, as on their case page) get an e-mail
that something is new in the case — the pseudonym and a link, nothing of the item.  At
most one per person and case in ``CHANGE_NOTICE_HOURS``; never to the one who made the
change.

The items are collected as they are flushed and the notices written just before the
commit, into the same transaction: a change and its notices are saved together or not
at all.  Only requests notify (a command or a test's direct inserts does not)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from auth.models import User
from consent.policy import Relation, case_of_item, decide
from kernel import clock
from kernel.mail.models import OutboxMessage
from sig.cases.access import current_membership, today
from sig.cases.models import Case, Membership
from sig.notify.compose import FOOTER, MailKind, in_language_of, link, send, wants

_LISTENING = False


def listen() -> None:
    """Attach the two session hooks (once per process)."""
    global _LISTENING
    if not _LISTENING:
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "before_commit", _notify)
        _LISTENING = True


def _collect(session: Session, _context: Any, _instances: Any) -> None:
    if not has_request_context():
        return
    for item in [*session.new, *session.dirty]:
        case_id = case_of_item(item)
        if case_id is None:
            continue
        if item in session.dirty and not session.is_modified(item):
            continue
        if case_id:
            g.setdefault("changed_case_items", []).append((case_id, item))


def _notify(session: Session) -> None:
    if not has_request_context() or not g.get("changed_case_items"):
        return
    changed: list[tuple[str, Any]] = g.pop("changed_case_items")
    actor = current_user.id if current_user and current_user.is_authenticated else None
    by_case: dict[str, list[Any]] = {}
    for case_id, item in changed:
        by_case.setdefault(case_id, []).append(item)
    for case_id, items in by_case.items():
        case = session.get(Case, case_id)
        if case is None or case.purged_at is not None:
            continue
        for user, relation in _people_of(session, case):
            if user.id == actor or not wants(user, MailKind.CHANGE):
                continue
            if (user.id, case.id) in g.get("mailed_about_case", ()):
                continue  # this change already mails her about the case (an invitation)
            if not any(decide(user, relation, item).shown for item in items):
                continue
            if _noticed_lately(session, user, case):
                continue
            with in_language_of(user):
                subject = _("Something new in %(ref)s", ref=case.reference)
                body = "\n\n".join([
                    _("Something new in the SIG case %(ref)s is shown to your organisation.",
                      ref=case.reference), link(f"/cases/{case.id}"), str(FOOTER)])
            send(user, MailKind.CHANGE, subject, body, case_id=case.id)


def _people_of(session: Session, case: Case) -> list[tuple[User, Relation]]:
    """The owner and the current group members (still in the organisation they were
    added for), as the case knows them today."""
    people = [(session.get(User, case.owner_id), Relation.OWNER)]
    day = today()
    people += [(user, Relation.MEMBER) for user in session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.case_id == case.id, current_membership(None, day),
            Membership.member_org_id == User.organisation_id))]
    return [(u, r) for u, r in people if u is not None and u.active]


def _noticed_lately(session: Session, user: User, case: Case) -> bool:
    since = clock.now() - dt.timedelta(hours=current_app.config["CHANGE_NOTICE_HOURS"])
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.recipient_user_id == user.id, OutboxMessage.case_id == case.id,
        OutboxMessage.kind == MailKind.CHANGE.value, OutboxMessage.created_at >= since)
        .limit(1)) is not None
