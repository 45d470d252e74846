"""Every measure's SQL against counts worked out by hand on a small world (both
backends), before any suppression: the numbers the suppression then hides or shows."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.db import db
from sig.outcomes.models import OutcomeKind
from sig.statistics import measures
from tests.stats_world import World

D = dt.date
TODAY = D(2026, 6, 15)
Y2025 = (D(2025, 1, 1), D(2025, 12, 31), TODAY)


def M(year: int, month: int) -> tuple:  # noqa: N802 - reads like the block key it makes
    return ("M", year, month)


@pytest.fixture
def world(app_ctx, orgs, sara):
    w = World(orgs, sara)
    # c1: 15 in the year of referral, girl; started, closed as completed.
    c1 = w.case(born=2010, gender="girl", referred=D(2025, 2, 10), started=D(2025, 3, 1),
                closed=D(2025, 11, 20), reason="completed")
    # c2: 13, boy, started, open.  c3: 20, gender not stated, closed before any start.
    c2 = w.case(born=2012, gender="boy", referred=D(2025, 2, 20), started=D(2025, 4, 10))
    w.case(born=2005, gender=None, referred=D(2025, 5, 5), closed=D(2025, 6, 1),
           reason="discontinued")
    # c4: referred in 2024 (15 that year), started in January 2025.
    c4 = w.case(born=2009, gender="boy", referred=D(2024, 12, 30), started=D(2025, 1, 15))
    # A second episode for c1's youth after closing; its police report is a relapse.
    c5 = w.case(born=2010, gender="girl", referred=D(2026, 2, 1), youth=c1.youth)
    # Outcome events.
    w.event(c1, OutcomeKind.POLICE_REPORT, D(2025, 5, 1))
    w.event(c1, OutcomeKind.CONCERN_REPORT, D(2026, 1, 10), source="school")
    w.event(c2, OutcomeKind.POLICE_REPORT, D(2025, 3, 1))  # before c2 started: not counted
    w.event(c4, OutcomeKind.POLICE_REPORT, D(2025, 1, 15))  # on the start day: not "after"
    w.event(c4, OutcomeKind.CONCERN_REPORT, D(2025, 9, 1), source="school")
    w.event(c5, OutcomeKind.POLICE_REPORT, D(2026, 3, 10))
    c6 = w.case(born=2008, gender="girl", referred=D(2025, 1, 5), started=D(2025, 1, 20),
                closed=D(2025, 12, 1), reason="completed")  # closed, less than 12 months ago
    w.event(c6, OutcomeKind.CONCERN_CONVERSATION, D(2025, 4, 1), source="school", led=True)
    w.event(c6, OutcomeKind.CONCERN_CONVERSATION, D(2025, 4, 20), source="school", led=False)
    w.event(c6, OutcomeKind.CONCERN_CONVERSATION, D(2025, 10, 1), source="police", led=True)
    # Meetings: c1 twice, c2 twice, c4 once; a planned and a cancelled one do not count.
    w.meeting(c1, D(2025, 3, 5), {"social": [1], "police": [1]}, {"school": [1]})
    w.meeting(c1, D(2025, 4, 5), {"social": [1, 2], "school": [1]}, {"police": [2]})
    w.meeting(c1, D(2025, 5, 5), {"social": [1], "police": [1]}, status="planned")
    w.meeting(c1, D(2025, 5, 6), {"social": [1], "police": [1]}, status="cancelled")
    w.meeting(c2, D(2025, 6, 1), {"social": [1], "police": [1], "school": [1], "leisure": [1]})
    w.meeting(c2, D(2025, 7, 1), {"social": [1]})
    w.meeting(c4, D(2025, 8, 1), {"social": [3]})
    # Actions.
    w.action(c1, "social", D(2025, 5, 1), "done")
    w.action(c1, "police", D(2025, 5, 10), "planned")       # overdue today
    w.action(c2, "school", D(2026, 9, 1), "in_progress")    # not yet due
    w.action(c2, "school", D(2025, 12, 1), "cancelled")
    db.session.commit()
    return w


def profile(*cases):
    """Each case once by age band and once by gender (the two are not crossed)."""
    counts: dict = {}
    for month, age, gender in cases:
        for code in (age, gender):
            counts[(month, "all", code)] = counts.get((month, "all", code), 0) + 1
    return counts


def test_cases_opened_by_referral_month_age_band_and_gender(world):
    assert measures.cases_opened(*Y2025) == profile(
        (M(2025, 2), "15_17", "girl"), (M(2025, 2), "under_15", "boy"),
        (M(2025, 5), "18_20", "other"), (M(2025, 1), "15_17", "girl"))


def test_cases_closed_by_closing_month(world):
    assert measures.cases_closed(*Y2025) == profile(
        (M(2025, 11), "15_17", "girl"), (M(2025, 6), "18_20", "other"),
        (M(2025, 12), "15_17", "girl"))


def test_cases_by_referral_source_and_by_close_reason(world):
    # (the world refers every case from the school)
    assert measures.referral_sources(*Y2025) == {
        (M(2025, 2), "all", "school"): 2, (M(2025, 5), "all", "school"): 1,
        (M(2025, 1), "all", "school"): 1}
    assert measures.close_reasons(*Y2025) == {
        (M(2025, 11), "all", "completed"): 1, (M(2025, 6), "all", "discontinued"): 1,
        (M(2025, 12), "all", "completed"): 1}


def test_cases_active_on_each_month_end(world):
    counts = measures.cases_active(*Y2025)
    ages = set(measures.AGE_BANDS.codes)
    by_month = {m: sum(n for (b, _, c), n in counts.items() if b == M(2025, m) and c in ages)
                for m in range(1, 13)}
    # c4 from Jan 15, c6 Jan 20 - Dec 1, c1 Mar 1 - Nov 20, c2 from Apr 10.
    assert by_month == {1: 2, 2: 2, 3: 3, 4: 4, 5: 4, 6: 4, 7: 4, 8: 4, 9: 4, 10: 4,
                        11: 3, 12: 2}
    genders = set(measures.GENDERS.codes)  # each case once by age and once by gender
    assert by_month == {m: sum(n for (b, _, c), n in counts.items()
                               if b == M(2025, m) and c in genders) for m in range(1, 13)}
    assert counts[(M(2025, 1), "all", "boy")] == 1   # c4


def test_cases_active_reads_today_for_months_not_yet_ended(world):
    counts = measures.cases_active(D(2026, 1, 1), D(2026, 12, 31), TODAY)
    genders = set(measures.GENDERS.codes)
    by_month = {m: sum(n for (b, _, c), n in counts.items() if b == M(2026, m) and c in genders)
                for m in range(1, 13)}
    # c2 and c4 are still active today (June 15); the months after June read today.
    assert by_month == {m: 2 for m in range(1, 13)}


def test_no_new_report_after_the_start_by_window(world):
    counts = measures.outcomes_after_start(*Y2025)
    # Cohort: c4 (Jan), c6 (Jan), c1 (Mar), c2 (Apr); none started 24 months ago.
    expected = {
        (M(2025, 1), "6", "neither"): 2,          # c4's concern report is after 6 months
        (M(2025, 3), "6", "police_only"): 1,      # c1
        (M(2025, 4), "6", "neither"): 1,          # c2 (its report was before the start)
        (M(2025, 1), "12", "concern_only"): 1,    # c4
        (M(2025, 1), "12", "neither"): 1,         # c6
        (M(2025, 3), "12", "both"): 1,            # c1: concern report within 12 months
        (M(2025, 4), "12", "neither"): 1,
        (M(2025, 1), "so_far", "concern_only"): 1,
        (M(2025, 1), "so_far", "neither"): 1,
        (M(2025, 3), "so_far", "both"): 1,
        (M(2025, 4), "so_far", "neither"): 1,
        # the baseline: reports in the 12 months up to and including the start day
        (M(2025, 1), "before_12", "police_only"): 1,   # c4's report on its start day
        (M(2025, 1), "before_12", "neither"): 1,       # c6
        (M(2025, 3), "before_12", "neither"): 1,       # c1
        (M(2025, 4), "before_12", "police_only"): 1,   # c2's report five weeks before
    }
    assert counts == expected


def test_relapse_within_twelve_months_of_a_completed_case(world, orgs, sara):
    w = World(orgs, sara)
    w.case(born=2007, gender="boy", referred=D(2023, 1, 1), started=D(2023, 2, 1),
           closed=D(2024, 3, 1), reason="completed")
    late = w.case(born=2007, gender="boy", referred=D(2023, 1, 1), started=D(2023, 2, 1),
                  closed=D(2024, 4, 1), reason="completed")
    w.event(late, OutcomeKind.POLICE_REPORT, D(2025, 4, 2))  # 12 months and a day: no relapse
    w.case(born=2007, gender="boy", referred=D(2023, 1, 1), closed=D(2024, 5, 1),
           reason="moved")  # not completed: not in the cohort
    db.session.commit()
    assert measures.relapses(*Y2025) == {(M(2025, 11), "all", "relapse"): 1,
                                         (M(2025, 12), "all", "not_yet"): 1}
    assert measures.relapses(D(2024, 1, 1), D(2024, 12, 31), TODAY) == {
        (M(2024, 3), "all", "no_relapse"): 1, (M(2024, 4), "all", "no_relapse"): 1}


def test_concern_conversations_and_interventions(world):
    assert measures.concern_conversations(*Y2025) == {
        (M(2025, 4), "all", "intervention"): 1, (M(2025, 4), "all", "no_intervention"): 1,
        (M(2025, 10), "all", "intervention"): 1}


def test_attendance_counts_each_invited_organisation_per_held_meeting(world):
    assert measures.attendance(*Y2025) == {
        (M(2025, 3), "social_services", "present"): 1, (M(2025, 3), "police", "present"): 1,
        (M(2025, 3), "school", "absent"): 1,
        (M(2025, 4), "social_services", "present"): 1, (M(2025, 4), "police", "absent"): 1,
        (M(2025, 4), "school", "present"): 1,
        (M(2025, 6), "social_services", "present"): 1, (M(2025, 6), "police", "present"): 1,
        (M(2025, 6), "school", "present"): 1, (M(2025, 6), "other", "present"): 1,
        (M(2025, 7), "social_services", "present"): 1,
        (M(2025, 8), "social_services", "present"): 1}


def test_variation_between_and_within_groups(world):
    y = ("Y", 2025)
    # c1: 2 and 2 organisations (average 2, spread 0); c2: 4 and 1 (2.5, spread 3);
    # c4: one meeting with 1 (average 1; not in the spread table).
    assert measures.group_averages(*Y2025) == {(y, "all", "2_3"): 2, (y, "all", "lt2"): 1}
    assert measures.group_spread(*Y2025) == {(y, "all", "same"): 1, (y, "all", "two_plus"): 1}


def test_different_persons_representing_an_organisation_in_one_group(world):
    y = ("Y", 2025)
    # c1: social services by persons 1 and 2; police and school by one person each.
    assert measures.persons_per_organisation(*Y2025) == {
        (y, "social_services", "two"): 1, (y, "social_services", "one"): 2,
        (y, "police", "one"): 2, (y, "school", "one"): 2, (y, "other", "one"): 1}


def test_actions_by_organisation_and_status_today(world):
    assert measures.actions(D(2025, 1, 1), D(2026, 12, 31), TODAY) == {
        (M(2025, 5), "social_services", "done"): 1, (M(2025, 5), "police", "overdue"): 1,
        (M(2026, 9), "school", "planned"): 1, (M(2025, 12), "school", "cancelled"): 1}


def test_a_meeting_just_after_midnight_counts_in_its_swedish_month(app, personas, orgs):
    """00:30 on 1 March in Stockholm is 23:30 on 28 February in UTC: the statistics count
    it in March (and in summer time, 00:30 on 1 July is 22:30 on 30 June in UTC)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tests.test_policy_table import add_case, add_meeting, born

    stockholm = ZoneInfo("Europe/Stockholm")
    with app.app_context():
        case, _g = add_case(personas, orgs, born(15, dt.date(2026, 1, 1)), 1)
        for local in (dt.datetime(2026, 3, 1, 0, 30), dt.datetime(2026, 7, 1, 0, 30),
                      dt.datetime(2026, 2, 28, 23, 30)):
            meeting = add_meeting(personas, orgs, case)  # the police present
            db.session.flush()
            meeting.starts_at = local.replace(tzinfo=stockholm).astimezone(dt.UTC)
        db.session.commit()  # the summaries follow the moved meetings

        def months(first: dt.date, last: dt.date) -> dict[tuple, int]:
            counts = measures._participation(first, last, TODAY)["attendance"]
            return {block: n for (block, row, col), n in counts.items()
                    if (row, col) == ("police", "present")}

        assert months(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == {
            M(2026, 2): 1, M(2026, 3): 1, M(2026, 7): 1}
        assert months(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == {M(2026, 2): 1}
        assert months(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == {M(2026, 3): 1}


def test_cells_zero_by_construction():
    q1, q4 = (D(2025, 1, 1), D(2025, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31))
    window = measures.OUTCOMES_AFTER_START.zero
    assert window(*q4, "6", "neither", D(2026, 3, 31))        # no start is 6 months old
    assert not window(*q4, "6", "neither", D(2026, 4, 1))     # the first one is
    assert not window(*q4, "so_far", "both", D(2025, 10, 1))
    relapse = measures.RELAPSES.zero
    assert relapse(*q1, "all", "not_yet", D(2026, 3, 31))     # every closing followed a year
    assert not relapse(*q1, "all", "not_yet", D(2026, 3, 30))
    assert relapse(*q4, "all", "no_relapse", D(2026, 9, 30))  # none followed a year yet
    assert not relapse(*q1, "all", "relapse", D(2025, 2, 1))
    action = measures.ACTIONS.zero
    assert action(*q1, "police", "planned", D(2025, 4, 1))    # due before today: not planned
    assert not action(*q1, "police", "planned", D(2025, 3, 31))
    assert action(*q4, "school", "overdue", D(2025, 10, 1))   # due today or later: not overdue
    assert not action(*q4, "school", "cancelled", D(2025, 4, 1))
    opened = measures.CASES_OPENED.zero
    assert opened(*q4, "all", "girl", D(2025, 9, 30)) and not opened(*q4, "all", "girl", q4[0])


def test_the_rules_hold_on_the_data(world):
    # Every cell a rule calls zero is zero in the world's counts (were one not, the
    # tables would claim nothing for that year), and the rules do apply somewhere.
    from sig.statistics import tables
    from sig.statistics.periods import block_days
    from sig.statistics.tables import year_blocks

    claimed = 0
    for name, (spec, count) in measures.MEASURES.items():
        if spec.zero is None:
            continue
        for year in (2025, 2026, 2027):
            values, _ = tables.year_structure(spec, year,
                                              count(D(year, 1, 1), D(year, 12, 31), TODAY))
            for block in year_blocks(year, spec.grain):
                if block[0] != spec.grain.value:
                    continue
                for r in spec.rows.codes:
                    for c in spec.columns.shown(block[0] == "Y"):
                        if all(spec.zero(*block_days(block), r, f, TODAY)
                               for f in spec.columns.members(c)):
                            claimed += 1
                            assert values[(block, r, c)] == 0, (name, block, r, c)
    assert claimed > 100


Y2023 = (D(2023, 1, 1), D(2023, 12, 31), TODAY)


def test_a_youth_with_two_starts_counts_once(world):
    first = world.case(born=2008, gender="boy", referred=D(2023, 1, 10),
                       started=D(2023, 2, 1), closed=D(2023, 5, 1), reason="discontinued")
    world.case(born=2008, gender="boy", referred=D(2023, 8, 1), started=D(2023, 9, 1),
               youth=first.youth)
    world.event(first, OutcomeKind.POLICE_REPORT, D(2023, 10, 1))
    counts = measures.outcomes_after_start(*Y2023)
    # one youth: in February's cohort only, with the report 8 months after that start
    assert counts == {(M(2023, 2), "before_12", "neither"): 1,
                      (M(2023, 2), "6", "neither"): 1, (M(2023, 2), "12", "police_only"): 1,
                      (M(2023, 2), "24", "police_only"): 1,
                      (M(2023, 2), "so_far", "police_only"): 1}


def test_two_schools_are_two_organisations_and_a_new_school_is_not_a_new_person(world):
    from auth.models import Organisation

    second = Organisation(name="Andra skolan", kind="school")
    db.session.add(second)
    db.session.flush()
    world.orgs["school2"] = second
    case = world.case(born=2009, gender="girl", referred=D(2023, 1, 5), started=D(2023, 2, 1))
    # The youth changes school between the meetings: each school is one person.
    world.meeting(case, D(2023, 3, 1), {"social": [1], "school": [1]}, {"school2": [1]})
    world.meeting(case, D(2023, 9, 1), {"social": [1], "school2": [1]}, {"school": [1]})
    db.session.commit()  # the attendance summaries are derived as it commits
    y = ("Y", 2023)
    assert measures.persons_per_organisation(*Y2023) == {
        (y, "social_services", "one"): 1, (y, "school", "one"): 2}
    attendance = measures.attendance(*Y2023)
    assert attendance[(M(2023, 3), "school", "present")] == 1
    assert attendance[(M(2023, 3), "school", "absent")] == 1   # the other school, invited
    # two organisations represented at each meeting (social services and a school)
    assert measures.group_averages(*Y2023) == {(y, "all", "2_3"): 1}
    assert measures.group_spread(*Y2023) == {(y, "all", "same"): 1}


def test_organisations_and_persons_present_per_meeting(world):
    # Each held meeting once by organisations represented, once by professionals present.
    assert measures.meeting_presence(*Y2025) == {
        (M(2025, 3), "all", "o2"): 1, (M(2025, 3), "all", "p1_2"): 1,   # social, police
        (M(2025, 4), "all", "o2"): 1, (M(2025, 4), "all", "p3_4"): 1,   # 2 social, school
        (M(2025, 6), "all", "o4plus"): 1, (M(2025, 6), "all", "p3_4"): 1,
        (M(2025, 7), "all", "o1"): 1, (M(2025, 7), "all", "p1_2"): 1,
        (M(2025, 8), "all", "o1"): 1, (M(2025, 8), "all", "p1_2"): 1}
