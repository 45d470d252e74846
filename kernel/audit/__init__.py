"""The access log: append-only, hash-chained, written in the transaction it records."""
from kernel.audit.events import AuditEvent
from kernel.audit.log import record

__all__ = ["AuditEvent", "record"]
