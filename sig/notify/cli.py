"""``sig mail send``: deliver what is due in the outbox (run it on a timer, e.g. every
minute), and forget what was sent or given up more than ``MAIL_KEEP_DAYS`` ago;
``sig mail status``: how many messages are waiting, sent and given up."""
from __future__ import annotations

import datetime as dt
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from kernel.db import db
from kernel.mail.models import OutboxMessage
from kernel.mail.outbox import SmtpSettings, deliver_due, prune

mail_cli = AppGroup("mail", help="E-mail: the outbox and its delivery.")


@mail_cli.command("send")
@click.option("--watch", type=float, default=None, metavar="SECONDS",
              help="Keep running, looking for due messages every SECONDS.")
def send_command(watch: float | None) -> None:
    """Send the e-mails that are due; a message that cannot be sent now is retried later."""
    settings = SmtpSettings.from_config(current_app.config)
    while True:
        result = deliver_due(db.session, settings,
                             max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"])
        prune(db.session, dt.timedelta(days=current_app.config["MAIL_KEEP_DAYS"]))
        if result.sent or result.retrying or result.failed or watch is None:
            click.echo(f"sent {result.sent}, to retry {result.retrying}, "
                       f"given up {result.failed}")
        if watch is None:
            return
        time.sleep(watch)


@mail_cli.command("status")
def status_command() -> None:
    """Messages in the outbox by state."""
    rows = db.session.execute(select(OutboxMessage.state, func.count())
                              .group_by(OutboxMessage.state).order_by(OutboxMessage.state))
    for state, count in rows:
        click.echo(f"{state:<8} {count}")
