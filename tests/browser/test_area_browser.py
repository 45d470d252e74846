"""The coordinator's cycle in a real Chromium: the police and social services write their
parts of a two-week situation report; the coordinator compiles it with one red item; the
red item is on the council's page and its response reaches the reporters; the month's
compilation downloads for the county administrative board.  The public page shows the
promise in force without a login."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from auth.roles import Role
from kernel.db import db
from sig.area import operations
from sig.area.models import AreaGroup
from tests.browser.test_case_path import arrive, collect_problems, fresh_page, labelled, log_in

pytestmark = pytest.mark.browser

AT_REPORT = re.compile(r"/area/reports/[0-9a-f-]{36}$")
AT_GROUP = re.compile(r"/area/groups/[0-9a-f-]{36}$")


def test_parts_compiled_red_item_answered_and_the_month_downloaded(
        one_database, app, browser, live_server, page, make_user, per, sara, maria, fake_clock):
    cora = make_user("cora", "social", Role.COORDINATOR, name="Cora Samordnare")
    today = fake_clock.current.date()
    with app.app_context():
        owner = db.session.get(type(cora), cora.id)
        council = operations.create_group(owner, "Lokalt Brå", "council", 30, None)
        est = operations.create_group(owner, "EST Centrum", "situation", 14, council)
        for person in (per, sara):
            operations.add_member(owner, est, db.session.get(type(per), person.id), False)
        operations.add_member(owner, council, db.session.get(type(per), maria.id), False)
        report = operations.open_report(owner, est, today.replace(day=1))
        report_id, council_id = report.id, council.id
        operations.save_promise(owner, None, title="Tryggare centrum",
                                valid_from=today - dt.timedelta(days=5),
                                valid_to=today + dt.timedelta(days=60), background="",
                                commitments="Polisen: kvällsnärvaro vid stationen",
                                follow_up="", published=True)
    problems = collect_problems(page)

    # --- the police and social services write their parts ---
    for person, question, text in ((per, 2, "Rån mot unga vid busstationen"),
                                   (sara, 4, "Fler unga i centrum sena kvällar")):
        with fresh_page(browser, live_server) as member_page:
            problems_member = collect_problems(member_page)
            log_in(member_page, app, person)
            member_page.goto(f"/area/reports/{report_id}")
            labelled(member_page, f"q{question}-account").fill(text)
            labelled(member_page, f"q{question}-impact").select_option("4")
            member_page.locator('form[action$="/area/reports/' + report_id + '"] button').click()
            arrive(member_page, AT_REPORT)
            expect(member_page.locator(f"#q{question}-heading + ul, section")
                   .filter(has_text=text).first).to_be_visible()
            assert problems_member == []

    # --- the coordinator compiles with one red item ---
    log_in(page, app, cora)
    page.goto(f"/area/reports/{report_id}")
    for q in range(1, 8):
        labelled(page, f"q{q}-colour").select_option("red" if q == 2 else "green")
    labelled(page, "q2-comment").fill("Lyfts till Brå: samverkan med kollektivtrafiken")
    page.locator('form[action$="/compile"] button').click()
    arrive(page, AT_REPORT)
    expect(page.locator(".messages")).to_contain_text("1 röda punkter lyfts till rådet")

    # --- the council answers; the reporters see the answer ---
    with fresh_page(browser, live_server) as council_page:
        log_in(council_page, app, maria)
        council_page.goto(f"/area/groups/{council_id}")
        item = council_page.locator("article.escalation")
        expect(item).to_contain_text("samverkan med kollektivtrafiken")
        item.locator("textarea").fill("Gemensamma kvällsvandringar i december")
        item.locator("button").click()
        arrive(council_page, AT_GROUP)
        expect(council_page.locator("article.escalation")).to_contain_text("kvällsvandringar")
    fake_clock.advance(seconds=31)  # Per's second login gets a fresh code
    with fresh_page(browser, live_server) as per_page:
        log_in(per_page, app, per)
        per_page.goto(f"/area/reports/{report_id}")
        expect(per_page.locator("section").filter(has_text="Hot och våld")).to_contain_text(
            "Gemensamma kvällsvandringar i december")

    # --- the month's compilation downloads for the county administrative board ---
    page.goto(f"/area/compilation?month={today.strftime('%Y-%m')}")
    expect(page.locator("h1")).to_contain_text("Lägesbilder för månaden")
    with page.expect_download() as download:
        page.locator('a[href*="format=csv"]').click()
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        content = fh.read()
    assert "EST Centrum" in content and "röd" in content

    # --- the public page, without a login ---
    with fresh_page(browser, live_server) as anyone:
        anyone.goto("/promises")
        expect(anyone.locator("main")).to_contain_text("Tryggare centrum")
        expect(anyone.locator("main")).to_contain_text("kvällsnärvaro vid stationen")
    with app.app_context():
        assert db.session.get(AreaGroup, council_id) is not None
    # (a download is a navigation the browser aborts once the file arrives)
    assert [p for p in problems if "format=csv" not in p] == []
