"""What became of the e-mails about something (a meeting's invitations), for its owner."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select

from kernel.db import db
from kernel.mail.models import MailState, OutboxMessage


@dataclass(frozen=True)
class DeliveryState:
    state: str        # pending, sending, sent, failed
    attempts: int
    sent_at: object | None

    @property
    def retrying(self) -> bool:
        return self.state == MailState.PENDING.value and self.attempts > 0


@functools.cache
def _about() -> Select:
    """Built once per process; bound: ``about_id``."""
    return (select(OutboxMessage.recipient_user_id, OutboxMessage.state,
                   OutboxMessage.attempts, OutboxMessage.sent_at)
            .where(OutboxMessage.about_id == bindparam("about_id"))
            .order_by(OutboxMessage.created_at))


def latest_by_recipient(about_id: str) -> dict[str, DeliveryState]:
    """Per recipient, the state of the newest e-mail about ``about_id``."""
    rows = db.session.execute(_about(), {"about_id": about_id})
    return {user_id: DeliveryState(state, attempts, sent_at)
            for user_id, state, attempts, sent_at in rows if user_id is not None}
