"""The page benchmark's verdicts (``benchmarks/case_pages.py``): each goal of the case
pages' issue is judged from one run's figures — the printout says which are met, so
nobody has to compare a table with the issue by hand.  No timing here: the figures are
given."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
import case_pages  # noqa: E402

RSS = "worker RSS <= 150 MiB (pages above, then the managers' dashboard)"


def result(label: str, viewer: str, rps: float, p95: float, reference: float = 7000.0):
    return {"label": label, "viewer": viewer, "rps": rps, "reference": reference,
            "p95": p95, "p50": p95 * 0.8, "p99": p95 * 1.2, "errors": 0, "requests": 1}


def judged(rows):
    return {goal: (measured, met) for goal, measured, met in rows}


def test_every_goal_met():
    results = [result("case page", "owner", 560, 40), result("case page", "police", 500, 45),
               result("start page", "owner", 720, 30), result("start page", "police", 700, 31),
               result(case_pages.FLOOR, "police", 1400, 12)]
    counts = {("case page", "owner"): 14, ("case page", "police"): 13,
              ("start page", "owner"): 12}
    verdict = judged(case_pages.verdicts(results, counts, [102, 120]))
    assert verdict["statements per case page <= 15"] == ("owner 14, police 13", "yes")
    assert verdict["case page (owner) ratio >= 0.07"] == ("0.0800", "yes")
    assert verdict["start page (police) ratio >= 0.10"] == ("0.1000", "yes")
    assert verdict["p95 <= 100 ms, every page"] == ("highest 45.0", "yes")
    assert verdict[RSS] == ("120 MiB", "yes")
    # the floor and the start pages' statements are not goals of their own
    assert len(verdict) == 7


def test_each_goal_missed_is_named():
    results = [result("case page", "owner", 169, 106, 6503),
               result("case page", "police", 226, 79, 6191),
               result("meeting page", "owner", 160, 108, 6133)]
    counts = {("case page", "owner"): 16, ("case page", "school"): 12}
    verdict = judged(case_pages.verdicts(results, counts, [151]))
    assert verdict["statements per case page <= 15"] == ("owner 16, school 12", "NO")
    assert verdict["case page (owner) ratio >= 0.07"] == ("0.0260", "NO")
    assert verdict["case page (police) ratio >= 0.07"] == ("0.0365", "NO")
    assert verdict["p95 <= 100 ms, every page"] == (
        "case page (owner) 106.0; meeting page (owner) 108.0", "NO")
    assert verdict[RSS] == ("151 MiB", "NO")


def test_a_run_without_throughput_judges_only_the_statements():
    """Without wrk nothing is timed: no ratio, p95 or memory is claimed either way."""
    verdict = judged(case_pages.verdicts([], {("case page", "owner"): 14}, []))
    assert verdict == {"statements per case page <= 15": ("owner 14", "yes")}
