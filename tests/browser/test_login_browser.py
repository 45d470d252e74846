"""Sara logs in and out in a real Chromium: password, TOTP code, start page, log out.

Fields are found through their <label> (whatever language the labels are in),
and checked to be the inputs ``#username``, ``#password`` and ``#code``; the
TOTP code is computed from the app's (fake) clock, which the in-process server
reads too.
"""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from auth.models import User
from kernel import clock
from kernel.db import db
from tests.browser.test_case_path import collect_problems, labelled, width_after_resize
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AT_START = re.compile(r"/start$")
AT_CODE = re.compile(r"/login/code$")
AT_LOGIN = re.compile(r"/login(\?.*)?$")  # Flask-Login may add ?next=...


def current_code(app, user) -> str:
    """What Sara's phone shows now (now = the app's clock)."""
    with app.app_context():
        secret = db.session.get(User, user.id).totp_secret
    return pyotp.TOTP(secret).at(clock.now())


def focused_outline(page: Page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || "",
                style: style.outlineStyle, width: style.outlineWidth};
    }""")


def assert_visible_focus(page: Page) -> dict:
    focus = focused_outline(page)
    assert focus["style"] != "none" and focus["width"] not in ("0px", ""), (
        f"no visible focus outline on the focused element: {focus}")
    return focus


def tab_to(page: Page, field_id: str, limit: int = 15) -> None:
    """Press Tab until the element with ``field_id`` has focus (it may have it already)."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == field_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{field_id} never received focus by Tab")


def test_sara_logs_in_with_password_and_code_then_logs_out(app, sara, page: Page):
    problems = collect_problems(page)

    page.goto("/login")
    labelled(page, "username").fill("sara")
    labelled(page, "password").fill(PASSWORD)
    page.locator('form[action="/login"] button[type="submit"]').click()

    expect(page).to_have_url(AT_CODE)
    labelled(page, "code").fill(current_code(app, sara))
    page.locator('form[action="/login/code"] button[type="submit"]').click()

    expect(page).to_have_url(AT_START)
    expect(page.locator("h1")).to_contain_text("Sara Testsson")

    page.locator('form[action="/logout"] button').click()
    expect(page).to_have_url(AT_LOGIN)
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator('form[action="/logout"]')).to_have_count(0)

    page.goto("/start")
    expect(page).to_have_url(AT_LOGIN)
    expect(page.locator("#username")).to_be_visible()
    # "Please log in to see this page." (Flask-Login's message, a lazy text in the session)
    expect(page.locator(".messages .message.info")).to_be_visible()
    assert problems == [], problems


def test_logout_says_so(app, sara, page: Page):
    page.goto("/login")
    page.locator("#username").fill("sara")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(AT_CODE)
    page.locator("#code").fill(current_code(app, sara))
    page.locator("#code").press("Enter")
    expect(page).to_have_url(AT_START)

    page.locator('form[action="/logout"] button').click()
    expect(page).to_have_url(AT_LOGIN)
    expect(page.locator("#username")).to_be_visible()  # the messages come before the form
    # "You are logged out." / "Du är utloggad."
    assert page.locator(".messages .message.info").count() == 1


def test_keyboard_only_login_with_visible_focus(app, sara, page: Page):
    page.goto("/login")

    tab_to(page, "username")
    page.keyboard.type("sara")
    page.keyboard.press("Tab")
    assert assert_visible_focus(page)["id"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    button = assert_visible_focus(page)
    assert (button["tag"], button["type"]) == ("button", "submit")
    page.keyboard.press("Shift+Tab")
    assert assert_visible_focus(page)["id"] == "password"
    page.keyboard.press("Enter")

    expect(page).to_have_url(AT_CODE)
    tab_to(page, "code")
    page.keyboard.type(current_code(app, sara))
    page.keyboard.press("Enter")

    expect(page).to_have_url(AT_START)
    expect(page.locator("h1")).to_contain_text("Sara Testsson")


def test_login_page_sends_strict_csp_and_loads_without_errors(app, page: Page):
    problems = collect_problems(page)

    response = page.goto("/login")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")

    header = response.headers.get("content-security-policy", "")
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    assert policy.get("default-src") == ["'self'"]
    assert policy.get("script-src") == ["'self'"]
    assert policy.get("style-src") == ["'self'"]
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("base-uri") == ["'none'"]
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("form-action") == ["'self'"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response.headers.get("x-content-type-options") == "nosniff"

    # The page's own stylesheet is allowed by the policy and applied.
    assert page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--focus').trim()")
    assert problems == [], problems

    # The policy is enforced: an injected inline script does not run.
    outcome = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener("securitypolicyviolation",
            e => resolve({directive: e.effectiveDirective, ran: window.__inlineRan === true}),
            {once: true});
        setTimeout(() => resolve({directive: null, ran: window.__inlineRan === true}), 3000);
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.appendChild(script);
    })""")
    assert outcome == {"directive": "script-src-elem", "ran": False}


def test_a_form_sent_after_the_login_ended_shows_what_was_typed(one_database, app, sara,
                                                                page: Page, fake_clock):
    """Sara writes for 31 minutes without a request and sends: the login has ended, the
    page says so and holds what she wrote to copy — readable at 375 px, and axe finds
    nothing."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_case_path import log_in

    note = "Ring mamma efter skolan, inte före klockan 15. " * 12
    log_in(page, app, sara)
    page.goto("/youths/new")
    labelled(page, "name").fill("Anna Andersson")
    labelled(page, "contact").fill(note)
    fake_clock.advance(minutes=31)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Du har loggats ut")
    texts = page.locator("textarea[readonly]")
    expect(texts).to_have_count(2)
    expect(texts.nth(1)).to_have_value(note.strip())
    for width in (1280, 375):
        assert width_after_resize(page, width) <= width
        violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).response["violations"]
        assert violations == [], (width, [v["id"] for v in violations])
    page.get_by_role("link", name="Logga in").click()
    expect(page).to_have_url(AT_LOGIN)


def test_typing_keeps_the_login_alive_and_a_page_left_open_does_not(one_database, app, sara,
                                                                    page: Page, fake_clock):
    """Sara writes a long text for over an hour without sending it: while she types the
    page tells the server at most once a minute, so the login does not end idle and the
    form is saved (here: checked) instead of answered with "Du har loggats ut"."""
    from tests.browser.test_case_path import collect_problems, log_in

    page.clock.install()  # the page's minutes pass when the test says so
    log_in(page, app, sara)
    page.goto("/youths/new")
    problems = collect_problems(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "keep-alive" in r.url else None)
    labelled(page, "name").fill("Anna Andersson")
    labelled(page, "contact").press_sequentially("Ring ")
    assert sent == []  # within the first minute: nothing
    for _ in range(3):
        fake_clock.advance(minutes=25)
        page.clock.fast_forward("01:01")
        with page.expect_response(lambda r: r.url.endswith("/session/keep-alive")) as answer:
            labelled(page, "contact").press_sequentially("mamma ")
        assert answer.value.status == 204
    labelled(page, "contact").press_sequentially("efter skolan")  # within the minute
    assert len(sent) == 3
    fake_clock.advance(minutes=25)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).not_to_have_text("Du har loggats ut")
    expect(labelled(page, "contact")).to_have_value("Ring mamma mamma mamma efter skolan")
    assert problems == []


def test_a_quiet_page_warns_before_the_login_ends_and_one_click_keeps_it(
        one_database, app, sara, page: Page, fake_clock):
    """WCAG 2.2.1: two minutes before the idle time ends the login, the page says so and
    offers to stay logged in; one click keeps it.  When the login has ended meanwhile
    (the computer was asleep), the warning says that instead."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_case_path import collect_problems, log_in

    page.clock.install()
    log_in(page, app, sara)
    page.goto("/youths/new")
    problems = collect_problems(page)
    warning = page.locator("#idle-warning")
    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:30")  # 28:30 without a request
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).response["violations"]
    assert violations == [], [v["id"] for v in violations]
    fake_clock.advance(minutes=28, seconds=30)
    with page.expect_response(lambda r: r.url.endswith("/session/keep-alive")) as answer:
        page.get_by_role("button", name="Fortsätt vara inloggad").click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    fake_clock.advance(minutes=25)  # 53:30 after the page: still logged in
    page.clock.fast_forward("28:30")
    expect(warning).to_be_visible()
    fake_clock.advance(minutes=7)  # the computer slept: the login ended meanwhile
    page.get_by_role("button", name="Fortsätt vara inloggad").click()
    expect(warning.locator('[data-when="ended"]')).to_be_visible()
    expect(warning.locator('[data-when="soon"]')).to_be_hidden()
    assert problems == [] or all("keep-alive" in p for p in problems), problems
