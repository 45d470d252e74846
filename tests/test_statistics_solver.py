"""The suppression decided in a process of its own (``sig.statistics.solver``): the
marks are exactly the worker's own, the worker never loads numpy or scipy, and a
solver process that fails to start, dies or answers nonsense costs the manager nothing
but time."""
from __future__ import annotations

import datetime as dt
import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from sig.statistics import solver, suppression
from sig.statistics.suppression import Relation
from tests.helpers import login

D = dt.date


def _table(seed: int) -> tuple[dict, list[Relation]]:
    """A table of counts with row and column totals, keyed as the dashboard keys its
    cells (period, row, column), many of them small: marks that need the linear
    programmes, and ties that the order of the cells decides."""
    rng = random.Random(seed)  # noqa: S311 (a test table, not a secret)
    rows, columns = rng.randint(2, 5), rng.randint(2, 5)
    block = (D(2025, 1, 1), D(2025, 12, 31))
    values = {(block, f"r{r}", f"c{c}"): rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 30])
              for r in range(rows) for c in range(columns)}
    relations = []
    for r in range(rows):
        values[block, f"r{r}", "total"] = sum(values[block, f"r{r}", f"c{c}"]
                                             for c in range(columns))
        relations.append(Relation((block, f"r{r}", "total"),
                                  tuple((block, f"r{r}", f"c{c}") for c in range(columns))))
    for c in [*(f"c{c}" for c in range(columns)), "total"]:
        values[block, "all", c] = sum(values[block, f"r{r}", c] for r in range(rows))
        relations.append(Relation((block, "all", c),
                                  tuple((block, f"r{r}", c) for r in range(rows))))
    return values, relations


@pytest.fixture
def fresh_solver():
    """No solver process before the test, none left after it."""
    with solver._Child.lock:
        solver._end()
        solver._Child.failed = None
    yield solver
    with solver._Child.lock:
        solver._end()
        solver._Child.failed = None


def test_the_solver_process_decides_what_the_worker_would(fresh_solver):
    for seed in range(40):
        values, relations = _table(seed)
        zeros = [cell for cell, value in values.items() if value == 0][:1]
        assert solver.suppress(values, relations, 5, zeros) == \
            suppression.suppress(values, relations, 5, zeros), seed
        assert solver.running()  # (decided there, not here)
    child = solver._Child.process
    values, relations = _table(1)
    solver.suppress(values, relations, 7)
    assert solver._Child.process is child  # one process for all the tables


def test_a_table_the_solver_refuses_gets_its_own_error_and_the_process_lives_on(
        fresh_solver):
    values, relations = _table(3)
    cell = next(iter(values))
    wrong = {**values, cell: values[cell] + 1}  # a total no longer holds
    solver.suppress(values, relations, 5)
    child = solver._Child.process
    with pytest.raises(ValueError, match="does not hold"):
        solver.suppress(wrong, relations, 5)
    with pytest.raises(ValueError, match="below the minimum"):
        solver.suppress(values, relations, 3)
    with pytest.raises(ValueError, match="not an integer"):
        solver.suppress({**values, cell: 2.5}, relations, 5)
    assert solver._Child.process is child and solver.running()


def test_the_worker_never_loads_numpy_or_scipy():
    """In a fresh interpreter (the suite's own has them from other tests): tables that
    need the linear programmes, decided, and neither library in the process."""
    script = textwrap.dedent("""
        import sys
        from sig.statistics import solver
        from tests.test_statistics_solver import _table
        for seed in range(10):
            solver.suppress(*_table(seed), 5)
        assert solver.running()
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy")))
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=root, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_solver_process_loads_the_workers_code_whatever_the_working_directory(
        tmp_path):
    """A working directory that holds another ``sig`` (a checkout beside the installed
    one, say): the child finds the package where the worker found it."""
    (tmp_path / "sig").mkdir()
    (tmp_path / "sig" / "__init__.py").write_text('raise ImportError("another sig")\n')
    script = textwrap.dedent("""
        from sig.statistics import solver
        from tests.test_statistics_solver import _table
        solver.suppress(*_table(0), 5)
        print(solver.running())
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120, check=True,
                         env={**os.environ, "PYTHONPATH": root})
    assert out.stdout.strip() == "True", out.stdout + out.stderr
    assert "failed" not in out.stderr, out.stderr


def test_the_solver_process_ends_with_the_worker():
    script = textwrap.dedent("""
        from sig.statistics import solver
        from tests.test_statistics_solver import _table
        solver.suppress(*_table(0), 5)
        print(solver._Child.process.pid, flush=True)
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=root, timeout=120, check=True)
    pid = int(out.stdout.split()[-1])
    for _ in range(100):  # its input closed with the worker: it leaves its loop
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the solver process outlived its worker")


def test_an_idle_solver_process_is_ended_by_the_next_request(fresh_solver, monkeypatch,
                                                              client):
    solver.suppress(*_table(2), 5)
    child = solver._Child.process
    client.get("/login")
    assert solver.running()  # not idle long enough
    monkeypatch.setattr(solver, "IDLE", 0)
    client.get("/login")
    assert not solver.running() and child.poll() == 0  # ended, not killed


@pytest.mark.parametrize("fault", ["no interpreter", "other code", "dies", "nonsense",
                                   "hangs"])
def test_a_failing_solver_process_costs_the_manager_nothing_but_time(
        fresh_solver, monkeypatch, caplog, fault):
    values, relations = _table(5)
    expected = suppression.suppress(values, relations, 5)
    monkeypatch.setattr(solver, "ANSWER_SECONDS", 1)
    if fault == "no interpreter":
        monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    elif fault == "other code":  # the child loaded a suppression from another file
        monkeypatch.setattr(solver, "_code", lambda: "/elsewhere/suppression.py")
    else:  # reads the table and ends (an out-of-memory kill), or answers another table
        code = {"dies": "import sys; sys.stdin.readline()",
                "nonsense": "import sys\nfor line in sys.stdin: print('{\"0\": 1}', flush=True)",
                "hangs": "import sys, time; sys.stdin.readline(); time.sleep(600)"}[fault]
        monkeypatch.setattr(solver, "_start", lambda: subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True))
    with caplog.at_level(logging.WARNING, logger="sig.statistics.solver"):
        assert solver.suppress(values, relations, 5) == expected
    assert "deciding in the worker" in caplog.text
    assert not solver.running()
    # the next tables are decided here at once, without another try, until IDLE passes
    monkeypatch.setattr(solver, "_start", lambda: pytest.fail("tried again at once"))
    caplog.clear()
    other, other_relations = _table(8)
    assert solver.suppress(other, other_relations, 5) == \
        suppression.suppress(other, other_relations, 5)
    assert caplog.text == "" and not solver.running()
    monkeypatch.undo()  # (the real interpreter, code and start again) ... and IDLE later:
    solver._Child.failed = time.monotonic() - solver.IDLE - 1
    assert solver.suppress(other, other_relations, 5) == \
        suppression.suppress(other, other_relations, 5)
    assert solver.running()


def test_a_stopped_solver_process_holds_the_worker_no_longer_than_its_deadline(
        fresh_solver, monkeypatch, caplog):
    """Stopped (SIGSTOP) between tables, the child reads nothing: a table larger than
    the pipe holds must not block the worker's write, nor the answer its read."""
    monkeypatch.setattr(solver, "ANSWER_SECONDS", 1)
    values, relations = _table(7)
    solver.suppress(values, relations, 5)
    child = solver._Child.process
    os.kill(child.pid, signal.SIGSTOP)
    large = {("cell", n): n % 9 for n in range(20_000)}  # some 400 kB of JSON
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="sig.statistics.solver"):
        assert solver.suppress(large, [], 5) == suppression.suppress(large, [], 5)
    assert time.monotonic() - started < 10
    assert "TimeoutError" in caplog.text
    assert child.wait(timeout=5) == -signal.SIGKILL and not solver.running()


def test_a_solver_process_killed_between_tables_is_started_again(fresh_solver, caplog):
    values, relations = _table(6)
    solver.suppress(values, relations, 5)
    first = solver._Child.process
    first.kill()
    first.wait()
    with caplog.at_level(logging.WARNING, logger="sig.statistics.solver"):
        assert solver.suppress(values, relations, 5) == \
            suppression.suppress(values, relations, 5)
    assert solver.running() and solver._Child.process is not first
    assert caplog.text == ""


def test_the_dashboard_is_decided_in_the_solver_process(client, maria, fresh_solver,
                                                        orgs, sara, fake_clock, app_ctx,
                                                        monkeypatch):
    from kernel.db import db
    from sig.outcomes.models import OutcomeKind
    from sig.statistics import dashboard, tables
    from tests.stats_world import World

    fake_clock.current = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    world = World(orgs, sara)
    for i in range(9):
        case = world.case(born=2009 + i % 3, gender=("girl", "boy")[i % 2],
                          referred=D(2025, 2 + i % 3, 2), started=D(2025, 2 + i % 3, 20))
        if i % 3 == 0:
            world.event(case, OutcomeKind.POLICE_REPORT, D(2025, 9, 1))
    db.session.commit()
    dashboard.clear_cache()
    login(client, maria)
    asked, decided = [], []
    real = solver._ask
    monkeypatch.setattr(solver, "_ask", lambda child, job: asked.append(job) or
                        real(child, job))
    monkeypatch.setattr(tables, "suppress", lambda *args: decided.append(
        (args, marks := solver.suppress(*args))) or marks)
    response = client.get("/statistics/?period=year&year=2025")
    assert response.status_code == 200
    assert asked and solver.running() and len(decided) == len(asked)
    # the dashboard's own tables (cells keyed by period, row and column, the periods'
    # relations, the known zeros): marked in the solver process as in this one
    for args, marks in decided:
        assert marks == suppression.suppress(*args)
    assert {str(m) for _args, marks in decided for m in marks.values()} == \
        {"shown", "small", "hidden"}
    assert any(args[3] for args, _marks in decided)  # known zeros among them
    # only counts crossed: numbers for cells, no label, date or name
    for job in asked:
        assert set(job) == {"values", "relations", "threshold", "zeros"}
        assert all(key.isdigit() for key in job["values"])
        assert all(type(value) is int for value in job["values"].values())
    assert "<5" in response.get_data(as_text=True)  # and small counts were suppressed
