"""Outgoing e-mail through an outbox: a message is a row written in the transaction of
the change it tells about, and a worker (``sig mail send``, on a timer) delivers it — so
an SMTP outage never blocks or loses a write.  Retries back off; every message's state
is kept."""
