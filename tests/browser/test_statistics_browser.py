"""Maria opens the statistics in a real Chromium: the charts render under the strict
CSP without errors, the period form answers a custom range, a bad range is explained
with what she typed kept, and a table downloads as CSV.  Fred reaches none of it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from sig.web.spreadsheet import read_csv
from tests.browser.test_case_path import collect_problems, labelled, log_in, width_after_resize
from tests.test_statistics_views import cohort  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_maria_reads_the_statistics_and_downloads_a_table(app, maria, cohort,  # noqa: F811
                                                          page: Page):
    problems = collect_problems(page)
    log_in(page, app, maria)
    page.goto("/statistics/?period=year&year=2025")
    expect(page.locator("#attendance svg").first).to_be_visible()
    expect(page.locator("#outcomes_after_start table.statistics").first).to_be_visible()
    expect(page.locator('#outcomes_after_start tr[data-row="so_far"] td[data-col="_total"]')
           ).to_have_text("24")
    # A custom range, through the form.
    page.select_option("#period", "custom")
    labelled(page, "from").fill("2025-02")
    labelled(page, "to").fill("2025-11")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"period=custom"))
    expect(page.locator("h1")).to_contain_text("feb. 2025")
    # A range that ends before it starts: explained, and what she typed is kept.
    labelled(page, "from").fill("2025-11")
    labelled(page, "to").fill("2025-02")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("#period-error")).to_be_visible()
    expect(labelled(page, "from")).to_have_value("2025-11")
    # CSV download.
    page.goto("/statistics/?period=year&year=2025")
    with page.expect_download() as download:
        page.locator('#attendance a[download]').click()
    with open(download.value.path(), "rb") as file:
        rows = read_csv(file.read())
    assert rows[0][0] == "Period" and any("Polisen" in r for r in rows)
    # The board report, from the link on the dashboard; it fits a phone too.
    page.get_by_role("link", name=re.compile("Rapport till socialnämnden")).click()
    expect(page.locator("h1")).to_contain_text("Rapport till socialnämnden")
    expect(page.locator("#cases_opened svg.chart").first).to_be_visible()
    assert width_after_resize(page, 375) <= 375
    assert problems == [], problems


def test_fred_cannot_open_the_statistics(app, fred, page: Page):
    log_in(page, app, fred)
    response = page.goto("/statistics/")
    assert response.status == 403
    assert dt.date.today().isoformat() not in page.content()
