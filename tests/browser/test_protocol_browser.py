"""The meeting protocol in a real Chromium: Sara records attendance, follows up three
actions and writes a minutes entry, saves them with one click, signs the protocol off,
and prints it for the school — without social services' assessment."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kernel.db import db
from sig.meetings.models import MinutesEntry
from sig.plans.models import Action
from tests.browser.test_case_path import arrive, collect_problems, labelled, log_in
from tests.test_meetings import SOCIAL_ASSESSMENT
from tests.test_protocol import held  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

AT_MEETING = re.compile(r"/cases/[0-9a-f-]{36}/meetings/[0-9a-f-]{36}(#.*)?$")


def test_one_submit_saves_the_protocol_then_it_is_signed_off_and_printed_for_the_school(
        one_database, app, live_server, page, held, sara, per, kim, orgs, fake_clock):  # noqa: F811
    case_id, meeting_id, actions = held
    problems = collect_problems(page)
    log_in(page, app, sara)
    page.goto(f"/cases/{case_id}/meetings/{meeting_id}")
    form = page.locator("#protocol-form")
    for row in ("Per Testsson", "Kim Testsson"):
        select = page.locator("tr.participant").filter(has_text=row).locator("select")
        labelled(page, select.get_attribute("id")).select_option("present")
    for n, action_id in enumerate(actions):
        labelled(page, f"action-{action_id}-status").select_option("in_progress")
        labelled(page, f"action-{action_id}-follow_up").fill(f"Uppföljd vid mötet ({n + 1})")
    labelled(page, "category").select_option("social_assessment")
    labelled(page, "text").fill(SOCIAL_ASSESSMENT)
    expect(form.locator('button[type="submit"]')).to_have_count(1)
    form.locator('button[type="submit"]').click()
    arrive(page, AT_MEETING)
    expect(page.locator(".messages")).to_contain_text("Protokollet är sparat")
    with app.app_context():
        assert {db.session.get(Action, a).status for a in actions} == {"in_progress"}
        assert db.session.query(MinutesEntry).count() == 1
    page.locator('form[action$="/sign-off"] button').click()
    arrive(page, AT_MEETING)
    expect(page.locator("dd.protocol-state")).to_contain_text("justerat av Sara Testsson")
    expect(page.locator("#protocol-form")).to_have_count(0)
    page.locator(f'a[href$="/print/{orgs["school"].id}"]').click()
    expect(page.locator("h1")).to_contain_text("Protokoll")
    expect(page.locator("body")).to_contain_text("utskrivet för Testskolan")
    assert SOCIAL_ASSESSMENT not in page.content()
    assert problems == []
