"""The managers' dashboard: who reaches it (Fred included), what it shows and exports,
and that nothing on it is a person, a small count or a case."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.outcomes.models import OutcomeKind
from sig.statistics import dashboard, measures
from sig.web.spreadsheet import read_csv
from tests.helpers import login
from tests.stats_world import World

D = dt.date
CELL = re.compile(r'<td data-col="[^"]+" data-mark="(\w+)">([^<]*)</td>')


@pytest.fixture
def cohort(app_ctx, orgs, sara, fake_clock):
    """24 youths started in 2025: 14 without a new report, 6 police only, 3 concern only,
    1 both (up to today); meetings with the police present at 8 of 12."""
    fake_clock.current = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    w = World(orgs, sara)
    for i in range(24):
        case = w.case(born=2009 + i % 4, gender=("girl", "boy")[i % 2],
                      referred=D(2025, 1 + i % 6, 2), started=D(2025, 1 + i % 6, 20))
        if 14 <= i < 20:
            w.event(case, OutcomeKind.POLICE_REPORT, D(2025, 9, 1))
        elif 20 <= i < 23:
            w.event(case, OutcomeKind.CONCERN_REPORT, D(2025, 9, 1), source="school")
        elif i == 23:
            w.event(case, OutcomeKind.POLICE_REPORT, D(2025, 9, 1))
            w.event(case, OutcomeKind.CONCERN_REPORT, D(2025, 9, 2), source="school")
        if i < 12:
            police = {"police": [1]} if i < 8 else {}
            absent = {} if i < 8 else {"police": [2]}
            w.meeting(case, D(2025, 8, 1 + i), {"social": [1], **police}, absent)
    db.session.commit()
    dashboard.clear_cache()
    return w


def _cells(html: str) -> list[tuple[str, str]]:
    return CELL.findall(html)


@pytest.mark.parametrize("who", ["sara", "per", "kim", "lo", "fred", "ali", "eva"])
def test_only_managers_reach_the_statistics(client, personas, who):
    login(client, personas[who])
    assert client.get("/statistics/").status_code == 403
    assert client.get("/statistics/attendance.csv?period=year&year=2025").status_code == 403
    assert client.get("/statistics/report?year=2025").status_code == 403


def test_maria_sees_every_measure_with_a_chart_and_a_table(client, maria, cohort):
    login(client, maria)
    response = client.get("/statistics/?period=year&year=2025")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in dashboard.MEASURES:
        assert f'id="{name}"' in html
        assert f"/statistics/{name}.csv?period=year&amp;year=2025" in html
    assert html.count("<svg") >= len(dashboard.MEASURES)
    assert "style=" not in html.split("<main", 1)[-1]  # the CSP forbids inline styles
    attendance = html.split('id="attendance"', 1)[1]
    assert "Polisen" in attendance and "Police" not in attendance  # labels in her language
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.event == "statistics_viewed")).one()
    assert '"year":"2025"' in entry.details


def test_no_small_count_is_ever_shown(client, maria, cohort):
    login(client, maria)
    for query in ("period=year&year=2025", "period=quarter&year=2025&quarter=3",
                  "period=month&month=2025-08", "period=custom&from=2025-02&to=2025-10"):
        html = client.get("/statistics/?" + query).get_data(as_text=True)
        cells = _cells(html)
        assert cells
        for mark, text in cells:
            if mark == "shown":
                assert int(text.replace("\xa0", "").replace(" ", "")) >= 5, (query, text)
            elif mark == "zero":  # zero by construction, e.g. a month not yet begun
                assert text == "0", (query, text)
            else:
                assert text in ("&lt;5", "–", "×"), (query, mark, text)


def _row(html: str, table: str, row: str) -> dict[str, tuple[str, str]]:
    section = html.split(f'id="{table}"', 1)[1].split("</section>", 1)[0]
    tr = section.split(f'data-row="{row}"', 1)[1].split("</tr>", 1)[0]
    return {col: (mark, text) for col, mark, text in
            re.findall(r'data-col="([^"]+)" data-mark="(\w+)">([^<]*)<', tr)}


def assert_true_or_suppressed(shown: dict[str, tuple[str, str]], truth: dict[str, int]):
    """A shown cell is the true figure; "<5" stands for 1-4; "–" for 5 or more."""
    for col, value in truth.items():
        mark, text = shown[col]
        if mark == "shown":
            assert int(text) == value, (col, text, value)
        elif mark == "small":
            assert text == "&lt;5" and 0 <= value <= 4, (col, value)
        else:
            assert text == "–" and value >= 5, (col, value)


def test_the_shown_figures_are_the_true_ones(client, maria, cohort):
    login(client, maria)
    html = client.get("/statistics/?period=year&year=2025").get_data(as_text=True)
    so_far = _row(html, "outcomes_after_start", "so_far")
    assert_true_or_suppressed(so_far, {"neither": 14, "police_only": 6, "concern_only": 3,
                                       "both": 1, "_total": 24})
    assert so_far["_total"] == ("shown", "24")
    assert_true_or_suppressed(_row(html, "attendance", "police"),
                              {"present": 8, "absent": 4, "_total": 12})
    assert_true_or_suppressed(_row(html, "attendance", "school"),
                              {"present": 0, "absent": 0, "_total": 0})


def test_csv_export_is_the_table_as_shown(client, maria, cohort):
    login(client, maria)
    response = client.get("/statistics/outcomes_after_start.csv?period=year&year=2025")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data())
    header, body = rows[0], rows[1:]
    assert header[0] == "Period"
    up_to_today = next(r for r in body if r[1].startswith("Fram till i dag"))
    assert "24" in up_to_today and "<5" in up_to_today
    assert up_to_today[-3:] == ["–", "–", "–"]  # hidden shares, as on the page
    assert not any(re.fullmatch(r"[1-4]", v) for r in body for v in r)
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.event == "statistics_exported")).one()


def test_unknown_table_and_bad_period_in_an_export(client, maria, cohort):
    login(client, maria)
    assert client.get("/statistics/cases.csv?period=year&year=2025").status_code == 404
    response = client.get("/statistics/attendance.csv?period=month&month=2025-13")
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert 'id="period-error"' in html and 'value="2025-13"' in html


def test_a_bad_period_says_why_and_keeps_what_was_typed(client, maria, cohort):
    login(client, maria)
    html = client.get("/statistics/?period=custom&from=2025-09&to=2025-02").get_data(
        as_text=True)
    assert 'id="period-error"' in html
    assert 'value="2025-09"' in html and 'value="2025-02"' in html
    html = client.get("/statistics/?period=month&month=maj").get_data(as_text=True)
    assert 'id="period-error"' in html and 'value="maj"' in html


def test_no_person_case_or_exact_date_on_the_page(client, maria, cohort, orgs):
    from sig.cases.models import Case

    login(client, maria)
    html = client.get("/statistics/?period=year&year=2025").get_data(as_text=True)
    for case in db.session.scalars(select(Case)):
        assert case.id not in html and case.reference not in html
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", html)
    for person in cohort.persons.values():
        assert person.username not in html


def test_threshold_can_only_be_raised(app, workdir, keyring_path, database_url):
    from sig.app import create_app
    from sig.config import ConfigurationError
    from tests.conftest import base_config

    for bad in (4, 0, "5", True):
        with pytest.raises(ConfigurationError):
            create_app({**base_config(workdir, keyring_path, database_url),
                        "STATISTICS_MIN_CELL": bad})
    create_app({**base_config(workdir, keyring_path, database_url), "STATISTICS_MIN_CELL": 10})


def test_a_higher_threshold_hides_more(client, maria, cohort, app):
    app.config["STATISTICS_MIN_CELL"] = 10
    login(client, maria)
    html = client.get("/statistics/?period=year&year=2025").get_data(as_text=True)
    assert "&lt;10" in html
    for mark, text in _cells(html):
        if mark == "shown":
            assert int(text) >= 10
        else:
            assert mark != "zero" or text == "0"


def test_the_board_report_prints_a_year_in_swedish(client, maria, cohort):
    login(client, maria)
    dashboard_page = client.get("/statistics/?period=year&year=2025").get_data(as_text=True)
    assert "/statistics/report?year=2025" in dashboard_page
    html = client.get("/statistics/report?year=2025").get_data(as_text=True)
    assert "Rapport till socialnämnden: sociala insatsgrupper (SIG) 2025" in html
    assert "print.css" in html and 'name="viewport"' in html
    # the suppression rule stated, and every measure with its definition and chart
    assert "visas aldrig antal under 5" in html
    for name, (spec, _count) in measures.MEASURES.items():
        assert f'id="{name}-heading"' in html, name
        assert str(spec.description).split("(")[0][:40] in html.replace("&#39;", "'"), name
    assert html.count('<svg class="chart"') >= len(measures.MEASURES)
    assert "Samma period ett år tidigare (2024), totalt:" in html
    for mark, text in _cells(html):  # the same cells as the dashboard: nothing small
        if mark == "shown":
            assert int(text.replace("\xa0", "").replace(" ", "")) >= 5
    # the report shows exactly what the dashboard shows for the year
    assert _cells(html) == _cells(dashboard_page)
    assert YOUTH_FREE_PATTERN.search(html) is None


YOUTH_FREE_PATTERN = re.compile(r"\b(19|20)\d\d(0[1-9]|1[0-2])\d{2}-?\d{4}\b")  # no personal number


def test_a_bad_report_year_says_why_and_keeps_it(client, maria, cohort):
    login(client, maria)
    html = client.get("/statistics/report?year=tjugo").get_data(as_text=True)
    assert 'role="alert"' in html and "Ange ett år" in html
    assert 'value="tjugo"' in html
    assert "(SIG) 2025" in html  # last year's report meanwhile


def test_the_year_before_is_its_own_periods_total_as_shown(client, maria, cohort):
    login(client, maria)
    html = client.get("/statistics/?period=quarter&year=2026&quarter=1").get_data(as_text=True)
    earlier = client.get("/statistics/?period=quarter&year=2025&quarter=1").get_data(
        as_text=True)
    mine = re.search(r'data-table="cases_opened-earlier">[^<]*<span data-mark="(\w+)">([^<]*)<',
                     html)
    assert mine and "Samma period ett år tidigare (Kv. 1 2025)" in html
    total = _row(earlier, "cases_opened", "all")["_total"]
    assert (mine.group(1), mine.group(2)) == total


def test_the_dashboard_reads_its_stored_counts_in_one_statement(app, client, maria, cohort):
    """Counted once, the figures are stored per measure and year: the next page reads
    every one it needs (this year's and the year before's) in one statement, and shows
    the same figures."""
    from tests.helpers import Statements

    login(client, maria)
    url = "/statistics/?period=year&year=2025"
    first = _cells(client.get(url).get_data(as_text=True))
    with Statements(app, "FROM statistics_results") as reads:
        again = _cells(client.get(url).get_data(as_text=True))
    assert len(reads) == 1 and again == first
