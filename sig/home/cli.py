"""``sig reminders``: each user's actions due and meetings coming, ready to be e-mailed."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from auth.models import User
from auth.permissions import Permission, has_permission
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.home import reminders


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


@click.command("reminders")
@click.option("--user", "username", help="Only this user.")
@with_appcontext
def reminders_command(username: str | None) -> None:
    """Print each user's reminders (the same as their start page).

    The text holds case references and action descriptions the user may see; deliver
    it only to that user.  Each user's reminders are recorded in the access log.
    """
    stmt = select(User).where(User.active.is_(True)).order_by(User.username)
    if username:
        stmt = stmt.where(User.username == username.lower())
    now = clock.now()
    for user in db.session.scalars(stmt).all():
        if not has_permission(user, Permission.WORK_IN_CASES):
            continue
        due = reminders.for_user(user, now)
        if due.empty:
            continue
        for line in lines_for(user, due):
            click.echo(line)
        record(AuditEvent.REMINDERS_PRINTED, actor=user,
               details={"actions": len(due.actions), "meetings": len(due.meetings)})
        db.session.commit()
