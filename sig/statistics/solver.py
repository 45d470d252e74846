"""The small-cell suppression, decided in a process of its own.

Deciding the marks may need linear programmes, and with them numpy and scipy: some
50 MB that a process, once it has imported them, never gives back.  A web worker that
had shown the managers' dashboard once would carry them while it serves case pages
for the rest of its life (103 → 171 MiB on the benchmark's municipality), over the
150 MiB a worker may use.  So the worker never imports them: ``suppress`` hands the
table to a child process — ``python -m sig.statistics.solver``, a fresh interpreter
with nothing of the worker's state, connections or keys — started when marks are first
needed that no cache holds.  The child serves the worker's later tables too (a manager
going through periods waits for its start, half a second, once), and is ended by the
first request after it has been idle for ``IDLE`` seconds — or, at the latest, when
the worker ends: its input then closes, and so does it.

What crosses is one line of JSON each way: the counts, the relations and the known
zeros over cells renamed to numbers (given in the order ``suppression`` sorts the
cells in, so the child breaks ties exactly as the worker would), and the marks back.
Nothing else: no names, no Python objects to unpickle.  ``suppression`` is pure and
deterministic, so the child decides exactly what the worker would.

Should the child not start, load other code than the worker, die on the way, answer
nonsense or not answer within ``ANSWER_SECONDS`` (a host that forbids new processes, an
out-of-memory kill, a stopped process), the marks are
decided in the worker after all — and for the next ``IDLE`` seconds without trying
another child: the dashboard is right and the worker heavier, rather than the page
missing.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from sig.statistics import suppression
from sig.statistics.suppression import Mark, Relation

log = logging.getLogger(__name__)

# A child not asked anything for this many seconds is ended by the next request.
IDLE = 300
# A child that does not end when its input is closed is killed after this many seconds.
_GRACE = 5
# A child that has not greeted or answered a table within this many seconds is killed and
# the table decided in the worker (the dashboard's largest table takes the solver well
# under a second; a web worker is itself ended by gunicorn after 30 s).
ANSWER_SECONDS = 10


class _Child:
    """This process's solver process, if one is running, when it was last asked, and
    when one last failed (for ``IDLE`` seconds after that no other is tried: a host
    that forbids new processes does not pay a failed start per table)."""

    lock = threading.Lock()  # (a threaded server: one table at a time through the pipe)
    process: subprocess.Popen | None = None
    used = 0.0
    failed: float | None = None


def suppress(values: Mapping[Hashable, int], relations: Sequence[Relation],
             threshold: int, known_zeros: Iterable[Hashable] = ()) -> dict[Hashable, Mark]:
    """``suppression.suppress``, decided in the solver process."""
    zeros = frozenset(known_zeros)
    cells = sorted(values, key=repr)  # suppression's own order (see the module's note)
    number = {cell: f"{i:09d}" for i, cell in enumerate(cells)}
    try:
        job = {"values": {number[c]: _count(values[c]) for c in cells},
               "relations": [[number[r.total], [number[p] for p in r.parts]]
                             for r in relations],
               "threshold": _count(threshold), "zeros": sorted(number[c] for c in zeros)}
    except (KeyError, TypeError, ValueError):  # not a table: the solver's own error, here
        return suppression.suppress(values, relations, threshold, zeros)
    with _Child.lock:
        if _Child.failed is not None and time.monotonic() - _Child.failed < IDLE:
            return suppression.suppress(values, relations, threshold, zeros)
        try:
            if _Child.process is not None and _Child.process.poll() is not None:
                _end()  # ended meanwhile (killed): its pipes closed, a new one started
            if _Child.process is None:
                _Child.process = _start()
            marks = _ask(_Child.process, job)
            _Child.used = time.monotonic()
            if marks is not None:
                return {cell: Mark(marks[number[cell]]) for cell in cells}
        except (OSError, ValueError, KeyError, EOFError) as error:
            log.warning("statistics: the solver process failed (%s); deciding in the "
                        "worker for %d s", type(error).__name__, IDLE)
            _Child.failed = time.monotonic()
            _end(kill=True)
    return suppression.suppress(values, relations, threshold, zeros)


def _count(value: Any) -> int:
    """A count as JSON carries it (PostgreSQL's sums are decimals); anything that is not
    a whole number is left to the solver to refuse."""
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(value)
    return int(value)


def reap(_error: BaseException | None = None) -> None:
    """End the solver process once it has been idle for ``IDLE`` seconds (called as
    each request's app context ends: a time comparison unless there is one to end)."""
    if _Child.process is not None and time.monotonic() - _Child.used >= IDLE:
        with _Child.lock:
            if _Child.process is not None and time.monotonic() - _Child.used >= IDLE:
                _end()


def running() -> bool:
    """Whether this process has a solver process now."""
    return _Child.process is not None and _Child.process.poll() is None


def _end(*, kill: bool = False) -> None:
    """End the child (the lock held): its input closes, it leaves its loop; one that
    failed is killed at once (it may be stopped, or busy for good)."""
    child, _Child.process = _Child.process, None
    if child is None:
        return
    try:
        if not kill:
            try:
                child.stdin.close()
                child.wait(timeout=_GRACE)
                return
            except (OSError, subprocess.TimeoutExpired):
                pass
        child.kill()
        child.wait()
    finally:
        for pipe in (child.stdin, child.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


def _start() -> subprocess.Popen:
    """This interpreter on this module, finding the package where the worker does (its
    ``sys.path``, and ``-P``: not the working directory first, which may hold another
    copy), with no other environment (the worker's may hold its secret and keys).  The
    child's first line names the suppression it loaded: another file than the worker's
    is refused."""
    if not sys.executable:
        raise OSError("no interpreter to start the solver with")
    environment = {"PATH": os.environ.get("PATH", os.defpath),
                   "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    child = subprocess.Popen(  # noqa: S603 (a fixed command: no input reaches it)
        [sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, encoding="utf-8", close_fds=True,
        env=environment)
    _Child.process = child  # (ended like any other should the greeting be wrong)
    found = json.loads(_line(child))
    if not isinstance(found, dict) or found.get("code") != _code():
        raise ValueError("the solver process loaded another suppression")
    return child


def _code() -> str:
    return os.path.realpath(suppression.__file__)


def _ask(child: subprocess.Popen, job: dict[str, Any]) -> dict[str, str] | None:
    """The child's marks for ``job``; None when it refused the table."""
    _send(child, (json.dumps(job) + "\n").encode("utf-8"))
    marks = json.loads(_line(child))
    if isinstance(marks, dict) and set(marks) == {"error"}:
        return None
    if not isinstance(marks, dict) or set(marks) != set(job["values"]):
        raise ValueError("the solver process answered another table")
    return marks


def _send(child: subprocess.Popen, data: bytes) -> None:
    """Write ``data`` to the child within ``ANSWER_SECONDS``: in pieces of at most
    ``PIPE_BUF`` bytes, each once the pipe has room for it (such a write never waits),
    so a stopped child cannot hold the worker on a full pipe."""
    deadline = time.monotonic() + ANSWER_SECONDS
    pipe, sent = child.stdin.fileno(), 0
    while sent < len(data):
        _, ready, _ = select.select([], [pipe], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise TimeoutError("the solver process did not read its table in time")
        sent += os.write(pipe, data[sent:sent + select.PIPE_BUF])


def _line(child: subprocess.Popen) -> str:
    """The child's next line, within ``ANSWER_SECONDS`` (it writes one line per question
    and nothing else, so nothing waits in the pipe's reader when it is polled)."""
    ready, _, _ = select.select([child.stdout], [], [], ANSWER_SECONDS)
    if not ready:
        raise TimeoutError("the solver process did not answer in time")
    line = child.stdout.readline()
    if not line:
        raise EOFError("the solver process ended")
    return line


def serve(lines: Iterable[str], write: Any) -> None:
    """The child: one table per line in, its marks as one line out, until the input
    ends.  A table the solver refuses is answered with an error: the worker then
    decides it itself and so raises the solver's own error."""
    for line in lines:
        job = json.loads(line)
        relations = [Relation(total, tuple(parts)) for total, parts in job["relations"]]
        try:
            marks = suppression.suppress(job["values"], relations, job["threshold"],
                                         job["zeros"])
        except ValueError as error:
            write(json.dumps({"error": type(error).__name__}) + "\n")
            continue
        write(json.dumps({cell: str(mark) for cell, mark in marks.items()}) + "\n")


if __name__ == "__main__":
    import signal

    # Ctrl-C at a terminal reaches the whole process group: the worker decides when
    # this process ends (by closing its input), not the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    _write(json.dumps({"code": _code()}) + "\n")
    serve(sys.stdin, _write)
