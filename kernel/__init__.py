"""The infrastructure layer: database, clock, encryption at rest, the tamper-evident
access log and optimistic locking.  It imports nothing of ``sig``, ``consent`` or
``auth``: the dependency direction is sig (domains) → consent → auth → kernel."""
