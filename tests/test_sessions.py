"""Server-side sessions: timeouts with a controllable clock, and ending a session for real."""
from __future__ import annotations

import datetime as dt
import re

import pyotp
from sqlalchemy import event, func, select

from auth.models import WebSession
from auth.sessions import _digest
from kernel import clock
from kernel.audit.models import AuditEntry
from kernel.db import db
from tests.conftest import PASSWORD
from tests.helpers import csrf, csrf_from, login, post, user_secret


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("sig_session", client.get_cookie("sig_session").value)
    return thief


def logged_events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.event).order_by(AuditEntry.seq)))


def test_cookie_holds_only_a_random_token(app, client, sara):
    login(client, sara)
    token = client.get_cookie("sig_session").value
    assert len(token) >= 40 and "sara" not in token
    with app.app_context():
        stored = list(db.session.scalars(select(WebSession.id)))
    assert token not in stored  # only its SHA-256 is stored


def test_idle_timeout_ends_the_session(app, client, sara, fake_clock):
    login(client, sara)
    fake_clock.advance(minutes=29)
    assert client.get("/start").status_code == 200  # activity resets the idle timer
    fake_clock.advance(minutes=29)
    assert client.get("/start").status_code == 200
    fake_clock.advance(minutes=31)
    response = client.get("/start")
    assert response.status_code == 302 and "/login" in response.location
    assert "session_expired_idle" in logged_events(app)
    fake_clock.advance(minutes=1)
    assert client.get("/start").status_code == 302  # stays ended


def _page_token(client) -> str:
    """The form token the page's script sends (from the page it was loaded with)."""
    html = client.get("/start").get_data(as_text=True)
    return re.search(r'<meta name="keep-alive" content="([^"]+)"', html).group(1)


def _keep_alive(client, token: str):
    return client.post("/session/keep-alive", headers={"X-CSRFToken": token})


def test_typing_in_a_form_keeps_the_login_but_a_page_left_open_ends_it(app, client, sara,
                                                                       fake_clock):
    login(client, sara)
    token = _page_token(client)
    entries = len(logged_events(app))
    for _ in range(4):  # someone writing long minutes: only the script's requests
        fake_clock.advance(minutes=25)
        assert _keep_alive(client, token).status_code == 204
    assert len(logged_events(app)) == entries  # no entry: nothing of a case was read
    fake_clock.advance(minutes=29)
    assert client.get("/start").status_code == 200  # 129 minutes after the page
    fake_clock.advance(minutes=31)  # the page left open: nothing is sent
    response = client.get("/start")
    assert response.status_code == 302 and "/login" in response.location


def test_keep_alive_needs_the_login_and_the_form_token(app, client, sara, fred, fake_clock):
    assert client.post("/session/keep-alive").status_code in (302, 400)
    login(client, fred)
    token = _page_token(client)
    assert client.post("/session/keep-alive").status_code == 400  # no token: CSRF
    assert _keep_alive(client, "forged").status_code == 400
    fake_clock.advance(minutes=31)  # ended idle: a late keep-alive does not revive it
    assert _keep_alive(client, token).status_code != 204
    assert client.get("/start").status_code == 302


def test_a_static_file_reads_and_writes_no_session(app, client, sara, fake_clock):
    from tests.helpers import Statements

    login(client, sara)
    fake_clock.advance(minutes=5)
    with Statements(app, "") as seen:
        for name in ("sig.css", "keepalive.js", "favicon.svg"):
            response = client.get(f"/static/{name}")
            response.close()
            assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert seen == []
    fake_clock.advance(minutes=26)  # a static file is no activity: the login ended idle
    assert client.get("/start").status_code == 302


def test_only_pages_of_a_logged_in_user_carry_the_script(app, client, sara):
    assert 'name="keep-alive"' not in client.get("/login").get_data(as_text=True)
    login(client, sara)
    page = client.get("/start").get_data(as_text=True)
    assert 'name="keep-alive"' in page and "keepalive.js" in page
    # the warning before the idle end knows the configured time, and waits hidden
    assert 'data-idle-seconds="1800"' in page
    assert '<div id="idle-warning" class="banner warning" role="alert" hidden>' in page
    app.config["SESSION_IDLE_MINUTES"] = 15
    assert 'data-idle-seconds="900"' in client.get("/start").get_data(as_text=True)


def last_seen(app, client):

    with app.app_context():
        row = db.session.get(WebSession, _digest(client.get_cookie("sig_session").value))
        return clock.as_utc(row.last_seen_at)


def test_an_unchanged_session_is_touched_at_most_every_thirty_seconds(app, client, sara,
                                                                      fake_clock):
    # a click a few seconds after the last write writes nothing; the idle timeout then
    # counts from that write, so it can end the session at most 30 s early, never late
    login(client, sara)
    assert client.get("/start").status_code == 200
    written = last_seen(app, client)
    engine = app.extensions["sig.db"].engine
    writes = []

    def on_execute(_conn, _cursor, statement, *_args):
        if "web_sessions" in statement:
            writes.append(statement.split()[0])

    fake_clock.advance(seconds=20)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert client.get("/start").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert "UPDATE" not in writes and last_seen(app, client) == written
    fake_clock.advance(seconds=15)  # 35 s after the write: touched again
    assert client.get("/start").status_code == 200
    assert last_seen(app, client) == written + dt.timedelta(seconds=35)
    fake_clock.advance(minutes=30, seconds=1)  # idle for longer than 30 min since then
    assert client.get("/start").status_code == 302


def test_a_changed_session_is_written_at_once(app, client, sara, fake_clock):
    login(client, sara)
    token = client.get_cookie("sig_session").value
    written = last_seen(app, client)
    fake_clock.advance(seconds=5)
    unchanged = _open(app, token)
    _save(app, unchanged)
    assert last_seen(app, client) == written  # nothing to write
    changed = _open(app, token)
    changed["_flashes"] = [("success", "Sparat")]  # a message for the next page
    _save(app, changed)
    assert last_seen(app, client) == written + dt.timedelta(seconds=5)
    assert _open(app, token)["_flashes"] == [["success", "Sparat"]]


def test_idle_timeout_is_configurable(app, client, sara, fake_clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    login(client, sara)
    fake_clock.advance(minutes=6)
    assert client.get("/start").status_code == 302


def test_absolute_timeout_ends_an_active_session(app, client, sara, fake_clock):
    login(client, sara)
    minutes = 0
    while client.get("/start").status_code == 200:  # busy all day: a request every 15 minutes
        fake_clock.advance(minutes=15)
        minutes += 15
        assert minutes <= 13 * 60, "the session outlived the 12-hour limit"
    assert minutes > 12 * 60 - 15
    assert "session_expired_absolute" in logged_events(app)


def test_logout_kills_a_copied_cookie(app, client, sara):
    login(client, sara)
    thief = copy_of(app, client)
    assert thief.get("/start").status_code == 200
    response = post(client, "/logout")
    assert response.status_code == 302
    assert "Du är utloggad" in client.get(response.location).get_data(as_text=True)
    assert client.get("/start").status_code == 302
    assert thief.get("/start").status_code == 302
    assert "logout" in logged_events(app)


def test_logout_needs_post_and_csrf(app, client, sara):
    login(client, sara)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/start").status_code == 200


def test_deactivation_kills_the_users_sessions(app, client, sara, ali, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    thief = copy_of(app, client)
    admin = app.test_client()
    login(admin, ali, fake_clock=fake_clock)
    response = post(admin, f"/admin/users/{sara.id}/deactivate", page="/admin/users")
    assert response.status_code == 302
    assert client.get("/start").status_code == 302
    assert thief.get("/start").status_code == 302
    # and she cannot log in again
    again = app.test_client()
    assert login(again, sara).status_code == 200
    assert again.get("/start").status_code == 302


def test_password_change_ends_other_sessions_and_rotates_this_one(app, client, sara,
                                                                  fake_clock):
    login(client, sara, fake_clock=fake_clock)
    other_device = app.test_client()
    login(other_device, sara, fake_clock=fake_clock)
    thief = copy_of(app, client)
    new_password = "ny-lång-lösenfras-i-november"
    response = post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": new_password, "confirm": new_password,
    }, page="/account/password")
    assert response.status_code == 302
    assert client.get("/start").status_code == 200  # this browser continues, with a new id
    assert thief.get("/start").status_code == 302  # the copied old cookie is dead
    assert other_device.get("/start").status_code == 302
    assert "password_changed" in logged_events(app)
    fresh = app.test_client()
    assert login(fresh, sara, password=new_password).location.endswith("/start")


def test_role_change_ends_sessions(app, client, per, ali, fake_clock, orgs):
    login(client, per, fake_clock=fake_clock)
    admin = app.test_client()
    login(admin, ali, fake_clock=fake_clock)
    post(admin, f"/admin/users/{per.id}/role",
         {"role": "manager", "organisation_id": orgs["police"].id}, page="/admin/users")
    assert client.get("/start").status_code == 302


def _open(app, token: str):
    with app.test_request_context(headers={"Cookie": f"sig_session={token}"}):
        from flask import request

        return app.session_interface.open_session(app, request)


def _save(app, session) -> None:
    with app.test_request_context():
        app.session_interface.save_session(app, session, app.response_class())


def test_a_request_running_alongside_does_not_put_back_what_it_read(app, client, sara):
    """A stylesheet fetched while a page stores a message must not erase the message
    (it did: the browser test of logging out lost "Please log in" now and then)."""
    login(client, sara)
    token = client.get_cookie("sig_session").value
    stylesheet = _open(app, token)            # reads the session first ...
    page = _open(app, token)
    page["_flashes"] = [("info", "Please log in")]
    _save(app, page)                          # ... the page saves its message ...
    _save(app, stylesheet)                    # ... then the stylesheet's request ends
    assert _open(app, token)["_flashes"] == [["info", "Please log in"]]


def _respond(app, session):
    """The response a request that opened ``session`` ends with."""
    with app.test_request_context():
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        return response


def test_an_icon_fetched_alongside_the_login_does_not_put_back_the_old_token(app, client,
                                                                             sara):
    """The code page's icon, requested while the code is sent, answered after the login
    gave the session a new token: its answer must not set the old (now dead) token in
    the browser — the user was logged out on the next page (seen in the browser test
    of Fred and the statistics)."""
    token = csrf(client, "/login")
    client.post("/login", data={"username": sara.username, "password": PASSWORD,
                                "csrf_token": token})
    page = client.get("/login/code").get_data(as_text=True)
    before = client.get_cookie("sig_session").value
    icon = _open(app, before)                  # read before the login's commit ...
    untouched = _open(app, before)
    untouched["_flashes"] = [("info", "x")]    # ... one that changed something, too
    code = pyotp.TOTP(user_secret(client, sara)).at(clock.now())
    assert client.post("/login/code", data={"code": code, "recovery_code": "",
                                            "csrf_token": csrf_from(page)}).status_code == 302
    after = client.get_cookie("sig_session").value
    assert after != before
    for alongside in (icon, untouched, _open(app, before)):  # ... and one read after it
        assert "Set-Cookie" not in _respond(app, alongside).headers
    assert client.get("/start").status_code == 200
    with app.app_context():
        assert db.session.get(WebSession, _digest(before)).end_reason == "rotated"


def test_a_request_alongside_a_password_change_does_not_log_the_user_out(app, client,
                                                                         sara):
    login(client, sara)
    before = client.get_cookie("sig_session").value
    stylesheet = _open(app, before)
    stylesheet["_flashes"] = [("info", "x")]
    new_password = "ny-lång-lösenfras-i-december"
    post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": new_password, "confirm": new_password,
    }, page="/account/password")
    assert client.get_cookie("sig_session").value != before
    assert "Set-Cookie" not in _respond(app, stylesheet).headers  # no delete, no old token
    assert client.get("/start").status_code == 200


def test_a_page_that_changes_nothing_sends_no_cookie(app, client, sara):
    login(client, sara)
    client.get("/start")
    response = client.get("/start")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Cookie" in response.headers["Vary"]


def test_a_message_shown_is_not_shown_again(app, client, sara):
    """A session emptied by showing its last message ends; its old data is not read
    again by the next request."""
    login(client, sara)
    token = client.get_cookie("sig_session").value
    session = _open(app, token)
    session.clear()
    session["_flashes"] = [("success", "You are logged out")]
    _save(app, session)
    shown = _open(app, token)
    shown.pop("_flashes")                     # the login page shows the message
    _save(app, shown)
    assert dict(_open(app, token)) == {}


def test_the_session_and_its_user_are_read_in_one_statement(app, personas, fake_clock):
    """Every request reads its session row with the user (and the user's organisation)
    in one statement: a page that reads nothing else runs nothing else.  Who is logged
    in is still decided afresh: Fred's session gives Fred, an account deactivated
    meanwhile gives the login page."""
    from auth.models import User

    fred = app.test_client()
    login(fred, personas["fred"], fake_clock=fake_clock)
    engine = app.extensions["sig.db"].engine
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        seen.append(statement)

    assert fred.get("/accessibility").status_code == 200
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert fred.get("/accessibility").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "web_sessions" in reads[0] and "users" in reads[0], seen
    assert personas["fred"].username in fred.get("/account").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, personas["fred"].id).active = False
        db.session.commit()
    response = fred.get("/account")
    assert response.status_code == 302 and "/login" in response.location


def _youth_form(client) -> dict[str, str]:
    return {"name": "Anna <b>Andersson</b>", "personal_number": "",
            "gender": "girl", "contact": "Ring mamma efter skolan, inte före klockan 15",
            "school": "", "csrf_token": csrf(client, "/youths/new")}


def test_a_form_sent_after_the_idle_timeout_gives_back_what_was_typed(app, client, sara,
                                                                      fake_clock):
    """Thirty-one minutes writing without a request: the login has ended, nothing is
    saved — and what was typed is on the page to copy, not lost (the pages are
    no-store: going back in the browser fetches the form again, empty)."""
    from sig.youths.models import Youth

    login(client, sara, fake_clock=fake_clock)
    body = _youth_form(client)
    fake_clock.advance(minutes=31)
    response = client.post("/youths/new", data=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Du har loggats ut" in page
    assert "efter 30 minuter utan aktivitet" in page
    assert ">Ring mamma efter skolan, inte före klockan 15</textarea>" in page
    assert "Anna &lt;b&gt;Andersson&lt;/b&gt;" in page and "<b>Andersson" not in page
    assert body["csrf_token"] not in page and ">girl<" not in page
    assert 'href="/login?next=/youths/new"' in page  # (back to the form after the login)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Youth)) == 0


def test_a_form_sent_after_a_logout_elsewhere_gives_back_what_was_typed(app, client,
                                                                        sara):
    login(client, sara)
    other_tab = copy_of(app, client)
    body = _youth_form(other_tab)
    post(client, "/logout")
    page = other_tab.post("/youths/new", data=body).get_data(as_text=True)
    assert "Du har loggats ut" in page and "Ring mamma efter skolan" in page


def test_a_form_posted_without_a_login_is_not_echoed(app, client, sara):
    """A form posted from another site carries no session cookie (SameSite=Lax): the
    answer is the plain form-expired page, and repeats nothing that was posted."""
    response = client.post("/youths/new", data={"contact": "Ring 070-123 45 67 genast",
                                                "csrf_token": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ring 070" not in page
    assert "Du har loggats ut" not in page


def test_a_password_form_sent_after_the_idle_timeout_gives_back_no_password(app, client,
                                                                            sara,
                                                                            fake_clock):
    login(client, sara, fake_clock=fake_clock)
    token = csrf(client, "/account/password")
    fake_clock.advance(minutes=31)
    new_password = "en mening som lösenord i december"
    page = client.post("/account/password", data={
        "current_password": PASSWORD + " med mellanslag", "new_password": new_password,
        "confirm": new_password, "csrf_token": token}).get_data(as_text=True)
    assert "Du har loggats ut" in page
    assert new_password not in page and PASSWORD not in page and "<textarea" not in page


def test_the_typed_text_page_failing_falls_back_to_the_plain_page(app, client, sara,
                                                                 fake_clock, monkeypatch):
    import sig.web.errors as errors

    login(client, sara, fake_clock=fake_clock)
    body = _youth_form(client)
    fake_clock.advance(minutes=31)
    monkeypatch.setattr(errors, "typed_texts", lambda form: 1 / 0)
    response = client.post("/youths/new", data=body)
    assert response.status_code == 400
    assert "Ring mamma" not in response.get_data(as_text=True)
