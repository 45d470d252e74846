"""Typing dates and times in a real Chromium: each way Swedes write a date, typed into a
plan action's due date and a meeting's date and time, is either saved as that day (and
time, in Swedish time) or answered with a message while the typed text stays in the
field.  The case and its goal are built through the test client (fast); Sara types in
her own browser profile."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kernel.db import db
from sig.meetings.models import Meeting
from sig.plans.models import Action, Goal
from tests.browser.test_case_path import arrive, collect_problems, labelled, log_in, submit
from tests.case_helpers import open_case, register_youth
from tests.helpers import login, post

pytestmark = pytest.mark.browser

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AT_CASE = re.compile(r"/cases/[0-9a-f-]{36}(#.*)?$")
AT_MEETING = re.compile(r"/cases/[0-9a-f-]{36}/meetings/[0-9a-f-]{36}(#.*)?$")


def _ways(day: dt.date) -> list[str]:
    return [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"),
            day.strftime("%Y%m%d")]


def test_sara_types_dates_the_way_swedes_write_them(app, client, sara, orgs, fake_clock,
                                                     page):
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client))
    url = f"/cases/{case_id}/plan/goals/new"
    assert post(client, url, {"life_area": "school", "description": "Skolgång"},
                page=url).status_code == 302
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.case_id == case_id))
    problems = collect_problems(page)
    log_in(page, app, sara)
    day = fake_clock.current.date() + dt.timedelta(days=30)

    for n, typed in enumerate(_ways(day)):
        page.goto(f"/cases/{case_id}/plan/goals/{goal_id}/actions/new")
        labelled(page, "what").fill(f"Insats {n}")
        page.locator("#responsible_org_id").select_option(orgs["social"].id)
        labelled(page, "due_date").fill(typed)
        submit(page, "due_date")
        arrive(page, AT_CASE)
        with app.app_context():
            saved = db.session.scalar(select(Action.due_date).where(
                Action.case_id == case_id, Action.goal_id == goal_id)
                .order_by(Action.created_at.desc()).limit(1))
        assert saved == day, typed

    for typed, says in (("31/02/2027", "Det datumet finns inte"),
                        ("på fredag", "Skriv datumet som ÅÅÅÅ-MM-DD")):
        page.goto(f"/cases/{case_id}/plan/goals/{goal_id}/actions/new")
        labelled(page, "what").fill("Insats som inte sparas")
        page.locator("#responsible_org_id").select_option(orgs["social"].id)
        labelled(page, "due_date").fill(typed)
        submit(page, "due_date")
        expect(page.locator("#due_date-error")).to_contain_text(says)
        expect(labelled(page, "due_date")).to_have_value(typed)
        expect(labelled(page, "what")).to_have_value("Insats som inte sparas")

    for n, typed in enumerate(f"{way} {clock}" for way, clock in zip(
            _ways(day), ("15:00", "15.00", "kl. 15.00", "1500"), strict=True)):
        page.goto(f"/cases/{case_id}/meetings/new")
        labelled(page, "starts_at").fill(typed)
        labelled(page, "place").fill(f"Rum {n}")
        submit(page, "starts_at")
        arrive(page, AT_MEETING)
        meeting_id = page.url.split("#")[0].rsplit("/", 1)[-1]
        with app.app_context():
            starts = db.session.get(Meeting, meeting_id).starts_at
        starts = starts if starts.tzinfo else starts.replace(tzinfo=dt.UTC)
        assert starts.astimezone(STOCKHOLM).replace(tzinfo=None) == dt.datetime.combine(
            day, dt.time(15)), typed

    for typed, says in ((f"{day.isoformat()} 25:00", "Skriv klockslaget som TT:MM"),
                        (day.isoformat(), "Skriv både datum och klockslag")):
        page.goto(f"/cases/{case_id}/meetings/new")
        labelled(page, "starts_at").fill(typed)
        labelled(page, "place").fill("Rummet som inte sparas")
        submit(page, "starts_at")
        expect(page.locator("#starts_at-error")).to_contain_text(says)
        expect(page.locator("#starts_at-error")).not_to_contain_text("Obligatoriskt")
        expect(labelled(page, "starts_at")).to_have_value(typed)
        expect(labelled(page, "place")).to_have_value("Rummet som inte sparas")
    assert problems == []
