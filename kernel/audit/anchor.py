"""The audit head anchored outside the database.

The hash chain shows an edited, removed or reordered entry, but not a log that was
rewound as a whole — a restored older copy, or a tail cut off together with the head
row.  ``sig audit anchor`` (run by a timer) writes the head (``seq:hash``) to the system
log and appends it to an anchor file kept outside the database; ``sig audit verify``
then checks by default that the last anchored entry is still in the log, unchanged.

A restore writes a fresh anchor (``restored``), so the anchors before it no longer
apply — the restore itself is in the access log and in the anchor file.
"""
from __future__ import annotations

import logging
import logging.handlers
import os

from kernel import clock

SYSLOG = "/dev/log"
logger = logging.getLogger("sig.audit.anchor")


def _syslog(line: str) -> None:
    if not os.path.exists(SYSLOG):
        return
    handler = logging.handlers.SysLogHandler(address=SYSLOG)
    handler.setFormatter(logging.Formatter("sig-audit: %(message)s"))
    try:
        handler.emit(logging.LogRecord("sig.audit.anchor", logging.INFO, __file__, 0,
                                       line, None, None))
    finally:
        handler.close()


def write(path: str, seq: int, digest: str, note: str = "anchor") -> str:
    """Append the head to ``path`` (0600) and send it to the system log; returns the line."""
    line = f"{clock.now().isoformat()} {note} {seq}:{digest}"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(line + "\n")
    _syslog(line)
    return line


def last(path: str) -> tuple[int, str] | None:
    """The last anchored head in ``path``, or None when nothing is anchored yet."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="ascii") as handle:
        lines = [line.split() for line in handle if line.strip()]
    if not lines:
        return None
    seq, _, digest = lines[-1][-1].partition(":")
    return int(seq), digest
