"""Login with password and TOTP, lockout, replay, recovery codes, enrolment."""
from __future__ import annotations

import datetime as dt
import html
import re

import pyotp
import pytest
from sqlalchemy import select

from auth.models import User
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from tests.conftest import PASSWORD
from tests.helpers import account_attempts, csrf, csrf_from, lock_by_codes, login, post, user_secret


def events(app) -> list[str]:
    with app.app_context():
        return [e.event for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_login_with_password_and_code_reaches_start_page(app, client, sara):
    response = login(client, sara)
    assert response.status_code == 302 and response.location.endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    assert "Sara Testsson" in page
    logged = [e for e in events(app) if e != "start_page_viewed"]
    assert logged[-2:] == ["mfa_verified", "login_succeeded"]


def test_wrong_password_gives_one_generic_message(app, client, sara):
    for username in ("sara", "nobody"):
        response = client.post("/login", data={"username": username, "password": "fel-lösenord-123",
                                               "csrf_token": csrf(client)})
        assert response.status_code == 200
        assert "Fel användarnamn eller lösenord." in response.get_data(as_text=True)
    assert client.get("/start").status_code == 302


def test_lockout_after_repeated_failures_locks_only_that_account(app, client, sara, per,
                                                                 fake_clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "sara", "password": "fel-lösenord-123",
                                    "csrf_token": csrf(client)})
    # The right password no longer works for Sara ...
    response = client.post("/login", data={"username": "sara", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    ends = clock.local_moment(clock.now() + dt.timedelta(
        minutes=app.config["LOGIN_LOCKOUT_MINUTES"])).strftime("%H:%M")
    assert f"Kontot är spärrat till kl. {ends}." in response.get_data(as_text=True)
    assert "account_locked" in events(app)
    # Tried again five minutes on: the same end, not the whole lockout once more.
    fake_clock.advance(minutes=5)
    response = client.post("/login", data={"username": "sara", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert f"Kontot är spärrat till kl. {ends}." in response.get_data(as_text=True)
    # ... but Per is not affected.
    assert login(client, per).location.endswith("/start")
    # After the lockout period Sara can log in again.
    fake_clock.advance(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    other = app.test_client()
    assert login(other, sara).location.endswith("/start")


def test_totp_code_cannot_be_replayed(app, client, sara):
    assert login(client, sara).location.endswith("/start")
    code = pyotp.TOTP(user_secret(client, sara)).at(clock.now())
    second = app.test_client()
    token = csrf(second)
    second.post("/login", data={"username": "sara", "password": PASSWORD, "csrf_token": token})
    page = second.get("/login/code").get_data(as_text=True)
    response = second.post("/login/code", data={"code": code, "recovery_code": "",
                                                "csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert "redan använts" in response.get_data(as_text=True)
    assert second.get("/start").status_code == 302
    assert "mfa_replay_rejected" in events(app)


def test_wrong_code_is_refused_and_counts_towards_lockout(app, client, sara):
    client.post("/login", data={"username": "sara", "password": PASSWORD,
                                "csrf_token": csrf(client)})
    page = client.get("/login/code").get_data(as_text=True)
    response = client.post("/login/code", data={"code": "000000", "recovery_code": "",
                                                "csrf_token": csrf_from(page)})
    assert "inte korrekt" in response.get_data(as_text=True)
    assert account_attempts(app, sara) == 1


def test_second_factor_page_needs_the_password_step_first(client, sara):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.location.endswith("/login")


def test_enrolment_shows_qr_and_secret_then_recovery_codes_work_once(app, client, make_user,
                                                                      fake_clock):
    newbie = make_user("nils", "school", "member", mfa=False)
    response = client.post("/login", data={"username": "nils", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.location.endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).at(clock.now()),
                                                 "csrf_token": csrf_from(page)})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>",
                       response.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/start").status_code == 200
    assert "mfa_enrolled" in events(app)
    post_logout = client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    assert post_logout.status_code == 302

    def login_with_recovery(code: str):
        c = app.test_client()
        c.post("/login", data={"username": "nils", "password": PASSWORD,
                               "csrf_token": csrf(c)})
        page = c.get("/login/code").get_data(as_text=True)
        c.post("/login/code", data={"code": "", "recovery_code": code,
                                    "csrf_token": csrf_from(page)})
        return c.get("/start").status_code

    assert login_with_recovery(codes[0]) == 200
    assert login_with_recovery(codes[0]) == 302  # used once already
    assert login_with_recovery(codes[1]) == 200
    with app.app_context():
        assert db.session.get(User, newbie.id).mfa_enrolled


def test_demo_mode_without_mfa_says_so(app, make_user):
    app.config["MFA_REQUIRED"] = False
    make_user("dora", "social", "case_owner", mfa=False)
    client = app.test_client()
    response = client.post("/login", data={"username": "dora", "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.location.endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    assert "tvåfaktorsinloggning är avstängd" in page.lower()


def test_session_id_changes_at_login(app, client, sara):
    client.get("/login")
    before = client.get_cookie("sig_session").value
    login(client, sara)
    after = client.get_cookie("sig_session").value
    assert before != after
    # The pre-login token is worth nothing now.
    planted = app.test_client()
    planted.set_cookie("sig_session", before)
    assert planted.get("/start").status_code == 302


def test_wrong_enrolment_codes_lock_the_account_and_say_so(app, client, make_user,
                                                           fake_clock):
    make_user("nora", "school", "member", mfa=False)
    client.post("/login", data={"username": "nora", "password": PASSWORD,
                                "csrf_token": csrf(client)})
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        page = client.get("/login/enrol").get_data(as_text=True)
        response = client.post("/login/enrol", data={"code": "000000",
                                                     "csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "Kontot är spärrat" in client.get("/login").get_data(as_text=True)
    assert "account_locked" in events(app)


def _password_step(client, user, password: str = PASSWORD, address: str = "127.0.0.1") -> str:
    response = client.post("/login", data={"username": user.username, "password": password,
                                           "csrf_token": csrf(client)},
                           environ_base={"REMOTE_ADDR": address})
    return response.location or response.get_data(as_text=True)


def test_an_account_locked_by_codes_is_locked_from_every_address_until_the_lockout_ends(
        app, sara, fred, fake_clock):
    """The second factor failed at the limit: the right password is refused from any
    address (another address's count of passwords is not the account's); Fred is not
    affected; when the lockout is over, Sara logs in."""
    lock_by_codes(app, sara)
    elsewhere = app.test_client()
    ends = clock.local_moment(clock.now() + dt.timedelta(
        minutes=app.config["LOGIN_LOCKOUT_MINUTES"])).strftime("%H:%M")
    assert f"Kontot är spärrat till kl. {ends}." in _password_step(elsewhere, sara,
                                                                    address="10.20.30.40")
    assert login(app.test_client(), fred).location.endswith("/start")
    fake_clock.advance(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    assert _password_step(elsewhere, sara, address="10.20.30.40").endswith("/login/code")
    assert account_attempts(app, sara) == 0  # (the count starts again)


def test_an_admins_password_reset_ends_the_accounts_lock(app, sara, ali, fake_clock):
    lock_by_codes(app, sara)
    admin = app.test_client()
    login(admin, ali, fake_clock=fake_clock)
    page = post(admin, f"/admin/users/{sara.id}/reset-password", page="/admin/users")
    temporary = html.unescape(re.search(r'<code class="secret">([^<]+)</code>',
                                        page.get_data(as_text=True)).group(1))
    assert _password_step(app.test_client(), sara, temporary).endswith("/login/code")


def test_that_codes_locked_an_account_is_told_only_to_one_who_knows_its_password(
        app, sara, fred, fake_clock):
    """Fred tries Sara's name with a guess while wrong codes have locked her account: the
    answer is the one a wrong password or an unknown name gets (before, "locked" told him
    the account exists and someone with its password was turned away)."""
    lock_by_codes(app, sara)
    curious = app.test_client()
    login(curious, fred, fake_clock=fake_clock)
    curious.post("/logout", data={"csrf_token": csrf(curious, "/account")})
    answers = {name: _password_step(curious, name_of, "fel-lösenord-123")
               for name, name_of in (("sara", sara), ("nobody", _Named("nobody")))}
    for answer in answers.values():
        assert "Fel användarnamn eller lösenord." in answer and "spärrat" not in answer
    same = {name: re.sub(r'name="csrf_token"[^>]*>', "", answer).replace(name, "NAME")
            for name, answer in answers.items()}  # (the form's token and the name typed)
    assert same["sara"] == same["nobody"]
    assert "spärrat" in _password_step(app.test_client(), sara)  # her own password
    reasons = [e["reason"] for e in _details_of(app, "login_failed")]
    assert reasons[-3:] == ["wrong_password", "unknown_or_inactive", "account_locked"]


class _Named:
    def __init__(self, username: str) -> None:
        self.username = username


def _details_of(app, event: str) -> list[dict]:
    import json

    with app.app_context():
        return [json.loads(d or "{}") for d in db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.event == event)
            .order_by(AuditEntry.seq))]


def test_a_link_followed_after_the_login_ended_opens_after_logging_in(app, sara, fred,
                                                                       fake_clock):
    """An e-mail's link to a case, opened when not logged in: the login, then the case —
    not the start page to find it from.  Fred following the same link gets the case's 404
    after his login, as for any address he may not see."""
    from tests.case_helpers import open_case, register_youth

    owner = app.test_client()
    login(owner, sara, fake_clock=fake_clock)
    case_url = "/cases/" + open_case(owner, register_youth(owner))
    for person, answer in ((sara, 200), (fred, 404)):
        browser = app.test_client()
        asked = browser.get(case_url)
        assert asked.status_code == 302 and "/login?next=" in asked.location
        assert case_url not in _password_step(browser, person)  # (no next: start page)
        browser = app.test_client()
        page = browser.get(asked.location).get_data(as_text=True)
        assert f'name="next" type="hidden" value="{case_url}"' in page
        done = login_from(browser, person, page)
        assert done.status_code == 302 and done.location == case_url
        assert browser.get(done.location).status_code == answer
        fake_clock.advance(seconds=31)


def login_from(browser, user, page: str, next_sent: str | None = None):
    """The login form of ``page`` sent with the right password and its hidden ``next``
    (or ``next_sent``, as a forged form would), then the code."""
    found = re.search(r'name="next" type="hidden" value="([^"]*)"', page)
    if next_sent is None:
        next_sent = html.unescape(found.group(1)) if found else ""
    browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                 "csrf_token": csrf_from(page), "next": next_sent})
    code_page = browser.get("/login/code").get_data(as_text=True)
    return browser.post("/login/code", data={
        "code": pyotp.TOTP(user_secret(browser, user)).at(clock.now()), "recovery_code": "",
        "csrf_token": csrf_from(code_page)})


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "/login", "/login/code", "/logout", "/no-such-page",
    "/cases/x\r\nSet-Cookie: a=b", "http:/evil.example", " /start", "/static/sig.css",
])
def test_a_next_that_is_not_a_page_of_the_app_leads_to_the_start_page(app, sara, fake_clock,
                                                                       target):
    browser = app.test_client()
    page = browser.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    done = login_from(browser, sara, page, next_sent=target)
    assert done.status_code == 302 and done.location == "/start"
