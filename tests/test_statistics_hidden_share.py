"""How much the dashboard hides on a realistic municipality (issue 16), and that what
it hides stays protected.

The statistics benchmark's generator builds the municipality of the independent check
(400 youths referred over three years, about 450 cases, 3,000 meetings, 15,000
attendance rows, 1,700 outcome events) straight into a SQLite file; the survey of
``benchmarks/statistics_hidden_share.py`` reads every past year, quarter and month
through the dashboard and prints the share of cells not shown as a number."""
from __future__ import annotations

import datetime as dt
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
import statistics_hidden_share as survey  # noqa: E402

pytestmark = pytest.mark.slow

# The goal for this municipality (the README has the table): past years hide at
# most 15 % of their cells (14.2 % today), past quarters at most 25 % (20.3 %).
REACHED = {"past years": 0.15, "past quarters": 0.25}


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    app = survey.build(str(tmp_path_factory.mktemp("town")), 400, survey.town.DEFAULT_SEED)
    yield app
    app.extensions["sig.db"].engine.dispose()


def test_the_hidden_share_on_a_realistic_municipality(town, capsys):
    result = survey.survey(town, survey.FIRST, survey.TODAY)
    with capsys.disabled():
        survey.report(result)
    for kind, most in REACHED.items():
        assert survey.share(result[kind]) <= most, kind
    # the quarter that runs shows its months that have not begun as zeros
    assert survey.share(result["current quarter"]) < 0.5


def test_every_hidden_cell_of_a_past_year_stays_protected(town):
    from kernel.db import db
    from sig.statistics import dashboard, tables
    from sig.statistics.measures import MEASURES
    from sig.statistics.suppression import Mark, attacker_ranges

    with town.test_request_context():
        for year in (2024, 2025):
            for name, (spec, count) in MEASURES.items():
                base = count(dt.date(year, 1, 1), dt.date(year, 12, 31), survey.TODAY)
                values, relations = tables.year_structure(spec, year, base)
                values, marks, zeros = tables.year_marks(spec, year, base, 5, survey.TODAY)
                ranges = attacker_ranges(values, relations, marks)
                for cell, (low, high) in ranges.items():
                    assert marks[cell] != Mark.SHOWN
                    value = values[cell]
                    assert low <= value - 1 or high >= value + 1 or math.isinf(high), \
                        (name, cell, value, low, high)
                assert all(marks[z] == Mark.SHOWN and values[z] == 0 for z in zeros)
        db.session.rollback()
    dashboard.clear_cache()
