"""Finding a case by the youth's name in a real Chromium: Sara types a name, turns the
hits' pages, sorts them, opens a case and goes back to the hits — and no address the
browser keeps in its history holds the name (it is sent by POST and kept for the login;
the hits are reached by a handle).  The results page fits 375 px and axe finds nothing on
it.  The cases are built through the test client (fast)."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_case_path import collect_problems, log_in, width_after_resize
from tests.browser.test_reflow_axe import WCAG
from tests.case_helpers import open_case, register_youth, valid_pnr
from tests.helpers import login

pytestmark = pytest.mark.browser

LISTED = re.compile(r'<tr>\s*<td><a href="/cases/([0-9a-f-]{36})"')


def test_sara_finds_a_case_by_name_and_the_name_stays_out_of_every_address(
        app, client, sara, fake_clock, page):
    login(client, sara, fake_clock=fake_clock)
    ids = {name: open_case(client, register_youth(client, name=name,
                                                  pnr=valid_pnr("20100315", serial)))
           for name, serial in (("Vilgot Sökesson", "411"), ("Vera Sökesson", "422"),
                                ("Ivar Annat", "433"))}
    app.config["CASE_LIST_PAGE_SIZE"] = 1
    problems = collect_problems(page)
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    log_in(page, app, sara)
    page.goto("/cases")
    page.get_by_label("Hitta ett ärende på ungdomens namn").fill("sökesson")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_text("Sida 1 av 2")).to_be_visible()
    first = LISTED.findall(page.content())
    page.get_by_role("link", name="Nästa sida").click()
    expect(page.get_by_text("Sida 2 av 2")).to_be_visible()
    assert {*first, *LISTED.findall(page.content())} == {ids["Vilgot Sökesson"],
                                                         ids["Vera Sökesson"]}
    page.get_by_role("link", name="Ungdom", exact=True).click()
    expect(page.get_by_text("Sida 1 av 2")).to_be_visible()
    assert LISTED.findall(page.content()) == [ids["Vera Sökesson"]]
    expect(page.get_by_label("Hitta ett ärende på ungdomens namn")).to_have_value("sökesson")
    for width in (1280, 375):
        assert width_after_resize(page, width, 900) <= width
        assert Axe().run(page, options=WCAG).response["violations"] == []
    page.get_by_role("link", name=re.compile(r"^SIG-")).first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    page.go_back()  # to the hits, without "send the form again?"
    expect(page.get_by_text("Sida 1 av 2")).to_be_visible()
    assert LISTED.findall(page.content()) == [ids["Vera Sökesson"]]
    page.get_by_role("link", name="Visa alla").click()
    expect(page.get_by_text("Ivar Annat")).to_be_visible()
    assert addresses and all("kesson" not in url.lower() and "%C3%B6" not in url
                             for url in addresses), addresses
    assert problems == []
