"""Dates and times as Swedes type them: every accepted way gives the same value; what
cannot be read keeps the typed text and says how to write it (never "required", never an
emptied field); meeting times are Swedish local time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel import clock
from kernel.db import db
from sig.meetings.models import Meeting
from sig.plans.models import Action
from sig.web.dates import Unreadable, parse_day, parse_moment, parse_time
from tests.case_helpers import open_case, register_youth, text_of
from tests.helpers import login, post

CHRISTMAS_EVE = dt.date(2026, 12, 24)


@pytest.mark.parametrize("typed", ["2026-12-24", " 2026-12-24 ", "24/12/2026", "24.12.2026",
                                   "20261224", "2026/12/24", "24.12.2026"])
def test_every_way_of_writing_a_date_gives_the_date(typed):
    assert parse_day(typed) == CHRISTMAS_EVE


@pytest.mark.parametrize("typed", ["15:00", "15.00", "1500", "15", "kl. 15.00", "kl 15",
                                   "Kl.15:00"])
def test_every_way_of_writing_a_time_gives_the_time(typed):
    assert parse_time(typed) == dt.time(15, 0)


@pytest.mark.parametrize("typed", ["2026-12-24 15:00", "2026-12-24T15:00", "24/12/2026 15.00",
                                   "24.12.2026 kl. 15.00", "20261224 1500"])
def test_every_way_of_writing_a_moment_gives_the_moment(typed):
    assert parse_moment(typed) == dt.datetime(2026, 12, 24, 15, 0)


@pytest.mark.parametrize("typed, says", [
    ("31/02/2026", "Det datumet finns inte: 31/02/2026."),
    ("2026-13-01", "Det datumet finns inte: 2026-13-01."),
    ("jul", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ("24-12-26", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ("12/24", "Skriv datumet som ÅÅÅÅ-MM-DD"),
])
def test_a_date_that_cannot_be_read_says_how_to_write_it(app, typed, says):
    with app.test_request_context(), pytest.raises(Unreadable, match=says):
        parse_day(typed)


@pytest.mark.parametrize("typed", ["25:00", "15:60", "kvart över tre", "15:0", "1:5:00"])
def test_a_time_that_cannot_be_read_says_how_to_write_it(app, typed):
    with app.test_request_context(), pytest.raises(Unreadable, match="TT:MM"):
        parse_time(typed)


def test_a_moment_without_a_time_asks_for_both(app):
    with app.test_request_context(), pytest.raises(Unreadable, match="både datum och klockslag"):
        parse_moment("2026-12-24")


@pytest.fixture
def case_id(client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    return open_case(client, register_youth(client))


def _goal(app, client, case_id: str) -> str:
    url = f"/cases/{case_id}/plan/goals/new"
    assert post(client, url, {"life_area": "school", "description": "Skolgång"},
                page=url).status_code == 302
    with app.app_context():
        from sig.plans.models import Goal

        return db.session.scalar(select(Goal.id).where(Goal.case_id == case_id))


def _action(client, case_id: str, goal_id: str, org_id: str, due: str):
    url = f"/cases/{case_id}/plan/goals/{goal_id}/actions/new"
    return post(client, url, {"what": f"Insats {due}", "responsible_org_id": org_id,
                              "responsible_user_id": "", "start_date": "", "due_date": due,
                              "status": "planned", "follow_up": ""}, page=url)


def test_a_plan_action_takes_each_way_of_writing_its_due_date(app, client, case_id, orgs,
                                                             fake_clock):
    goal_id = _goal(app, client, case_id)
    day = fake_clock.current.date() + dt.timedelta(days=40)
    for typed in (day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"),
                  day.strftime("%Y%m%d")):
        response = _action(client, case_id, goal_id, orgs["social"].id, typed)
        assert response.status_code == 302, text_of(response)[-1500:]
        with app.app_context():
            saved = db.session.scalar(select(Action.due_date).where(
                Action.case_id == case_id).order_by(Action.created_at.desc()).limit(1))
        assert saved == day, typed


def test_a_mistyped_due_date_keeps_the_text_and_says_what_is_wrong(app, client, case_id,
                                                                   orgs):
    goal_id = _goal(app, client, case_id)
    for typed, says in (("31/02/2027", "Det datumet finns inte: 31/02/2027."),
                        ("nästa fredag", "Skriv datumet som ÅÅÅÅ-MM-DD")):
        response = _action(client, case_id, goal_id, orgs["social"].id, typed)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f'value="{typed}"' in page and says in text_of(response)
        assert 'id="due_date-error"' in page and "Obligatoriskt" not in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(Action)).all() == []


def _schedule(client, case_id: str, typed: str):
    url = f"/cases/{case_id}/meetings/new"
    return post(client, url, {"starts_at": typed, "place": "Rum 3", "agenda": ""}, page=url)


def test_a_meeting_takes_each_way_of_writing_its_time_in_swedish_time(app, client, case_id,
                                                                      fake_clock):
    day = fake_clock.current.date() + dt.timedelta(days=20)
    stockholm = ZoneInfo("Europe/Stockholm")
    for typed in (f"{day.isoformat()} 15:00", f"{day.strftime('%d/%m/%Y')} 15.00",
                  f"{day.strftime('%d.%m.%Y')} kl. 15.00", f"{day.isoformat()}T15:00",
                  f"{day.strftime('%Y%m%d')} 1500"):
        response = _schedule(client, case_id, typed)
        assert response.status_code == 302, text_of(response)[-1500:]
        meeting_id = response.location.split("#")[0].rsplit("/", 1)[-1]
        with app.app_context():
            starts = db.session.get(Meeting, meeting_id).starts_at
        starts = starts.replace(tzinfo=dt.UTC) if starts.tzinfo is None else starts
        assert starts.astimezone(stockholm).replace(tzinfo=None) == dt.datetime.combine(
            day, dt.time(15, 0)), typed
        page = text_of(client.get(f"/cases/{case_id}/meetings/{meeting_id}"))
        assert f"{day.isoformat()} 15:00" in page  # shown in Swedish time as well


def test_a_mistyped_meeting_time_keeps_the_text_and_does_not_say_required(app, client,
                                                                         case_id):
    for typed, says in (("2026-12-24 25:00", "Skriv klockslaget som TT:MM"),
                        ("2026-12-24", "Skriv både datum och klockslag"),
                        ("julafton 15:00", "Skriv datumet som ÅÅÅÅ-MM-DD")):
        response = _schedule(client, case_id, typed)
        assert response.status_code == 200
        assert f'value="{typed}"' in response.get_data(as_text=True)
        assert says in text_of(response) and "Obligatoriskt" not in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(Meeting)).all() == []


def test_today_is_the_swedish_day_just_after_midnight(app, sara, fake_clock):
    # 00:30 on 6 December in Stockholm is 23:30 on the 5th in UTC: the day a case is
    # closed on, an action done on, a date checked against, is the 6th.
    from sig.cases.models import Case
    from sig.cases.operations import close_case

    fake_clock.current = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)
    client = app.test_client()
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    with app.test_request_context():
        assert clock.local_today() == dt.date(2026, 12, 6)
        case = db.session.get(Case, case_id)
        close_case(case, "completed", dt.date(2026, 12, 6))  # not "in the future"
        assert case.closed_on == dt.date(2026, 12, 6)
        db.session.rollback()


def test_a_consent_ends_with_its_last_swedish_day(app, personas, orgs, fake_clock):
    """A consent valid to 6 December opens nothing at 00:10 on the 7th in Stockholm —
    23:10 on the 6th in UTC, when the policy still read the 6th."""
    from consent.grants import grants_for
    from tests.test_policy_table import ConsentSpec, add_case, add_consent, born

    fake_clock.current = dt.datetime(2026, 12, 6, 11, 0, tzinfo=dt.UTC)
    with app.app_context():
        case, guardians = add_case(personas, orgs, born(16, dt.date(2026, 12, 6)), 1)
        add_consent(personas, orgs, case, guardians, ConsentSpec("ends_today", valid_to_days=0))
        db.session.commit()
        case_id = case.id

    def flows(person: str, at: dt.datetime) -> dict:
        fake_clock.current = at
        with app.app_context():
            return grants_for(personas[person], [case_id]).consent_flows

    late_evening = dt.datetime(2026, 12, 6, 22, 50, tzinfo=dt.UTC)  # 23:50 in Stockholm
    after_midnight = dt.datetime(2026, 12, 6, 23, 10, tzinfo=dt.UTC)  # 00:10 on the 7th
    assert flows("per", late_evening)
    assert flows("per", after_midnight) == {}
    # the police's flows are the organisation's; Fred, police outside the group, is
    # still answered as if the case did not exist
    fake_clock.current = late_evening
    fred = app.test_client()
    login(fred, personas["fred"], fake_clock=fake_clock)
    for at in (late_evening, after_midnight):
        fake_clock.current = at
        assert fred.get(f"/cases/{case_id}").status_code == 404
