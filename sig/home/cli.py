"""``sig reminders``: each user's actions due and meetings coming, ready to be e-mailed."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from auth.models import User
from auth.permissions import Permission, has_permission
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.home import reminders
from sig.notify.compose import FOOTER, MailKind, in_language_of, link, send


def lines_for(user: User, due: reminders.Reminders) -> list[str]:
    refs = {c.id: c.reference for c in due.cases}
    out = [f"{user.username}: {len(due.actions)} actions due, {len(due.meetings)} meetings"]
    for action in due.actions:
        flag = " OVERDUE" if due.is_overdue(action) else ""
        out.append(f"  action {action.due_date.isoformat()}{flag} {refs[action.case_id]}: "
                   f"{action.what}")
    for meeting in due.meetings:
        out.append(f"  meeting {clock.as_utc(meeting.starts_at):%Y-%m-%d %H:%M} UTC "
                   f"{refs[meeting.case_id]}")
    return out


def mail_digest(user: User, due: reminders.Reminders) -> bool:
    """Write the user's reminders to the outbox as one e-mail: how many actions are due
    (and overdue) and how many consents expire, with the cases' pseudonyms and a link —
    no action text, no name.  False when there is nothing to remind of."""
    expiring = [f for f in due.consent_flags if f.expiring]
    if not due.actions and not expiring:
        return False
    refs = {c.id: c.reference for c in due.cases}
    overdue = sum(1 for a in due.actions if due.is_overdue(a))
    with in_language_of(user):
        lines = []
        if due.actions:
            lines.append(ngettext(
                "%(num)d of your actions is due within 14 days (%(late)d overdue), in %(refs)s.",
                "%(num)d of your actions are due within 14 days (%(late)d overdue), in %(refs)s.",
                len(due.actions), late=overdue,
                refs=", ".join(sorted({refs[a.case_id] for a in due.actions}))))
        if expiring:
            lines.append(ngettext(
                "%(num)d consent expires within 30 days, in %(refs)s.",
                "%(num)d consents expire within 30 days, in %(refs)s.", len(expiring),
                refs=", ".join(sorted({refs[f.case_id] for f in expiring}))))
        subject = _("SIG: your reminders")
        body = "\n\n".join([*lines, link("/start"), str(FOOTER)])
    return send(user, MailKind.REMINDER, subject, body)


@click.command("reminders")
@click.option("--user", "username", help="Only this user.")
@click.option("--mail", is_flag=True,
              help="Write each user's reminders to the outbox as an e-mail (for those who "
                   "want reminders) instead of printing them; `sig mail send` delivers.")
@with_appcontext
def reminders_command(username: str | None, mail: bool) -> None:
    """Print each user's reminders (the same as their start page), or e-mail them.

    The printed text holds case references and action descriptions the user may see;
    deliver it only to that user.  The e-mail holds counts and references only.  Each
    user's reminders are recorded in the access log.
    """
    stmt = select(User).where(User.active.is_(True)).order_by(User.username)
    if username:
        stmt = stmt.where(User.username == username.lower())
    now = clock.now()
    for user in db.session.scalars(stmt).all():
        if not has_permission(user, Permission.WORK_IN_CASES):
            continue
        due = reminders.for_user(user, now)
        if mail:
            if not mail_digest(user, due):
                continue
            click.echo(f"{user.username}: reminder e-mail written to the outbox")
        elif due.empty:
            continue
        else:
            for line in lines_for(user, due):
                click.echo(line)
        record(AuditEvent.REMINDERS_PRINTED, actor=user,
               details={"actions": len(due.actions), "meetings": len(due.meetings),
                        "mailed": mail})
        db.session.commit()
