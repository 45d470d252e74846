"""The measures of the managers' dashboard (DESIGN §7), each as SQL that counts units
per month (or per year) and per coarse category.  Nothing here returns a person, an
id, a free text or an exact date: only ``{(block, row, column): count}``.

Every measure is a cohort keyed by the month of the event that puts a unit into it
(a case's referral, start or closing; a meeting; an action's due date; an outcome
event), so that a period's count is the sum of its months' counts.  The measures of
whole groups (attendance variation, persons per organisation) are per calendar year.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from auth.models import Organisation
from auth.roles import ORG_KIND_LABELS, OrganisationKind
from kernel.db import db
from sig.cases.forms import CLOSE_LABELS, REFERRAL_LABELS
from sig.cases.models import Case, CaseStatus, CloseReason
from sig.outcomes.models import OutcomeEvent, OutcomeKind
from sig.plans.models import Action, ActionStatus
from sig.statistics.models import GroupPerson, MeetingOrganisation, MeetingPresence
from sig.statistics.periods import month_end
from sig.statistics.sql import (
    day_key,
    day_key_of,
    month_of,
    year_of,
)
from sig.statistics.tables import ONE_ROW, Axis, Grain, Key, ShareSpec, TableSpec, Time
from sig.youths.models import Youth

AGE_BANDS = Axis(("under_15", "15_17", "18_20", "21_plus"), {
    "under_15": _l("Under 15"), "15_17": _l("15–17"), "18_20": _l("18–20"),
    "21_plus": _l("21 or older")})
GENDERS = Axis(("girl", "boy", "other"), {
    "girl": _l("Girls"), "boy": _l("Boys"), "other": _l("Other or not stated")})
# Cases by age band and by gender, not crossed: a quarter's cases split 3 + 3 ways
# (18-20 and 21 or older are one band below a year).
CASE_PROFILE = Axis(AGE_BANDS.codes + GENDERS.codes,
                    {**AGE_BANDS.labels, **GENDERS.labels},
                    groups=(AGE_BANDS.codes, GENDERS.codes),
                    group_labels=(_l("Age in the year of referral"), _l("Gender")),
                    together={"18_20": "18_plus", "21_plus": "18_plus"},
                    together_labels={"18_plus": _l("18 or older")})
ORG_KINDS = Axis(tuple(k.value for k in OrganisationKind),
                 {k.value: ORG_KIND_LABELS[k] for k in OrganisationKind})

OUTCOME_WINDOWS = {"6": 6, "12": 12, "24": 24, "so_far": None}
BASELINE = "before_12"  # the 12 months up to the start: what "after" is compared with
OUTCOMES = Axis(("neither", "police_only", "concern_only", "both"), {
    "neither": _l("No new police or concern report"),
    "police_only": _l("New police report only"),
    "concern_only": _l("New concern report only"),
    "both": _l("Both")},
    together={"police_only": "some_report", "concern_only": "some_report", "both": "some_report"},
    together_labels={"some_report": _l("A new police or concern report")})
RELAPSE = Axis(("relapse", "no_relapse", "not_yet"), {
    "relapse": _l("New police report within 12 months"),
    "no_relapse": _l("No new police report within 12 months"),
    "not_yet": _l("Less than 12 months since closing, no new report so far")})
CONVERSATIONS = Axis(("intervention", "no_intervention"), {
    "intervention": _l("Led to an intervention"),
    "no_intervention": _l("Did not lead to an intervention")})
PRESENCE = Axis(("present", "absent"), {
    "present": _l("Represented"), "absent": _l("Invited, not represented")})
ACTION_STATES = Axis(("planned", "overdue", "done", "cancelled", "not_done"), {
    "planned": _l("Planned or in progress"), "overdue": _l("Overdue"),
    "done": _l("Done"), "cancelled": _l("Cancelled"),
    "not_done": _l("Not done when the case closed")},
    together={"cancelled": "not_carried_out", "not_done": "not_carried_out"},
    together_labels={"not_carried_out": _l("Cancelled, or not done when the case closed")})
AVERAGE_BANDS = Axis(("lt2", "2_3", "3_4", "4plus"), {
    "lt2": _l("Fewer than 2"), "2_3": _l("2 to 2.9"), "3_4": _l("3 to 3.9"),
    "4plus": _l("4 or more")})
SPREAD_BANDS = Axis(("same", "one", "two_plus"), {
    "same": _l("The same at every meeting"), "one": _l("Differs by 1"),
    "two_plus": _l("Differs by 2 or more")})
PERSON_BANDS = Axis(("one", "two", "three_plus"), {
    "one": _l("1 person"), "two": _l("2 persons"), "three_plus": _l("3 or more persons")})



# ---------------------------------------------------------------------------- helpers

MEMO = "sig_statistics_rows"  # the request's shared reads (see ``_read_once``)


def _age_band(age: Any) -> Any:
    return case((age < 15, "under_15"), (age < 18, "15_17"), (age < 21, "18_20"),
                else_="21_plus")


def _gender(column_: Any) -> Any:
    return case((column_ == "girl", "girl"), (column_ == "boy", "boy"), else_="other")


# ---------------------------------------------------------------------------- zero by construction
#
# Cells every reader knows to be zero without being told (``TableSpec.zero``): they are
# shown as 0 and protect nothing, so they no longer force other cells to be hidden.

def _not_yet(first: dt.date, last: dt.date, row: str, column: str, today: dt.date) -> bool:
    """Nothing is counted in a block that has not begun."""
    return first > today


def _window_not_passed(first: dt.date, last: dt.date, row: str, column: str,
                       today: dt.date) -> bool:
    """A start counts in a window's row once the window has passed: for a start on
    the block's first day it has not (the same day arithmetic as the SQL)."""
    months = None if row == BASELINE else OUTCOME_WINDOWS[row]
    return first > today or (months is not None
                             and day_key_of(first) + 100 * months > day_key_of(today))


def _relapse_impossible(first: dt.date, last: dt.date, row: str, column: str,
                        today: dt.date) -> bool:
    """"Not yet" once a year has passed since the block's last day; "no relapse" until a
    year has passed since its first."""
    if first > today:
        return True
    if column == "not_yet":
        return day_key_of(last) + 1200 <= day_key_of(today)
    if column == "no_relapse":
        return day_key_of(first) + 1200 > day_key_of(today)
    return False


def _action_status_impossible(first: dt.date, last: dt.date, row: str, column: str,
                              today: dt.date) -> bool:
    """An action due before today is not "planned", one due today or later not
    "overdue"; nothing is done after today."""
    if column == "planned":
        return last < today
    if column == "overdue":
        return first >= today
    if column == "done":
        return first > today
    return False


def _count(inner: Select[Any], yearly: bool = False) -> dict[Key, int]:
    """Count the rows of ``inner`` (columns y, m, row, col; one row per unit) per block."""
    sub = inner.subquery()
    groups = [sub.c.y] + ([] if yearly else [sub.c.m]) + [sub.c.row, sub.c.col]
    stmt = select(*groups, func.count()).group_by(*groups)
    out: dict[Key, int] = {}
    for row in db.session.execute(stmt):
        if yearly:
            y, r, c, n = row
            out[(("Y", int(y)), r, c)] = int(n)
        else:
            y, m, r, c, n = row
            out[(("M", int(y), int(m)), r, c)] = int(n)
    return out


def _in(column_: Any, first: dt.date, last: dt.date) -> Any:
    return column_.between(first, last)


# ---------------------------------------------------------------------------- cases

CASES_OPENED = TableSpec(
    "cases_opened", _l("Cases opened"),
    _l("Cases referred in the period, by age in the year of referral and by gender."),
    ONE_ROW, CASE_PROFILE, grain=Grain.QUARTER, zero=_not_yet)
CASES_CLOSED = TableSpec(
    "cases_closed", _l("Cases closed"),
    _l("Cases closed in the period, by age in the year of referral and by gender."),
    ONE_ROW, CASE_PROFILE, grain=Grain.QUARTER, zero=_not_yet)
CASES_ACTIVE = TableSpec(
    "cases_active", _l("Active cases"),
    _l("Cases with an agreed action plan that were not closed on the last day of the "
       "period (or today, if that is earlier), by age in the year of referral and by "
       "gender."),
    ONE_ROW, CASE_PROFILE, time=Time.STOCK, grain=Grain.QUARTER)


def _profile() -> tuple[Any, Any]:
    """A case's classifications: the youth's age band in the year of referral, gender."""
    return _age_band(year_of(Case.referral_date) - Youth.birth_year), _gender(Youth.gender)


def _read_once(kind: str, first: dt.date, last: dt.date, today: dt.date,
               read: Callable[[], Any]) -> Any:
    """What several measures share, read once per request (kept in ``g`` under
    ``MEMO``, which ``sig.statistics.store`` empties whenever the data change)."""
    memo = g.setdefault(MEMO, {})
    key = (kind, first, last, today)
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _cases(first: dt.date, last: dt.date, today: dt.date) -> list[Any]:
    """Every case referred, closed or active in ``first`` … ``last`` (as of ``today``),
    with its dates, source, close reason and classifications: read once per request
    for the five case tables (a few thousand rows a year), which count them in Python."""
    band, gender = _profile()
    statement = (select(Case.referral_date, Case.plan_agreed_on, Case.closed_on,
                        (Case.status == CaseStatus.CLOSED.value).label("is_closed"),
                        Case.referral_source, Case.close_reason, band.label("band"),
                        gender.label("gender"))
                 .join(Youth, Youth.id == Case.youth_id)
                 .where(or_(_in(Case.referral_date, first, last),
                            _in(Case.closed_on, first, last),
                            and_(Case.plan_agreed_on <= min(last, today),
                                 or_(Case.closed_on.is_(None), Case.closed_on > first)))))
    return _read_once("cases", first, last, today,
                      lambda: db.session.execute(statement).all())


def _tally(rows: Iterable[tuple[dt.date, str]], first: dt.date, last: dt.date) -> dict[Key, int]:
    """Count ``(day, column)`` pairs per month of ``first`` … ``last``."""
    out: dict[Key, int] = {}
    for day, column in rows:
        if first <= day <= last:
            key = (("M", day.year, day.month), "all", column)
            out[key] = out.get(key, 0) + 1
    return out


def cases_opened(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    return _tally(((c.referral_date, code) for c in _cases(first, last, today)
                   for code in (c.band, c.gender)), first, last)


def cases_closed(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    return _tally(((c.closed_on, code) for c in _cases(first, last, today) if c.is_closed
                   for code in (c.band, c.gender)), first, last)


def cases_active(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    """Active on each month's last day, or today for this month and later ones: from
    the first month end on or after the plan was agreed up to the last one before the
    case closed, a run of months added as its two ends."""
    ends = [(y, m, min(month_end(y, m), today))
            for y in range(first.year, last.year + 1) for m in range(1, 13)]
    days = [day for _y, _m, day in ends]
    steps: dict[str, list[int]] = {}
    for case_ in _cases(first, last, today):
        agreed, closed = case_.plan_agreed_on, case_.closed_on
        if agreed is None:
            continue
        begins = bisect_left(days, agreed)
        stops = len(days) if closed is None else bisect_left(days, closed)
        if begins < stops:
            for code in (case_.band, case_.gender):
                step = steps.setdefault(code, [0] * (len(days) + 1))
                step[begins] += 1
                step[stops] -= 1
    out: dict[Key, int] = {}
    for code, step in steps.items():
        active = 0
        for (y, m, _day), change in zip(ends, step, strict=False):
            active += change
            if active:
                out[(("M", y, m), "all", code)] = active
    return out


SOURCES = Axis(tuple(str(k) for k in REFERRAL_LABELS), {
    str(k): v for k, v in REFERRAL_LABELS.items()},
    together={"guardian": "others", "youth": "others", "other": "others"},
    together_labels={"others": _l("A guardian, the youth or someone else")})
CLOSE_REASONS_AXIS = Axis(tuple(str(k) for k in CLOSE_LABELS), {
    str(k): v for k, v in CLOSE_LABELS.items()},
    together={"moved": "other_reasons", "other_intervention": "other_reasons",
              "other": "other_reasons"},
    together_labels={"other_reasons": _l("Moved, another intervention or another reason")})
REFERRAL_SOURCES = TableSpec(
    "referral_sources", _l("Cases opened by who referred the youth"),
    _l("Cases referred in the period, by who referred the youth to SIG (the target group "
       "as the evaluators describe it)."),
    ONE_ROW, SOURCES, grain=Grain.QUARTER, zero=_not_yet)
CLOSE_REASONS = TableSpec(
    "close_reasons", _l("Cases closed by reason"),
    _l("Cases closed in the period, by the reason for closing."),
    ONE_ROW, CLOSE_REASONS_AXIS, grain=Grain.QUARTER, zero=_not_yet)


def referral_sources(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    return _tally(((c.referral_date, c.referral_source) for c in _cases(first, last, today)
                   if c.referral_source in SOURCES.codes), first, last)


def close_reasons(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    return _tally(((c.closed_on, c.close_reason) for c in _cases(first, last, today)
                   if c.is_closed and c.close_reason in CLOSE_REASONS_AXIS.codes), first, last)


# ---------------------------------------------------------------------------- outcomes

_FOLLOWED = ("neither", "police_only", "concern_only", "both")
OUTCOMES_AFTER_START = TableSpec(
    "outcomes_after_start", _l("New police or concern reports after the start"),
    _l("Youths whose first action plan in SIG was agreed in the period (a youth with "
       "several cases counts once), and whether a new police report or concern report "
       "about them came in after that, within 6, 12 and 24 months, and up to today "
       "(which mixes follow-up times: read the fixed windows first). A youth counts in "
       "a row once the start is that long ago. The first row is the baseline: reports "
       "in the 12 months up to and including the start day."),
    Axis((BASELINE, *OUTCOME_WINDOWS), {
        BASELINE: _l("In the 12 months before the start (baseline)"),
        "6": _l("Within 6 months"), "12": _l("Within 12 months"),
        "24": _l("Within 24 months"), "so_far": _l("Up to today (follow-up time varies)")},
        total=False),
    OUTCOMES, grain=Grain.QUARTER, zero=_window_not_passed, shares=(
        ShareSpec(_l("Share with no new police or concern report"), ("neither",), _FOLLOWED),
        ShareSpec(_l("Share with no new police report"), ("neither", "concern_only"), _FOLLOWED),
        ShareSpec(_l("Share with no new concern report"), ("neither", "police_only"),
                  _FOLLOWED)))


def _first_after(kind: OutcomeKind, after: Any, youth_id: Any) -> Any:
    """The date of the youth's first ``kind`` event after ``after`` (any of their cases)."""
    other = aliased(Case)
    return (select(func.min(OutcomeEvent.occurred_on))
            .join(other, other.id == OutcomeEvent.case_id)
            .where(other.youth_id == youth_id, OutcomeEvent.kind == kind.value,
                   OutcomeEvent.occurred_on > after)
            .scalar_subquery())


def _last_until(kind: OutcomeKind, until: Any, youth_id: Any) -> Any:
    """The date of the youth's last ``kind`` event on or before ``until``."""
    other = aliased(Case)
    return (select(func.max(OutcomeEvent.occurred_on))
            .join(other, other.id == OutcomeEvent.case_id)
            .where(other.youth_id == youth_id, OutcomeEvent.kind == kind.value,
                   OutcomeEvent.occurred_on <= until)
            .scalar_subquery())


def _first_start() -> Any:
    """The youth's first case with an agreed plan: a youth counts once, however many
    cases they have had (the evaluations count youths, not starts)."""
    other = aliased(Case)
    return (select(other.id)
            .where(other.youth_id == Case.youth_id, other.plan_agreed_on.is_not(None))
            .order_by(other.plan_agreed_on, other.id).limit(1).scalar_subquery())


def outcomes_after_start(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    started = Case.plan_agreed_on
    # each event looked up once per youth (materialised, then turned into day keys: an
    # expression that uses a lookup three times would make PostgreSQL do it three times)
    events = (select(started.label("started"),
                     _first_after(OutcomeKind.POLICE_REPORT, started, Case.youth_id)
                     .label("police"),
                     _first_after(OutcomeKind.CONCERN_REPORT, started, Case.youth_id)
                     .label("concern"),
                     _last_until(OutcomeKind.POLICE_REPORT, started, Case.youth_id)
                     .label("police_before"),
                     _last_until(OutcomeKind.CONCERN_REPORT, started, Case.youth_id)
                     .label("concern_before"))
              .where(started.is_not(None), _in(started, first, last),
                     Case.id == _first_start())
              .cte("events").prefix_with("MATERIALIZED"))
    per_case = (select(year_of(events.c.started).label("y"),
                       month_of(events.c.started).label("m"),
                       day_key(events.c.started).label("start"),
                       *(day_key(events.c[name]).label(name)
                         for name in ("police", "concern", "police_before", "concern_before")))
                .cte("per_case").prefix_with("MATERIALIZED"))  # five selects use it
    today_key = day_key_of(today)
    since = per_case.c.start - 1200
    police = and_(per_case.c.police_before.is_not(None), per_case.c.police_before >= since)
    concern = and_(per_case.c.concern_before.is_not(None), per_case.c.concern_before >= since)
    selects = [select(per_case.c.y, per_case.c.m, literal(BASELINE).label("row"),
                      case((and_(police, concern), "both"), (police, "police_only"),
                           (concern, "concern_only"), else_="neither").label("col"))]
    for code, months in OUTCOME_WINDOWS.items():
        limit = per_case.c.start + 100 * months if months else literal(today_key)
        police = and_(per_case.c.police.is_not(None), per_case.c.police <= limit)
        concern = and_(per_case.c.concern.is_not(None), per_case.c.concern <= limit)
        category = case((and_(police, concern), "both"), (police, "police_only"),
                        (concern, "concern_only"), else_="neither")
        followed = select(per_case.c.y, per_case.c.m, literal(code).label("row"),
                          category.label("col"))
        if months:
            followed = followed.where(limit <= today_key)
        selects.append(followed)
    return _count(union_all(*selects))


RELAPSES = TableSpec(
    "relapses", _l("Relapse after a completed case"),
    _l("Cases closed as completed in the period, and whether a new police report about "
       "the youth came in within 12 months of closing."),
    ONE_ROW, RELAPSE, grain=Grain.QUARTER, zero=_relapse_impossible, shares=(
        ShareSpec(_l("Share with a relapse (of those followed up 12 months)"), ("relapse",),
                  ("relapse", "no_relapse")),))


def relapses(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    # the first report after closing is looked up once per case (materialised: used in
    # an expression more than once, PostgreSQL would look it up for every use)
    per_case = (select(Case.closed_on.label("closed"),
                       _first_after(OutcomeKind.POLICE_REPORT, Case.closed_on, Case.youth_id)
                       .label("report"))
                .where(Case.status == CaseStatus.CLOSED.value,
                       Case.close_reason == CloseReason.COMPLETED.value,
                       _in(Case.closed_on, first, last))
                .cte("per_case").prefix_with("MATERIALIZED"))
    closed, first_report = per_case.c.closed, day_key(per_case.c.report)
    limit = day_key(closed) + 1200
    category = case(
        (and_(per_case.c.report.is_not(None), first_report <= limit), "relapse"),
        (limit <= day_key_of(today), "no_relapse"), else_="not_yet")
    return _count(select(year_of(closed).label("y"), month_of(closed).label("m"),
                         literal("all").label("row"), category.label("col")))


CONCERN_CONVERSATIONS = TableSpec(
    "concern_conversations", _l("Concern conversations"),
    _l("Concern conversations held in the period, and how many led to an intervention."),
    ONE_ROW, CONVERSATIONS, zero=_not_yet, shares=(
        ShareSpec(_l("Share that led to an intervention"), ("intervention",),
                  ("intervention", "no_intervention")),))


def concern_conversations(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    day = OutcomeEvent.occurred_on
    return _count(select(year_of(day).label("y"), month_of(day).label("m"),
                         literal("all").label("row"),
                         case((OutcomeEvent.led_to_intervention.is_(True), "intervention"),
                              else_="no_intervention").label("col"))
                  .where(OutcomeEvent.kind == OutcomeKind.CONCERN_CONVERSATION.value,
                         _in(day, first, last)))


# ---------------------------------------------------------------------------- work

ATTENDANCE = TableSpec(
    "attendance", _l("Attendance by organisation"),
    _l("For every held meeting and every organisation invited to it (two schools are "
       "two), by its kind: was the organisation represented by at least one person (in "
       "the room or remotely)?"),
    ORG_KINDS, PRESENCE, zero=_not_yet, shares=(
        ShareSpec(_l("Attendance rate"), ("present",), ("present", "absent")),))


GROUP_AVERAGES = TableSpec(
    "group_averages", _l("Organisations present per meeting: variation between groups"),
    _l("Groups with held meetings in the year, by the average number of organisations "
       "represented at their meetings."),
    ONE_ROW, AVERAGE_BANDS, grain=Grain.YEAR, zero=_not_yet)
GROUP_SPREAD = TableSpec(
    "group_spread", _l("Organisations present per meeting: variation within a group"),
    _l("Groups with at least two held meetings in the year, by how much the number of "
       "organisations represented differed between their meetings."),
    ONE_ROW, SPREAD_BANDS, grain=Grain.YEAR, zero=_not_yet)
PRESENCE_BANDS = Axis(
    ("o1", "o2", "o3", "o4plus", "p1_2", "p3_4", "p5_6", "p7plus"), {
        "o1": _l("1 organisation"), "o2": _l("2 organisations"), "o3": _l("3 organisations"),
        "o4plus": _l("4 or more organisations"), "p1_2": _l("1 or 2 persons"),
        "p3_4": _l("3 or 4 persons"), "p5_6": _l("5 or 6 persons"),
        "p7plus": _l("7 or more persons")},
    groups=(("o1", "o2", "o3", "o4plus"), ("p1_2", "p3_4", "p5_6", "p7plus")),
    group_labels=(_l("Organisations represented"), _l("Professionals present")))
MEETING_PRESENCE = TableSpec(
    "meeting_presence", _l("Organisations and persons present per meeting"),
    _l("Held meetings in the period, by the number of organisations represented (two "
       "schools are two) and by the number of professionals present, in the room or "
       "remotely (the youth and guardians not counted)."),
    ONE_ROW, PRESENCE_BANDS, zero=_not_yet)
PERSONS = TableSpec(
    "persons_per_organisation", _l("Different persons representing an organisation"),
    _l("For every group and organisation represented at its meetings in the year, by "
       "the organisation's kind: how many different persons represented it."),
    ORG_KINDS, PERSON_BANDS, grain=Grain.YEAR, zero=_not_yet)


def _in_months(summary: Any, first: dt.date, last: dt.date) -> Any:
    """A summary row's Swedish month lies in ``first`` … ``last``: the years for the
    index, and the months only when the span does not start and end with a year (a
    condition on an expression is one the planner cannot estimate)."""
    years = summary.year.between(first.year, last.year)
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return years
    return and_(years, (summary.year * 12 + summary.month)
                .between(first.year * 12 + first.month, last.year * 12 + last.month))


def _participation(first: dt.date, last: dt.date, today: dt.date) -> dict[str, dict[Key, int]]:
    """The attendance measures in one statement over the summaries
    (``sig.statistics.summary``): one row per held meeting and organisation invited to it
    (two schools are two), one per held meeting, each with the meeting's Swedish year
    and month (a meeting at 00:30 on the 1st belongs to that month, not the previous one
    as in UTC), and one row per group, year, organisation and professional who
    represented it.  ``first`` …
    ``last`` are whole months.

    Each grouping follows an index of the summaries, so nothing large is sorted:
    ``per_org`` counts per month, organisation and whether it was represented (its kind
    joined after); ``per_meeting`` (a summary too) has one row per meeting with the
    organisations represented and the professionals present; ``per_group`` one row per
    group and year
    with its meetings, their average number of organisations and the spread;
    ``persons`` one row per group, year and organisation with the different persons who
    represented it (a youth who changes school meets two schools with one person each,
    not one kind with two).
    """
    held, meeting = MeetingOrganisation, MeetingPresence
    per_org = (select(held.year, held.month, held.org_id, held.present,
                      func.count().label("n"))
               .where(_in_months(held, first, last))
               .group_by(held.year, held.month, held.org_id, held.present)
               .subquery())
    per_meeting = (select(meeting.year.label("y"), meeting.month.label("m"), meeting.case_id,
                          meeting.organisations, meeting.people)
                   .where(_in_months(meeting, first, last)).subquery())
    per_group = (select(per_meeting.c.y, func.count().label("meetings"),
                        func.avg(per_meeting.c.organisations).label("average"),
                        (func.max(per_meeting.c.organisations)
                         - func.min(per_meeting.c.organisations)).label("spread"))
                 .group_by(per_meeting.c.case_id, per_meeting.c.y)
                 .cte("per_group"))
    per_person = (select(GroupPerson.year, GroupPerson.org_id, func.count().label("persons"))
                  .where(GroupPerson.year.between(first.year, last.year))
                  .group_by(GroupPerson.year, GroupPerson.case_id, GroupPerson.org_id)
                  .subquery())
    persons = (select(per_person.c.year.label("y"), Organisation.kind.label("kind"),
                      per_person.c.persons)
               .join(Organisation, Organisation.id == per_person.c.org_id).subquery())

    def counted(name: str, sub: Any, y: Any, m: Any, row: Any, col: Any) -> Any:
        units = (select(literal(name).label("measure"), y.label("y"), m.label("m"),
                        row.label("row"), col.label("col")).select_from(sub).subquery())
        groups = (units.c.measure, units.c.y, units.c.m, units.c.row, units.c.col)
        return select(*groups, func.count().label("n")).group_by(*groups)

    no_month = literal(0, Integer)
    everyone = literal("all")
    average = case((per_group.c.average < 2, "lt2"), (per_group.c.average < 3, "2_3"),
                   (per_group.c.average < 4, "3_4"), else_="4plus")
    repeated = select(per_group).where(per_group.c.meetings >= 2).subquery()
    spread = case((repeated.c.spread == 0, "same"), (repeated.c.spread == 1, "one"),
                  else_="two_plus")
    several = case((persons.c.persons == 1, "one"), (persons.c.persons == 2, "two"),
                   else_="three_plus")
    organisations = case((per_meeting.c.organisations <= 1, "o1"),
                         (per_meeting.c.organisations == 2, "o2"),
                         (per_meeting.c.organisations == 3, "o3"), else_="o4plus")
    people = case((per_meeting.c.people <= 2, "p1_2"), (per_meeting.c.people <= 4, "p3_4"),
                  (per_meeting.c.people <= 6, "p5_6"), else_="p7plus")
    attendance = (select(literal("attendance"), per_org.c.year, per_org.c.month,
                         Organisation.kind,
                         case((per_org.c.present == 1, "present"), else_="absent"),
                         func.sum(per_org.c.n))
                  .join(Organisation, Organisation.id == per_org.c.org_id)
                  .group_by(per_org.c.year, per_org.c.month, Organisation.kind,
                            per_org.c.present))
    statement = union_all(
        attendance,
        *(counted("meeting_presence", per_meeting, per_meeting.c.y, per_meeting.c.m,
                  everyone, band) for band in (organisations, people)),
        counted("group_averages", per_group, per_group.c.y, no_month, everyone, average),
        counted("group_spread", repeated, repeated.c.y, no_month, everyone, spread),
        counted("persons_per_organisation", persons, persons.c.y, no_month, persons.c.kind,
                several))
    out: dict[str, dict[Key, int]] = {name: {} for name in PARTICIPATION}
    for name, y, m, row, col, n in db.session.execute(statement):
        block = ("M", int(y), int(m)) if int(m) else ("Y", int(y))
        out[name][(block, row, col)] = int(n)
    return out


PARTICIPATION = ("attendance", "meeting_presence", "group_averages", "group_spread",
                 "persons_per_organisation")


def _from_participation(name: str) -> Any:
    def measure(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
        return _read_once("participation", first, last, today,
                          lambda: _participation(first, last, today))[name]

    measure.__name__ = name
    return measure


attendance = _from_participation("attendance")
meeting_presence = _from_participation("meeting_presence")
group_averages = _from_participation("group_averages")
group_spread = _from_participation("group_spread")
persons_per_organisation = _from_participation("persons_per_organisation")


ACTIONS = TableSpec(
    "actions", _l("Actions by organisation"),
    _l("Actions due in the period — a done action: done in the period — by the kind of "
       "organisation responsible and their status today; an action still open when its "
       "case closed is not done, not overdue."),
    ORG_KINDS, ACTION_STATES, grain=Grain.QUARTER, zero=_action_status_impossible, shares=(
        ShareSpec(_l("Share overdue"), ("overdue",), ("planned", "overdue", "done")),))


def actions(first: dt.date, last: dt.date, today: dt.date) -> dict[Key, int]:
    due = Action.due_date
    done = Action.status == ActionStatus.DONE.value
    # a done action is counted in the period it was done, any other in the one it is due
    when = case((and_(done, Action.done_on.is_not(None)), Action.done_on), else_=due)
    status = case(
        (done, "done"),
        (Action.status == ActionStatus.CANCELLED.value, "cancelled"),
        (Action.status == ActionStatus.NOT_DONE.value, "not_done"),
        (due < today, "overdue"), else_="planned")
    return _count(select(year_of(when).label("y"), month_of(when).label("m"),
                         Organisation.kind.label("row"), status.label("col"))
                  .join(Organisation, Organisation.id == Action.responsible_org_id)
                  .where(_in(when, first, last)))


# The measures whose counts depend on the day they are counted (a stock read today, a
# follow-up window, a status "today"); the others are the same whatever the day.
BY_TODAY = frozenset({"cases_active", "outcomes_after_start", "relapses", "actions"})

MEASURES: Mapping[str, tuple[TableSpec, Any]] = {
    spec.id: (spec, fn) for spec, fn in (
        (OUTCOMES_AFTER_START, outcomes_after_start),
        (RELAPSES, relapses),
        (CONCERN_CONVERSATIONS, concern_conversations),
        (ATTENDANCE, attendance),
        (MEETING_PRESENCE, meeting_presence),
        (GROUP_AVERAGES, group_averages),
        (GROUP_SPREAD, group_spread),
        (PERSONS, persons_per_organisation),
        (ACTIONS, actions),
        (CASES_OPENED, cases_opened),
        (CASES_ACTIVE, cases_active),
        (CASES_CLOSED, cases_closed),
        (REFERRAL_SOURCES, referral_sources),
        (CLOSE_REASONS, close_reasons),
    )}
