"""The Huddinge evaluation's figures (seed 002, findings 1 and 2a–c), rebuilt as a
synthetic cohort of ten youths in 2014: four with no new police or concern report
after the start; attendance that varies between groups and between a group's
meetings; organisations represented by several different persons.

The measures must give exactly those figures; the dashboard must show them as the
suppression rule says (ten youths: every split of them is fewer than five)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kernel.db import db
from sig.outcomes.models import OutcomeKind
from sig.statistics import dashboard, measures
from tests.helpers import login
from tests.stats_world import World

D = dt.date
YEAR = (D(2014, 1, 1), D(2014, 12, 31), D(2015, 6, 30))
S, P, SC, L = "social", "police", "school", "leisure"
# Per group: the organisations present at each held meeting (all four are invited).
GROUPS = [
    [[S], [S], [S], [S]],                                   # avg 1,    spread 0
    [[S, P], [S], [S], [S]],                                # avg 1.25, spread 1
    [[S, P]] * 4,                                           # avg 2,    spread 0
    [[S, P, SC], [S, P], [S, P], [S]],                      # avg 2,    spread 2
    [[S, P, SC], [S, P, SC], [S, P], [S, P]],               # avg 2.5,  spread 1
    [[S, P, SC]] * 4,                                       # avg 3,    spread 0
    [[S, P, SC, L], [S, P, SC], [S, P, SC], [S]],           # avg 2.75, spread 3
    [[S, P, SC, L], [S, P, SC, L], [S, P], [S, P, SC]],     # avg 3.25, spread 2
    [[S, P, SC, L]] * 4,                                    # avg 4,    spread 0
    [[S, P, SC, L]] * 5,                                    # avg 4,    spread 0
]
POLICE_PERSONS = [1, 1, 2, 1, 3, 2, 1, 2, 3, 1]  # different police officers per group, in turn
SOCIAL_PERSONS = [1, 1, 1, 1, 1, 1, 1, 1, 2, 1]
# After the start: groups 0-3 nothing new; 4-6 a police report; 7-8 a concern report; 9 both.
REPORTS = [(), (), (), (), ("p",), ("p",), ("p",), ("c",), ("c",), ("p", "c")]


@pytest.fixture
def huddinge(app_ctx, orgs, sara, fake_clock):
    fake_clock.current = dt.datetime(2015, 6, 30, 12, tzinfo=dt.UTC)
    w = World(orgs, sara)
    for g, meetings in enumerate(GROUPS):
        started = D(2014, 1 + g, 5)
        case = w.case(born=1998 + g % 3, gender=("boy", "girl")[g % 2],
                      referred=started - dt.timedelta(days=20), started=started)
        w.event(case, OutcomeKind.POLICE_REPORT, started - dt.timedelta(days=3))  # before
        for kind in REPORTS[g]:
            w.event(case, OutcomeKind.POLICE_REPORT if kind == "p" else
                    OutcomeKind.CONCERN_REPORT, started + dt.timedelta(days=60),
                    source="police" if kind == "p" else "school")
        police_turn = 0
        for k, present in enumerate(meetings):
            people: dict[str, list[int]] = {}
            for org in present:
                if org == P:
                    people[P] = [1 + police_turn % POLICE_PERSONS[g]]
                    police_turn += 1
                elif org == S:
                    people[S] = [1 + k % SOCIAL_PERSONS[g]]
                else:
                    people[org] = [1]
            absent = {org: [9] for org in (S, P, SC, L) if org not in present}
            day = D(2014, 1 + (g + 2 * k) % 12, 10 + k)
            w.meeting(case, day, people, absent)
    db.session.commit()
    dashboard.clear_cache()
    return w


def _total(counts: dict, **match: str) -> int:
    return sum(n for (block, row, col), n in counts.items()
               if all({"row": row, "col": col}[k] == v for k, v in match.items()))


def test_four_of_ten_without_a_new_report(huddinge):
    counts = measures.outcomes_after_start(*YEAR)
    assert _total(counts, row="so_far") == 10
    assert _total(counts, row="so_far", col="neither") == 4
    assert _total(counts, row="so_far", col="police_only") == 3
    assert _total(counts, row="so_far", col="concern_only") == 2
    assert _total(counts, row="so_far", col="both") == 1
    # the baseline: every youth had a police report in the 12 months before the start
    assert _total(counts, row="before_12", col="police_only") == 10


def test_attendance_varies_between_and_within_groups(huddinge):
    averages = measures.group_averages(*YEAR)
    assert {col: n for (_, _, col), n in averages.items()} == {
        "lt2": 2, "2_3": 4, "3_4": 2, "4plus": 2}
    spread = measures.group_spread(*YEAR)
    assert {col: n for (_, _, col), n in spread.items()} == {"same": 5, "one": 2, "two_plus": 3}
    attendance = measures.attendance(*YEAR)
    assert _total(attendance, row="social_services", col="present") == 41
    assert _total(attendance, row="police", col="present") == 32
    assert _total(attendance, row="police", col="absent") == 9
    assert _total(attendance, row="school", col="present") == 22
    assert _total(attendance, row="other", col="present") == 12
    # 2a per meeting: organisations represented (one person each, so persons alike)
    presence = measures.meeting_presence(*YEAR)
    assert {c: _total(presence, col=c) for c in ("o1", "o2", "o3", "o4plus")} == {
        "o1": 9, "o2": 10, "o3": 10, "o4plus": 12}
    assert {c: _total(presence, col=c) for c in ("p1_2", "p3_4", "p5_6", "p7plus")} == {
        "p1_2": 19, "p3_4": 22, "p5_6": 0, "p7plus": 0}


def test_organisations_are_represented_by_several_persons(huddinge):
    persons = {(row, col): n for (_, row, col), n in
               measures.persons_per_organisation(*YEAR).items()}
    assert persons == {
        ("social_services", "one"): 9, ("social_services", "two"): 1,
        ("police", "one"): 4, ("police", "two"): 3, ("police", "three_plus"): 2,
        ("school", "one"): 7, ("other", "one"): 4}


def _row(html: str, table: str, row: str) -> dict[str, tuple[str, str]]:
    section = html.split(f'id="{table}"', 1)[1].split("</section>", 1)[0]
    tr = section.split(f'data-row="{row}"', 1)[1].split("</tr>", 1)[0]
    return {col: (mark, text) for col, mark, text in
            re.findall(r'data-col="([^"]+)" data-mark="(\w+)">([^<]*)<', tr)}


def test_the_dashboard_shows_the_figures_suppressed_where_the_rule_says(client, maria,
                                                                       huddinge):
    login(client, maria)
    html = client.get("/statistics/?period=year&year=2014").get_data(as_text=True)
    so_far = _row(html, "outcomes_after_start", "so_far")
    # Ten youths: shown.  Four, three, two and one: fewer than five.
    assert so_far["_total"] == ("shown", "10")
    for col in ("neither", "police_only", "concern_only", "both"):
        assert so_far[col] == ("small", "&lt;5")
    # The share "4 of 10" would give the four away: not shown.
    section = html.split('id="outcomes_after_start"', 1)[1].split("</section>", 1)[0]
    tr = section.split('data-row="so_far"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="share">([^<]*)<', tr) == ["–", "–", "–"]
    assert not re.search(r"\b40\s*%", section)
    # Groups by variation: ten in all, every band fewer than five.
    bands = _row(html, "group_spread", "all")
    assert bands["_total"] == ("shown", "10")
    assert bands["same"][0] == "shown" or bands["same"][0] in ("small", "hidden")
    assert all(bands[c][0] != "shown" for c in ("one", "two_plus"))
    # Attendance: whatever is shown is the true figure, nothing small is shown.
    truth = {("police", "present"): 32, ("police", "absent"): 9, ("school", "present"): 22,
             ("school", "absent"): 19, ("other", "present"): 12, ("other", "absent"): 29,
             ("social_services", "present"): 41, ("social_services", "absent"): 0}
    for (row, col), value in truth.items():
        mark, text = _row(html, "attendance", row)[col]
        if mark == "shown":
            assert int(text) == value
        elif mark == "small":
            assert value < 5
        else:
            assert value >= 5
