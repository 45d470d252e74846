"""Deputy and handover in a real Chromium, as the issue tells it.

Sara names her colleague Sam deputy for a week; Sam finds the case on his start page,
opens it and schedules a meeting (logged as deputy); Sara then offers the case to Siv,
another case owner; Siv finds the offer on her start page, sees only the reference
until she accepts, accepts and lands on the case; Sara no longer reaches it.  Fred sees
none of it.  The case is built through the test client (fast).
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from auth.roles import Role
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, Handover
from tests.browser.test_case_path import (
    arrive,
    assert_no_trace,
    collect_problems,
    fresh_page,
    labelled,
    log_in,
    schedule_meeting,
    submit,
)
from tests.case_helpers import add_member, open_case, register_youth, valid_pnr
from tests.helpers import login

pytestmark = pytest.mark.browser

YOUTH = "Vera Ersättarsson"
AT_OWNERSHIP = re.compile(r"/cases/[0-9a-f-]{36}/ownership$")
AT_CASE = re.compile(r"/cases/[0-9a-f-]{36}$")
AT_OFFERS = re.compile(r"/handovers$")


def test_a_deputy_records_a_meeting_and_the_case_is_handed_over(
        one_database, app, browser, live_server, page, client, make_user, sara, per, fred,
        fake_clock):
    sam = make_user("sam", "social", Role.CASE_OWNER, name="Sam Ersättare")
    siv = make_user("siv", "social", Role.CASE_OWNER, name="Siv Efterträdare")
    login(client, sara, fake_clock=fake_clock)
    case_id = open_case(client, register_youth(client, name=YOUTH,
                                               pnr=valid_pnr("20100606", "246")))
    add_member(client, case_id, per, function="kommunpolis")
    reference = "SIG-" + case_id[:8].upper()
    problems = {"sara": collect_problems(page)}

    # --- Sara names Sam deputy for a week ---
    log_in(page, app, sara)
    page.goto(f"/cases/{case_id}")
    page.locator(f'main a[href="/cases/{case_id}/ownership"]').click()
    arrive(page, AT_OWNERSHIP)
    today = fake_clock.current.date()
    labelled(page, "user_id").select_option(sam.id)
    labelled(page, "from_date").fill(today.isoformat())
    labelled(page, "to_date").fill((today + dt.timedelta(days=7)).isoformat())
    submit(page, "user_id")
    arrive(page, AT_OWNERSHIP)
    expect(page.locator(".messages")).to_contain_text("Sam Ersättare")

    # --- Sam, as deputy, schedules a meeting ---
    with fresh_page(browser, live_server) as sam_page:
        problems["sam"] = collect_problems(sam_page)
        log_in(sam_page, app, sam)
        mine = sam_page.locator("#my-cases + ul li").filter(has_text=reference)
        expect(mine).to_contain_text("ersättare")
        mine.locator("a").click()
        arrive(sam_page, AT_CASE)
        expect(sam_page.locator("main")).to_contain_text(YOUTH)
        expect(sam_page.locator("main")).to_contain_text("Du är ersättare för ärendeägaren")
        schedule_meeting(sam_page, case_id, fake_clock.current + dt.timedelta(days=2))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.event == "meeting_scheduled").order_by(AuditEntry.seq.desc())).first()
        assert entry.actor_user_id == sam.id and json.loads(entry.details)["as"] == "deputy"

    # --- Sara offers the case to Siv ---
    page.goto(f"/cases/{case_id}/ownership")
    labelled(page, "to_user").select_option(siv.id)
    submit(page, "to_user")
    arrive(page, AT_OWNERSHIP)
    expect(page.locator("main")).to_contain_text("Siv Efterträdare")

    # --- Siv accepts it ---
    with fresh_page(browser, live_server) as siv_page:
        problems["siv"] = collect_problems(siv_page, {f"{live_server}/cases/{case_id}"})
        log_in(siv_page, app, siv)
        siv_page.locator('main a[href="/handovers"]').click()
        arrive(siv_page, AT_OFFERS)
        offer = siv_page.locator("main li").filter(has_text=reference)
        expect(offer).to_contain_text("Sara Testsson")
        assert_no_trace(siv_page, (YOUTH,), "the offer before it is accepted")
        offer.locator("button").filter(has_text="Ta emot").click()
        arrive(siv_page, AT_CASE)
        expect(siv_page.locator("main")).to_contain_text(YOUTH)
        expect(siv_page.locator("main")).to_contain_text("Siv Efterträdare")
    with app.app_context():
        assert db.session.get(Case, case_id).owner_id == siv.id

    # --- Sara's next page: the case is no longer hers; Fred never saw any of it ---
    response = page.goto(f"/cases/{case_id}")
    assert response is not None and response.status == 404
    problems["sara"] = [p for p in problems["sara"] if "404" not in p]
    with fresh_page(browser, live_server) as fred_page:
        log_in(fred_page, app, fred)
        for url in ("/start", "/cases"):
            fred_page.goto(url)
            assert_no_trace(fred_page, (YOUTH, reference), f"Fred's {url}")
    assert problems == {"sara": [], "sam": [], "siv": []}


AT_REASSIGN = re.compile(r"/reassign(\?.*)?$")


def test_the_unit_manager_offers_a_gone_owners_case_with_the_pages_one_picker(
        one_database, app, browser, live_server, page, client, make_user, sara, maria,
        fred, fake_clock):
    """The case owners page has one picker of colleagues and an Offer button per case,
    outside the picker's form (``form``/``formaction``): a real browser sends the chosen
    colleague with the case the button names, and Maria lands back on the page with the
    colleague still chosen."""
    from sqlalchemy import update

    from auth.models import User

    sam = make_user("sam", "social", Role.CASE_OWNER, name="Sam Ersättare")
    login(client, sara, fake_clock=fake_clock)
    open_case(client, register_youth(client, name=YOUTH, pnr=valid_pnr("20100606", "246")))
    second = open_case(client, register_youth(client, name="Vide Ersättarsson",
                                              pnr=valid_pnr("20100707", "246")))
    with app.app_context():  # Sara has left: her cases are to reassign
        db.session.execute(update(User).where(User.id == sara.id).values(active=False))
        db.session.commit()
    problems = collect_problems(page)
    log_in(page, app, maria)
    page.goto("/reassign")
    arrive(page, AT_REASSIGN)
    labelled(page, "to_user").select_option(sam.id)
    row = page.locator("main tr").filter(has_text="SIG-" + second[:8].upper())
    row.locator("button").filter(has_text="Erbjud").click()
    arrive(page, AT_REASSIGN)
    expect(page.locator(".messages")).to_contain_text("SIG-" + second[:8].upper())
    expect(page.locator(".messages")).to_contain_text("Sam Ersättare")
    expect(labelled(page, "to_user")).to_have_value(sam.id)
    with app.app_context():
        offered = {c for (c,) in db.session.execute(
            select(Handover.case_id).where(Handover.state == "pending"))}
    assert offered == {second}, "the button's case, not another"
    assert_no_trace(page, (YOUTH, "Vide Ersättarsson"), "the case owners page")
    with fresh_page(browser, live_server) as fred_page:
        log_in(fred_page, app, fred)
        response = fred_page.goto("/reassign")
        assert response is not None and response.status == 403
    assert problems == []
