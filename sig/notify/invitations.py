"""Meeting invitations by e-mail, with the meeting as an iCalendar entry: a new meeting
and a changed one are a REQUEST (the same UID, a higher SEQUENCE: calendars update the
entry), a cancelled one a CANCEL.  The e-mail and the entry say "SIG meeting" and the
case's pseudonym, the time and a link — not the place or the agenda, which are case
content (they are on the meeting's page)."""
from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from auth.models import User
from kernel.db import db
from kernel.mail.ics import event
from sig.notify.compose import FOOTER, MailKind, in_language_of, link, send

NEW, CHANGED, CANCELLED = "new", "changed", "cancelled"


def _texts(change: str, reference: str, when: str, url: str) -> tuple[str, str]:
    if change == CANCELLED:
        subject = _("Cancelled: SIG meeting %(ref)s, %(when)s", ref=reference, when=when)
        lead = _("The SIG meeting in %(ref)s on %(when)s is cancelled.", ref=reference,
                 when=when)
    elif change == CHANGED:
        subject = _("Changed: SIG meeting %(ref)s, %(when)s", ref=reference, when=when)
        lead = _("The SIG meeting in %(ref)s is changed; it is now on %(when)s.",
                 ref=reference, when=when)
    else:
        subject = _("Invitation: SIG meeting %(ref)s, %(when)s", ref=reference, when=when)
        lead = _("You are invited to a SIG meeting in %(ref)s on %(when)s.", ref=reference,
                 when=when)
    body = "\n\n".join([lead, _("The place and the agenda are on the meeting's page:"),
                        url, str(FOOTER)])
    return subject, body


def mail_meeting(meeting: Any, case: Any, user_ids: list[str], change: str, *,
                 sequence: int | None = None) -> int:
    """Write the invitation (or its change or cancellation) to each of ``user_ids`` who
    wants it; returns how many were written.  ``sequence``: the calendar entry's version,
    when the change is not yet written (default: the meeting's version)."""
    if not user_ids:
        return 0
    url = link(f"/cases/{case.id}/meetings/{meeting.id}")
    organizer = parseaddr(current_app.config["MAIL_FROM"])[1]
    ends = meeting.starts_at + dt.timedelta(minutes=current_app.config["MEETING_MINUTES"])
    written = 0
    for user in _users(user_ids):
        if not user.email:
            continue
        with in_language_of(user):
            when = format_datetime(meeting.starts_at, "yyyy-MM-dd HH:mm")
            subject, body = _texts(change, case.reference, when, url)
            summary = _("SIG meeting %(ref)s", ref=case.reference)
        calendar = event(uid=f"{meeting.id}@sig", method="CANCEL" if change == CANCELLED
                         else "REQUEST", sequence=sequence if sequence is not None
                         else meeting.version or 0,
                         starts=meeting.starts_at, ends=ends, summary=summary, url=url,
                         organizer=organizer, attendee=user.email)
        written += send(user, MailKind.INVITATION, subject, body, case_id=case.id,
                        about_id=meeting.id, calendar=calendar)
    return written


def _users(user_ids: list[str]) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.active.is_(True))))
