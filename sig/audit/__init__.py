"""The access log: append-only, hash-chained, written in the transaction it records."""
from sig.audit.events import AuditEvent
from sig.audit.log import record

__all__ = ["AuditEvent", "record"]
