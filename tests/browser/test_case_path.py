"""The main path in a real Chromium, as the issue tells it.

Sara registers a youth → opens a case → adds Per and Kim → plan with two goals and
actions for police and school → schedules a meeting → records attendance; Per logs in
and sees the case, his own actions, and a notice that social services' items are
withheld; Fred sees no trace of it.

Every field is filled through its <label> (whatever language the labels are in:
``labelled`` checks that the label exists, is not empty and names exactly the input
with the WTForms id), buttons are clicked, options are chosen by value (translated
codes) or by visible text (names of people and organisations, which are data).
Attendance can only be recorded from the start of the meeting: the test moves the
fake clock (which the in-process server reads too) to the next day, so Sara's
session has ended by inactivity and she logs in again, as she would.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from auth.models import User
from kernel import clock
from kernel.db import db
from sig.cases.models import Case
from tests.browser.conftest import TIMEOUT_MS
from tests.case_helpers import valid_pnr
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YOUTH = "Kalle Webbsson"
PNR = valid_pnr("20100315", "123")
GUARDIAN = "Anna Webbsson"
REFERRAL_NOTE = "Orosanmälan efter snatteri i centrum"
SCHOOL_GOAL = "Närvaron i skolan är minst nio dagar av tio"
CRIME_GOAL = "Inga nya misstankar om brott under terminen"
POLICE_ACTION = "Kontaktpolisen träffar ungdomen varannan torsdag"
SCHOOL_ACTION = "Mentorssamtal med skolkuratorn varje måndag"
PLACE = "Rum Ekorren, Storgatan 9"
AGENDA = "Genomgång av planen och skolgången"
# Everything of the case that Fred must never see (Per sees only POLICE_ACTION of it).
CASE_SECRETS = (YOUTH, PNR, PNR.replace("-", ""), GUARDIAN, REFERRAL_NOTE, SCHOOL_GOAL,
                CRIME_GOAL, POLICE_ACTION, SCHOOL_ACTION, PLACE, AGENDA)

AT_START = re.compile(r"/start$")
AT_CODE = re.compile(r"/login/code$")
AT_YOUTH = re.compile(r"/youths/([0-9a-f-]{36})$")
AT_CASE = re.compile(r"/cases/([0-9a-f-]{36})(#.*)?$")
AT_MEMBERS = re.compile(r"/cases/[0-9a-f-]{36}/members$")
AT_MEETING = re.compile(r"/cases/[0-9a-f-]{36}/meetings/([0-9a-f-]{36})(#.*)?$")


# --- helpers -----------------------------------------------------------------------------------


def arrive(page: Page, url: re.Pattern) -> None:
    """Wait (with the navigation budget, not expect's 5 s) until the page is at ``url``;
    on failure say where it is and what its messages say."""
    try:
        expect(page).to_have_url(url, timeout=TIMEOUT_MS)
    except AssertionError as exc:
        messages = page.locator(".messages, ul.errors").all_inner_texts()
        raise AssertionError(f"expected {url.pattern}, at {page.url}; "
                             f"h1={page.locator('h1').all_inner_texts()} "
                             f"messages={messages}") from exc


def width_after_resize(page: Page, width: int, height: int = 800) -> int:
    """Resize the viewport to ``width`` and return the page's width once its layout has
    settled: polled from here, at most ``TIMEOUT_MS``, until it fits (or the budget ends).

    Not ``page.wait_for_function``: its polling evaluates the condition with ``eval`` in
    the page, which the app's CSP (``script-src 'self'``) refuses, so it errs whenever the
    first check does not already pass."""
    page.set_viewport_size({"width": width, "height": height})
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide <= width or time.monotonic() > deadline:
            return wide
        page.wait_for_timeout(100)


def labelled(page: Page, field_id: str) -> Locator:
    """The input named by its visible <label>, checked to be the one with ``field_id``."""
    label = page.locator(f'label[for="{field_id}"]')
    expect(label).to_have_count(1)
    text = label.inner_text().strip()
    assert text, f"the label of #{field_id} is empty"
    field = page.get_by_label(text, exact=True)
    expect(field).to_have_count(1)
    expect(field).to_have_id(field_id)
    return field


def unlabelled_controls(page: Page) -> list[str]:
    """Form controls on the page that no <label> (nor aria-label) names."""
    return page.evaluate("""() => Array.from(
        document.querySelectorAll("input:not([type=hidden]), select, textarea"))
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                      && !el.getAttribute("aria-labelledby"))
        .map(el => el.outerHTML.slice(0, 120))""")


def submit(page: Page, field_id: str) -> None:
    """Click the submit button of the form that holds ``#field_id`` (every control on
    the page having a label)."""
    assert unlabelled_controls(page) == [], (page.url, unlabelled_controls(page))
    form = page.locator("form").filter(has=page.locator(f"#{field_id}"))
    expect(form).to_have_count(1)
    form.locator('button[type="submit"]').click()


def collect_problems(page: Page, expected_404: set[str] | None = None) -> list[str]:
    """Console errors, uncaught page errors and failed requests, as they happen.

    Chromium's request for /favicon.ico is left out, and so is the console's "Failed to
    load resource" for a URL in ``expected_404`` (a page the test opens to see the 404).
    A static file (stylesheet, icon) the browser cancelled (net::ERR_ABORTED) is left
    out too: Chromium cancels a page's pending subresources when the test clicks or
    opens the next page before they arrive (a 304 in the server's log, an abort in the
    browser's). A static file that is missing or fails on the server is still caught,
    by the console's "Failed to load resource".
    """
    problems: list[str] = []
    expected = expected_404 if expected_404 is not None else set()

    def on_console(msg) -> None:
        url = (msg.location or {}).get("url", "")
        if msg.type != "error" or url.endswith("/favicon.ico"):
            return
        if url in expected and "404" in msg.text:
            return
        problems.append(f"console {msg.type}: {msg.text} ({url})")

    def on_request_failed(req) -> None:
        static = req.method == "GET" and "/static/" in req.url
        if static and "ERR_ABORTED" in (req.failure or ""):
            return
        problems.append(f"request failed: {req.method} {req.url} ({req.failure})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", on_request_failed)
    return problems


@contextmanager
def fresh_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A new browser profile (no cookies), like another person's computer."""
    context = browser.new_context(base_url=base_url, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, app, user) -> None:
    """Password page, then the code the user's phone shows now (now = the app's clock)."""
    page.goto("/login")
    labelled(page, "username").fill(user.username)
    labelled(page, "password").fill(PASSWORD)
    submit(page, "password")
    arrive(page, AT_CODE)
    with app.app_context():
        row = db.session.get(User, user.id)
        secret, name = row.totp_secret, row.display_name  # both stored encrypted
    labelled(page, "code").fill(pyotp.TOTP(secret).at(clock.now()))
    submit(page, "code")
    arrive(page, AT_START)
    expect(page.locator("h1")).to_contain_text(name)


def assert_no_trace(page: Page, secrets: tuple[str, ...], where: str) -> None:
    html = page.content()
    leaked = [s for s in secrets if s in html]
    assert not leaked, f"{where} shows {leaked}"


def goal_article(page: Page, description: str) -> Locator:
    return page.locator("article.goal").filter(has_text=description)


def participant_row(page: Page, name: str) -> Locator:
    return page.locator("tr.participant").filter(has_text=name)


# --- Sara's steps --------------------------------------------------------------------------------


def register_youth(page: Page) -> None:
    page.locator('nav a[href="/cases"]').click()
    page.locator('main a[href="/youths/new"]').click()
    labelled(page, "name").fill(YOUTH)
    labelled(page, "personal_number").fill(PNR)
    labelled(page, "gender").select_option("boy")
    labelled(page, "contact").fill("070-000 00 00")
    labelled(page, "school").fill("Testskolan")
    labelled(page, "guardian1_name").fill(GUARDIAN)
    labelled(page, "guardian1_contact").fill("070-111 11 11")
    expect(labelled(page, "guardian1_custody")).to_be_checked()
    submit(page, "name")
    arrive(page, AT_YOUTH)
    expect(page.locator("h1")).to_have_text(YOUTH)
    expect(page.locator("main")).to_contain_text(GUARDIAN)


def open_case(page: Page) -> str:
    page.locator('main a[href$="/cases/new"]').click()
    labelled(page, "referral_source").select_option("police")
    expect(labelled(page, "referral_date")).not_to_have_value("")  # today, filled in
    labelled(page, "referral_note").fill(REFERRAL_NOTE)
    submit(page, "referral_note")
    arrive(page, AT_CASE)
    expect(page.locator("h1")).to_contain_text(YOUTH)
    return AT_CASE.search(page.url).group(1)


def add_member(page: Page, person: str, function: str) -> None:
    labelled(page, "user_id").select_option(label=person)
    labelled(page, "function").fill(function)
    expect(labelled(page, "from_date")).not_to_have_value("")  # today, filled in
    submit(page, "function")
    arrive(page, AT_MEMBERS)
    row = page.locator("main table tbody tr").filter(has_text=person.split(" (")[0])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(function)


def add_goal(page: Page, case_id: str, life_area: str, description: str) -> None:
    page.locator(f'main a[href="/cases/{case_id}/plan/goals/new"]').click()
    labelled(page, "life_area").select_option(life_area)
    labelled(page, "description").fill(description)
    submit(page, "description")
    arrive(page, AT_CASE)
    expect(goal_article(page, description)).to_have_count(1)


def add_action(page: Page, goal: str, what: str, org: str, person: str,
               due: dt.date) -> None:
    goal_article(page, goal).locator('a[href$="/actions/new"]').click()
    expect(page.locator("main dl.facts")).to_contain_text(goal)
    labelled(page, "what").fill(what)
    labelled(page, "responsible_org_id").select_option(label=org)
    labelled(page, "responsible_user_id").select_option(label=person)
    labelled(page, "due_date").fill(due.isoformat())
    labelled(page, "status").select_option("planned")
    submit(page, "what")
    arrive(page, AT_CASE)
    row = goal_article(page, goal).locator("table.actions-table tbody tr").filter(has_text=what)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(org)
    expect(row).to_contain_text(person.split(" (")[0])


def schedule_meeting(page: Page, case_id: str, starts: dt.datetime) -> str:
    page.locator(f'main a[href="/cases/{case_id}/meetings/new"]').click()
    labelled(page, "starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    labelled(page, "place").fill(PLACE)
    labelled(page, "agenda").fill(AGENDA)
    expect(labelled(page, "invite_group")).to_be_checked()
    submit(page, "starts_at")
    arrive(page, AT_MEETING)
    details = page.locator("dl.meeting-details")
    expect(details).to_contain_text(starts.strftime("%Y-%m-%d %H:%M"))
    expect(details).to_contain_text(PLACE)
    expect(details).to_contain_text(AGENDA)
    return AT_MEETING.search(page.url).group(1)


# --- the test ------------------------------------------------------------------------------------


def test_main_path_sara_builds_the_case_per_sees_his_part_fred_nothing(
        app, browser, live_server, page: Page, orgs, sara, per, kim, fred, fake_clock):
    problems = {"sara": collect_problems(page)}

    # --- Sara: youth, case, group ---
    log_in(page, app, sara)
    register_youth(page)
    case_id = open_case(page)
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    assert reference and reference in page.locator("h1").inner_text()

    page.locator(f'main a[href="/cases/{case_id}/members"]').click()
    arrive(page, AT_MEMBERS)
    add_member(page, "Per Testsson (Polisen Testområde)", "kontaktpolis")
    add_member(page, "Kim Testsson (Testskolan)", "skolkurator")
    page.locator(f'main a[href="/cases/{case_id}"]').click()
    arrive(page, AT_CASE)

    # --- the plan: two goals, an action for the police and one for the school ---
    local_today = fake_clock.current.astimezone(STOCKHOLM).date()
    add_goal(page, case_id, "school", SCHOOL_GOAL)
    add_goal(page, case_id, "criminality", CRIME_GOAL)
    add_action(page, CRIME_GOAL, POLICE_ACTION, "Polisen Testområde",
               "Per Testsson (Polisen Testområde)", local_today + dt.timedelta(days=10))
    add_action(page, SCHOOL_GOAL, SCHOOL_ACTION, "Testskolan",
               "Kim Testsson (Testskolan)", local_today + dt.timedelta(days=20))

    # --- a meeting tomorrow at 14:00 local time ---
    starts = dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(14, 0),
                                 tzinfo=STOCKHOLM)
    meeting_id = schedule_meeting(page, case_id, starts)
    for name in ("Sara Testsson", "Per Testsson", "Kim Testsson"):  # the group is invited
        expect(participant_row(page, name)).to_have_count(1)
    # Not started yet: only a reported absence (anmält förhinder) can be recorded.
    first = page.locator('select[id^="attendance-"]').first
    expect(first.locator("option")).to_have_count(2)
    expect(first.locator('option[value="excused"]')).to_have_count(1)

    # --- the meeting day: the clock passes the start; Sara's session has ended meanwhile ---
    fake_clock.current = starts.astimezone(dt.UTC) + dt.timedelta(minutes=5)
    log_in(page, app, sara)
    page.goto(f"/cases/{case_id}")
    meeting_link = page.locator(f'ul.meetings a[href="/cases/{case_id}/meetings/{meeting_id}"]')
    expect(meeting_link).to_have_text(starts.strftime("%Y-%m-%d %H:%M"))
    meeting_link.click()
    arrive(page, AT_MEETING)
    selects = {}
    for name in ("Per Testsson", "Kim Testsson"):
        select_id = participant_row(page, name).locator("select").get_attribute("id")
        assert select_id and select_id.startswith("attendance-")
        selects[name] = labelled(page, select_id)
    selects["Per Testsson"].select_option("present")
    selects["Kim Testsson"].select_option("excused")
    submit(page, selects["Per Testsson"].get_attribute("id"))
    arrive(page, AT_MEETING)
    expect(participant_row(page, "Per Testsson").locator("td.attendance")).to_have_attribute(
        "data-attendance", "present")
    expect(participant_row(page, "Kim Testsson").locator("td.attendance")).to_have_attribute(
        "data-attendance", "excused")
    expect(participant_row(page, "Sara Testsson").locator("td.attendance")).to_have_attribute(
        "data-attendance", "")

    page.goto(f"/cases/{case_id}")
    by_org = page.locator("table.attendance-by-organisation")
    expect(by_org.locator(f'tr[data-org="{orgs["police"].id}"] td.represented')).to_have_text("1")
    expect(by_org.locator(f'tr[data-org="{orgs["school"].id}"] td.held')).to_have_text("1")
    expect(by_org.locator(f'tr[data-org="{orgs["school"].id}"] td.represented')).to_have_text("0")
    assert problems["sara"] == [], problems["sara"]

    # --- Per: the case, his own action, the withheld notice; nothing of social services' ---
    per_sees_nothing_of = (YOUTH, PNR, PNR.replace("-", ""), GUARDIAN, REFERRAL_NOTE,
                           SCHOOL_GOAL, CRIME_GOAL, SCHOOL_ACTION, PLACE, AGENDA)
    with fresh_page(browser, live_server) as per_page:
        problems["per"] = collect_problems(per_page)
        log_in(per_page, app, per)
        start = per_page.locator("main")
        expect(start.locator(f'#my-cases ~ ul a[href="/cases/{case_id}"]')).to_have_text(reference)
        expect(start).to_contain_text(POLICE_ACTION)  # due within 14 days: his reminder
        assert_no_trace(per_page, per_sees_nothing_of, "Per's start page")

        per_page.locator('nav a[href="/cases"]').click()
        row = per_page.locator("main table tbody tr").filter(has_text=reference)
        expect(row).to_have_count(1)
        expect(row.locator(".withheld")).to_have_count(1)  # identity withheld
        assert_no_trace(per_page, per_sees_nothing_of, "Per's list of cases")

        row.locator(f'a[href="/cases/{case_id}"]').click()
        arrive(per_page, AT_CASE)
        expect(per_page.locator("h1")).to_have_text(reference)
        actions = per_page.locator("table.actions-table tbody tr")
        expect(actions).to_have_count(1)
        expect(actions).to_contain_text(POLICE_ACTION)
        expect(actions.locator('select[id^="status-"]')).to_have_count(1)  # his to follow up
        notice = per_page.locator(".withheld-notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Socialtjänsten Testkommun")
        assert_no_trace(per_page, per_sees_nothing_of, "Per's case page")
        assert problems["per"] == [], problems["per"]

    # --- Fred: no trace anywhere, and the case URL is the generic 404 ---
    case_url = f"{live_server}/cases/{case_id}"
    meeting_url = f"{case_url}/meetings/{meeting_id}"
    unknown_url = f"{live_server}/cases/00000000-0000-4000-8000-000000000000"
    with fresh_page(browser, live_server) as fred_page:
        problems["fred"] = collect_problems(fred_page,
                                            expected_404={case_url, meeting_url, unknown_url})
        log_in(fred_page, app, fred)
        fred_secrets = (*CASE_SECRETS, reference, case_id, meeting_id)
        assert_no_trace(fred_page, fred_secrets, "Fred's start page")
        fred_page.locator('nav a[href="/cases"]').click()
        arrive(fred_page, re.compile(r"/cases$"))
        expect(fred_page.locator("main table")).to_have_count(0)
        assert_no_trace(fred_page, fred_secrets, "Fred's list of cases")

        not_found = {}
        for url in (case_url, meeting_url):
            response = fred_page.goto(url)
            assert response is not None and response.status == 404, url
            assert_no_trace(fred_page, fred_secrets, f"Fred's 404 for {url}")
            not_found[url] = fred_page.locator("main").inner_text()
        # The same generic page as for an address that never existed.
        response = fred_page.goto(unknown_url)
        assert response is not None and response.status == 404
        assert not_found[case_url] == fred_page.locator("main").inner_text()
        assert problems["fred"] == [], problems["fred"]
