"""A proposal into SIG in a real Chromium: Per (police) proposes a youth; Sara finds it
on the intake list, registers the youth and opens the case from it; Per sees
"accepted" and nothing else of the case; Fred sees nothing of it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_case_path import (
    arrive,
    assert_no_trace,
    collect_problems,
    fresh_page,
    labelled,
    log_in,
    submit,
)
from tests.case_helpers import valid_pnr

pytestmark = pytest.mark.browser

NAME = "Nova Förslagsdotter"
PNR = valid_pnr("20110412", "357")
DONE = "Orosanmälan skickad efter misstänkt rån; samtal med Nova och hennes pappa"
AT_MINE = re.compile(r"/referrals$")
AT_PROPOSAL = re.compile(r"/intake/[0-9a-f-]{36}$")
AT_CASE = re.compile(r"/cases/([0-9a-f-]{36})$")


def test_per_proposes_sara_accepts_per_sees_accepted_and_nothing_else(
        one_database, app, browser, live_server, page, orgs, sara, per, fred, fake_clock):
    problems = {"per": collect_problems(page)}
    log_in(page, app, per)
    page.locator('nav a[href="/referrals"]').click()
    arrive(page, AT_MINE)
    page.locator('main a[href="/referrals/new"]').click()
    labelled(page, "to_org").select_option(orgs["social"].id)
    labelled(page, "personal_number").fill(PNR)
    labelled(page, "name").fill(NAME)
    labelled(page, "reason").select_option("suspected_crime")
    labelled(page, "done").fill(DONE)
    submit(page, "name")
    arrive(page, AT_MINE)
    row = page.locator("main tr").filter(has_text=NAME)
    expect(row).to_contain_text("Väntar på beslut")

    with fresh_page(browser, live_server) as sara_page:
        problems["sara"] = collect_problems(sara_page)
        log_in(sara_page, app, sara)
        sara_page.locator('main a[href="/intake"]').click()
        sara_page.locator("main table a").first.click()
        arrive(sara_page, AT_PROPOSAL)
        expect(sara_page.locator("main")).to_contain_text(DONE)
        expect(labelled(sara_page, "name")).to_have_value(NAME)
        labelled(sara_page, "gender").select_option("girl")
        labelled(sara_page, "guardian1_name").fill("Pappa Förslagsdotter")
        submit(sara_page, "name")
        arrive(sara_page, AT_CASE)
        case_id = AT_CASE.search(sara_page.url).group(1)
        expect(sara_page.locator("main")).to_contain_text(NAME)
        expect(sara_page.locator("main")).to_contain_text(DONE)

    page.reload()
    expect(page.locator("main tr").filter(has_text=NAME)).to_contain_text("Mottaget")
    assert_no_trace(page, (case_id, "SIG-" + case_id[:8].upper()), "Per's proposals")
    response = page.goto(f"/cases/{case_id}")
    assert response is not None and response.status == 404
    problems["per"] = [p for p in problems["per"] if "404" not in p]

    with fresh_page(browser, live_server) as fred_page:
        log_in(fred_page, app, fred)
        for url in ("/start", "/cases", "/referrals"):
            fred_page.goto(url)
            assert_no_trace(fred_page, (NAME, PNR, DONE), f"Fred's {url}")
    assert problems == {"per": [], "sara": []}
