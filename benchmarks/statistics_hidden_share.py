"""How much of the managers' dashboard is hidden, on a realistic municipality.

Builds the statistics benchmark's synthetic municipality (``statistics_dashboard.py``) at
the size of the independent check in issue 16 — 400 youths referred over three years,
about 450 cases, 3,000 meetings, 15,000 attendance rows and 1,700 outcome events — and
prints, for every kind of period, the share of the dashboard's cells that are not shown
as a number ("<5", "–" or "×"), per table and in all::

    .venv/bin/python benchmarks/statistics_hidden_share.py [--youths 400 --seed N --path DIR]

The goal (issue 16): past quarters hide at most 25 % of cells, past years at most 15 %.
"today" is fixed (``--today``, default 2026-12-06) so the figures do not move with the
calendar.  ``tests/test_statistics_hidden_share.py`` runs the same survey.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statistics_dashboard as town  # noqa: E402 - the generator of the municipality

FIRST = dt.date(2023, 11, 1)   # referrals over three years …
LAST = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 12, 6)   # … and a month of quiet before "today"
SIZES = {"youths": 400, "meetings": 3_000, "attendance": 15_000}
GOALS = {"past years": 0.15, "past quarters": 0.25}


def periods(first: dt.date, today: dt.date) -> dict[str, list[Any]]:
    """The periods a manager follows up, by kind: every past full year, quarter and
    month since the data began, and the quarter that is running."""
    from sig.statistics.periods import Period

    years = [Period.year(y) for y in range(first.year, today.year)
             if dt.date(y, 1, 1) >= first]
    quarters, months = [], []
    for y in range(first.year, today.year + 1):
        for q in range(1, 5):
            quarter = Period.quarter(y, q)
            if quarter.first >= first and quarter.last < today:
                quarters.append(quarter)
        for m in range(1, 13):
            month = Period.month(y, m)
            if month.first >= first and month.last < today:
                months.append(month)
    current = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    return {"past years": years, "past quarters": quarters, "past months": months,
            "current quarter": [current]}


def cells(view: Any) -> Iterator[bool]:
    """Whether each cell of a table view is shown as a number."""
    for part in view.parts:
        for cell in part.cells.values():
            yield cell.shown and not cell.partial


def survey(app: Any, first: dt.date, today: dt.date) -> dict[str, dict[str, tuple[int, int]]]:
    """``{kind of period: {table id: (hidden cells, cells)}}`` over ``periods``."""
    from kernel import clock
    from kernel.db import db
    from sig.statistics import dashboard

    noon = dt.datetime.combine(today, dt.time(12), dt.UTC)
    clock.set_override(lambda: noon)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    try:
        for kind, chosen in periods(first, today).items():
            tally: dict[str, tuple[int, int]] = {}
            for period in chosen:
                with app.test_request_context():
                    for view in dashboard.build(period):
                        shown = list(cells(view))
                        hidden, total = tally.get(view.id, (0, 0))
                        tally[view.id] = (hidden + shown.count(False), total + len(shown))
                    db.session.rollback()
            out[kind] = tally
    finally:
        clock.set_override(None)
    return out


def share(tally: dict[str, tuple[int, int]]) -> float:
    hidden = sum(h for h, _ in tally.values())
    total = sum(t for _, t in tally.values())
    return hidden / total if total else 0.0


def report(result: dict[str, dict[str, tuple[int, int]]]) -> None:
    tables = sorted({t for tally in result.values() for t in tally})
    kinds = list(result)
    header = ("table", *kinds)
    rows = [(t, *(f"{result[k][t][0] / result[k][t][1]:.0%}" if result[k].get(t, (0, 0))[1]
                  else "" for k in kinds)) for t in tables]
    rows.append(("all tables", *(f"{share(result[k]):.1%}" for k in kinds)))
    rows.append(("goal", *(f"≤ {GOALS[k]:.0%}" if k in GOALS else "" for k in kinds)))
    print("\nShare of cells not shown as a number (\"<5\", \"–\", \"×\")\n")
    town.print_table(header, rows)


def build(instance: str, youths: int, seed: int) -> Any:
    """The municipality in a SQLite database in ``instance``; returns the app."""
    town.set_span(FIRST, LAST)
    app = town.make_app(instance)
    town.migrate(app)
    scale = youths / SIZES["youths"]
    town.generate(app, argparse.Namespace(
        seed=seed, youths=youths, meetings=round(SIZES["meetings"] * scale),
        attendance=round(SIZES["attendance"] * scale), analyze=True))
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--youths", type=int, default=SIZES["youths"])
    parser.add_argument("--seed", type=int, default=town.DEFAULT_SEED)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=TODAY)
    parser.add_argument("--path", help="instance directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    args.reuse = False
    with town.instance_dir(args, "sig-hidden-") as instance:
        app = build(instance, args.youths, args.seed)
        result = survey(app, FIRST, args.today)
        report(result)
        app.extensions["sig.db"].engine.dispose()
    failed = [k for k, goal in GOALS.items() if share(result[k]) > goal]
    if failed:
        print(f"\nGoal not met: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
