"""Writing to the outbox, and delivering from it.

``enqueue`` adds a message to the current session: it is committed with the change it
tells about, or not at all.  ``deliver_due`` (the ``sig mail send`` worker) claims due
messages one by one, sends each over SMTP and records the outcome; a message that
cannot be sent now is tried again later, waiting twice as long each time (one minute,
two, four … at most six hours), and is given up after ``MAIL_MAX_ATTEMPTS`` attempts.
Two workers never send the same message: a claim is an UPDATE that only one wins, and a
claim older than ``CLAIM_TIMEOUT`` (a worker that died mid-send) is taken over.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kernel import clock
from kernel.mail.models import MailState, OutboxMessage

FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)
CLAIM_TIMEOUT = dt.timedelta(minutes=10)


def enqueue(session: Session, *, to: str, subject: str, body: str, kind: str,
            recipient_user_id: str | None = None, case_id: str | None = None,
            about_id: str | None = None, calendar: str | None = None) -> OutboxMessage:
    """Add a message to ``session`` (the caller commits it with its change)."""
    message = OutboxMessage(kind=kind, recipient_user_id=recipient_user_id, case_id=case_id,
                            about_id=about_id, subject=subject,
                            state=MailState.PENDING.value, attempts=0,
                            next_attempt_at=clock.now())
    message.to_address = to
    message.body = body
    message.calendar = calendar
    session.add(message)
    return message


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings:
        return cls(host=config["MAIL_SERVER"], port=int(config["MAIL_PORT"]),
                   sender=config["MAIL_FROM"], starttls=bool(config["MAIL_STARTTLS"]),
                   username=config.get("MAIL_USERNAME") or None,
                   password=config.get("MAIL_PASSWORD") or None)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(idstring=message.id[:8], domain="sig.invalid")
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body or "")
    if message.calendar:
        method = next((line.split(":", 1)[1].strip() for line in message.calendar.splitlines()
                       if line.startswith("METHOD:")), "PUBLISH")
        # as calendar programs expect: the invitation inline, and as a file
        mail.add_alternative(message.calendar.encode(), maintype="text", subtype="calendar",
                             params={"method": method, "charset": "utf-8"})
        mail.add_attachment(message.calendar.encode(), maintype="application",
                            subtype="ics", filename="inbjudan.ics")
    return mail


def _claim(session: Session, message_id: str, now: dt.datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage).where(
            OutboxMessage.id == message_id,
            or_(OutboxMessage.state == MailState.PENDING.value,
                (OutboxMessage.state == MailState.SENDING.value)
                & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)))
        .values(state=MailState.SENDING.value, claimed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return bool(claimed)


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(session: Session, settings: SmtpSettings, *, max_attempts: int,
                limit: int = 500) -> Delivery:
    """Send what is due now; one SMTP connection for the batch (reopened after an error)."""
    now = clock.now()
    due = list(session.scalars(
        select(OutboxMessage.id).where(
            or_(OutboxMessage.state == MailState.PENDING.value,
                (OutboxMessage.state == MailState.SENDING.value)
                & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)),
            OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at).limit(limit)))
    result = Delivery()
    connection: smtplib.SMTP | None = None
    try:
        for message_id in due:
            if not _claim(session, message_id, now):
                continue  # another worker has it
            message = session.get(OutboxMessage, message_id)
            try:
                if connection is None:
                    connection = _connect(settings)
                connection.send_message(as_email(message, settings.sender))
            except (OSError, smtplib.SMTPException) as exc:
                _close(connection)
                connection = None
                message.attempts += 1
                message.last_error = type(exc).__name__[:64]
                if message.attempts >= max_attempts:
                    message.state = MailState.FAILED.value
                    result.failed += 1
                else:
                    message.state = MailState.PENDING.value
                    message.next_attempt_at = clock.now() + backoff(message.attempts)
                    result.retrying += 1
            else:
                message.attempts += 1
                message.state = MailState.SENT.value
                message.sent_at = clock.now()
                message.last_error = None
                result.sent += 1
            session.commit()
    finally:
        _close(connection)
    return result


def prune(session: Session, keep: dt.timedelta) -> int:
    """Delete the messages sent or given up more than ``keep`` ago: an outbox is not an
    archive (the addresses are personal data; what was sent is in the access log)."""
    cutoff = clock.now() - keep
    gone = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.state.in_((MailState.SENT.value, MailState.FAILED.value)),
            OutboxMessage.created_at < cutoff)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return gone


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        connection.starttls(context=ssl.create_default_context())
    if settings.username:
        connection.login(settings.username, settings.password or "")
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
