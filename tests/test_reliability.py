"""The fault-injection findings (issue 11), each through the pages: a double click, junk
in a date or a text field, a log entry about no case, and a key rotation under an open
edit form — none answers 500, and nothing half-written stays.

A double click is reproduced exactly: the second request is sent (from another thread,
as from another connection) while the first waits just before its first write (a hook
on the engine), so both passed their checks before either wrote — the race the
database's constraints and version counters must decide."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from typing import Any

import pyotp
import pytest
from sqlalchemy import event, func, select

from auth.models import Organisation
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.audit.models import AuditEntry
from kernel.db import db
from sig.cases.models import Case, Membership
from sig.plans.models import Action, Change, Goal
from sig.youths.models import Youth
from tests.case_helpers import open_case, register_youth, text_of, valid_pnr
from tests.conftest import PASSWORD
from tests.helpers import account_attempts, csrf, csrf_from, login, post, user_secret

PNR = valid_pnr("20100315", "123")
# (the tests that hold a lock on purpose: their request waits this long, then 503)
LOCK_WAIT_MS = 1000


@contextlib.contextmanager
def double_click(app, statement: str, second):
    """Run ``second()`` (the same form sent again) just before the first request's
    statement starting with ``statement`` reaches the database."""
    engine = app.extensions["sig.db"].engine
    fired: list[bool] = []

    def before(_conn, _cursor, sql, _params, _context, _many):
        if not fired and sql.lstrip().upper().startswith(statement):
            fired.append(True)
            # Another thread, as another browser connection: its own app context and
            # database session, while this request waits at its first write.
            result: list = []
            worker = threading.Thread(target=lambda: result.append(second()))
            worker.start()
            worker.join(timeout=30)
            fired.append(result[0] if result else "no answer")

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)


def send_twice(app, first, second, statement: str, url: str, body) -> tuple[list, Any]:
    """The same form from two browsers, the second sent while the first waits at its
    first write (``statement``); returns what the hook saw and the first one's answer."""
    b1, b2 = body(first), body(second)
    with double_click(app, statement, lambda: second.post(url, data=b2).status_code) as fired:
        response = first.post(url, data=b1)
    return fired, response


def _client(app, user, fake_clock):
    client = app.test_client()
    login(client, user, fake_clock=fake_clock)
    return client


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _register_form(client):
    return {"name": "Dubbel Klicksson", "personal_number": PNR, "gender": "boy",
            "csrf_token": csrf(client, "/youths/new")}


def test_registering_the_same_youth_twice_at_once(app, sara, fake_clock):
    first, second = _client(app, sara, fake_clock), _client(app, sara, fake_clock)
    fired, response = send_twice(app, first, second, "INSERT INTO YOUTHS", "/youths/new",
                                 _register_form)
    assert fired == [True, 302]          # the second click registered the youth
    assert response.status_code == 302   # the first is told it is registered already
    assert _count(app, Youth) == 1
    page = text_of(first.get(response.location))
    assert "finns redan i registret" in page and "Dubbel Klicksson" in page


def test_opening_the_same_case_twice_at_once(app, sara, fake_clock):
    first, second = _client(app, sara, fake_clock), _client(app, sara, fake_clock)
    youth_id = register_youth(first, name="Dubbel Klicksson", pnr=PNR)
    url = f"/youths/{youth_id}/cases/new"
    today = clock.now().date().isoformat()

    def body(client):
        return {"referral_source": "police", "referral_date": today, "referral_note": "",
                "csrf_token": csrf(client, url)}

    fired, response = send_twice(app, first, second, "INSERT INTO CASES", url, body)
    assert fired == [True, 302]
    assert response.status_code == 200
    assert "har redan ett öppet ärende" in text_of(response)
    assert _count(app, Case) == 1


@pytest.mark.parametrize("action", ["agree-plan", "close"])
def test_agreeing_the_plan_or_closing_twice_at_once(app, sara, fake_clock, action):
    first, second = _client(app, sara, fake_clock), _client(app, sara, fake_clock)
    case_id = open_case(first, register_youth(first, name="Dubbel Klicksson", pnr=PNR))
    url = f"/cases/{case_id}/{action}"
    extra = ({"reason": "completed", "closed_on": clock.now().date().isoformat(),
              "confirmed": "yes"}
             if action == "close" else {})
    fired, response = send_twice(app, first, second, "UPDATE CASES", url, lambda client: {
        **extra, "csrf_token": csrf(client, f"/cases/{case_id}")})
    assert fired == [True, 302]
    assert response.status_code in (200, 302)
    page = text_of(response if response.status_code == 200
                   else first.get(response.location))
    said = "redan överenskommen" if action == "agree-plan" else "redan avslutat"
    assert said in page
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.version == 2 and case.status == ("active" if action == "agree-plan"
                                                     else "closed")
        events = {"agree-plan": "case_updated", "close": "case_closed"}[action]

        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.event == events, AuditEntry.target_ref == case_id)) == 1


def test_adding_a_member_twice_at_once_adds_one(app, sara, per, fake_clock):
    first, second = _client(app, sara, fake_clock), _client(app, sara, fake_clock)
    case_id = open_case(first, register_youth(first, name="Dubbel Klicksson", pnr=PNR))
    url = f"/cases/{case_id}/members"

    def body(client):
        return {"user_id": per.id, "function": "kommunpolis",
                "from_date": clock.now().date().isoformat(), "to_date": "",
                "csrf_token": csrf(client, url)}

    fired, response = send_twice(app, first, second, "INSERT INTO MEMBERSHIPS", url, body)
    assert fired == [True, 302]
    assert response.status_code == 200 and "redan med i gruppen" in text_of(response)
    assert _count(app, Membership, Membership.case_id == case_id,
                  Membership.removed_at.is_(None)) == 1


def test_the_database_refuses_a_second_active_membership(app, sara, per, orgs):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        youth = Youth(pnr_index="x" * 64, birth_year=2010, origin_org_id=orgs["social"].id,
                      category="identity", created_by_id=sara.id)
        db.session.add(youth)
        db.session.flush()
        case = Case(youth_id=youth.id, owner_id=sara.id, referral_source="police",
                    referral_date=clock.now().date(), origin_org_id=orgs["social"].id,
                    category="coordination", created_by_id=sara.id)
        db.session.add(case)
        db.session.flush()
        for _ in range(2):
            db.session.add(Membership(case_id=case.id, user_id=per.id,
                                      member_org_id=orgs["police"].id, function="polis",
                                      from_date=clock.now().date(),
                                      origin_org_id=orgs["social"].id,
                                      category="coordination", created_by_id=sara.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# --- junk input ---------------------------------------------------------------------------------


def test_an_access_denied_entry_about_no_case_does_not_break_the_log_page(app, eva,
                                                                          fake_clock):
    with app.app_context():
        record(AuditEvent.ACCESS_DENIED, target_type="case", target_ref=None,
               outcome="denied", details={"reason": "no_such_case"})
        db.session.commit()
    client = _client(app, eva, fake_clock)
    response = client.get("/audit/")
    assert response.status_code == 200
    for query in ("?date_to=9999-12-31", "?date_from=0001-01-01", "?page=99999999999999999999",
                  "?user=nobody", "?date_to=31/02/2026"):
        response = client.get("/audit/" + query)
        assert response.status_code == 200, query
    assert "Ange ett datum mellan" in text_of(client.get("/audit/?date_to=9999-12-31"))
    assert client.get("/audit/export.csv?date_to=9999-12-31").status_code == 200


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "9999-12-31T23:59",
                                       "1999-06-01T10:00"])
def test_a_meeting_far_outside_plausible_dates_is_refused_with_a_message(
        app, sara, fake_clock, starts_at):
    client = _client(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client, name="Datum Testsson", pnr=PNR))
    url = f"/cases/{case_id}/meetings/new"
    response = post(client, url, {"starts_at": starts_at, "place": "Rummet", "agenda": "",
                                  "invite_group": "y"}, page=url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Ange ett datum mellan" in page and "Rummet" in page  # what was typed is kept


def test_a_case_cannot_be_closed_in_the_future(app, sara, fake_clock):
    client = _client(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client, name="Datum Testsson", pnr=PNR))
    later = (clock.now().date() + dt.timedelta(days=30)).isoformat()
    response = post(client, f"/cases/{case_id}/close",
                    {"reason": "completed", "closed_on": later}, page=f"/cases/{case_id}")
    assert response.status_code == 200
    assert "framtiden" in text_of(response)
    with app.app_context():
        assert db.session.get(Case, case_id).status == "referred"


def test_a_youth_born_more_than_a_lifetime_ago_is_not_registered(app, sara, fake_clock):
    client = _client(app, sara, fake_clock)
    old = "110315+" + valid_pnr("19110315", "123")[-4:]  # '+': born 1911
    response = post(client, "/youths/new", {"name": "Gammal Testsson",
                                            "personal_number": old, "gender": ""},
                    page="/youths/new")
    assert response.status_code == 200
    assert "SIG är för unga" in text_of(response)
    assert _count(app, Youth) == 0


@pytest.mark.parametrize("junk", ["Polis\x00en", "Polis\x07en", "Polis\x1ben", "Polis\x9fen"])
def test_control_characters_are_refused_in_text_fields(app, ali, sara, per, fake_clock, junk):
    admin = _client(app, ali, fake_clock)
    response = post(admin, "/admin/organisations", {"name": junk, "kind": "police"},
                    page="/admin/organisations")
    assert response.status_code in (200, 400)
    assert "osynligt styrtecken" in text_of(response)
    with app.app_context():  # (compared here: PostgreSQL cannot even be asked about NUL)
        assert junk not in db.session.scalars(select(Organisation.name)).all()
    # a member's function, on the group page
    owner = _client(app, sara, fake_clock)
    case_id = open_case(owner, register_youth(owner, name="Text Testsson", pnr=PNR))
    url = f"/cases/{case_id}/members"
    response = post(owner, url, {"user_id": per.id, "function": junk,
                                 "from_date": clock.now().date().isoformat(), "to_date": ""},
                    page=url)
    assert response.status_code == 200 and "osynligt styrtecken" in text_of(response)
    assert _count(app, Membership) == 0
    # and the login, which needs no account
    anonymous = app.test_client()
    response = anonymous.post("/login", data={"username": "sa" + junk, "password": "x" * 12,
                                              "csrf_token": csrf(anonymous)})
    assert response.status_code == 200 and "osynligt styrtecken" in text_of(response)


# --- key rotation under an open edit form ---------------------------------------------------------


def test_an_edit_form_opened_before_a_key_rotation_saves_without_a_false_conflict(
        app, sara, orgs, fake_clock):
    from kernel.crypto.keys import current_keyring
    from kernel.crypto.rotation import count_stale, reencrypt_all

    client = _client(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client, name="Nyckel Testsson", pnr=PNR))
    post(client, f"/cases/{case_id}/plan/goals/new",
         {"life_area": "school", "description": "Går i skolan"},
         page=f"/cases/{case_id}/plan/goals/new")
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id))
    url = f"/cases/{case_id}/plan/goals/{goal_id}/actions/new"
    post(client, url, {"what": "Före nyckelbytet", "responsible_org_id": orgs["social"].id,
                       "responsible_user_id": "", "start_date": "", "due_date": "",
                       "status": "planned", "follow_up": ""}, page=url)
    with app.app_context():
        action = db.session.scalar(select(Action))
        action_id, version = action.id, action.version
        changes = db.session.scalar(select(func.count()).select_from(Change))
    edit = f"/cases/{case_id}/plan/actions/{action_id}/edit"
    token = csrf(client, edit)  # the form is open (version ``version``) ...
    with app.app_context():     # ... while the keys are rotated (in this app's keyring)
        keyring = current_keyring()
        keyring.add_active()
        assert reencrypt_all(db.session, keyring) > 0
        assert count_stale(db.session, keyring) == 0
        assert db.session.get(Action, action_id, populate_existing=True).version == version
        assert db.session.scalar(select(func.count()).select_from(Change)) == changes
    response = client.post(edit, data={
        "what": "Efter nyckelbytet", "responsible_user_id": "", "start_date": "",
        "due_date": "", "status": "planned", "follow_up": "", "version": str(version),
        "csrf_token": token})
    assert response.status_code == 302, text_of(response)[-500:]
    with app.app_context():
        saved = db.session.get(Action, action_id)
        assert saved.what == "Efter nyckelbytet" and saved.version == version + 1


# --- what an anonymous bot can make the server store ------------------------------------------


def _web_sessions(app) -> int:
    from auth.models import WebSession

    return _count(app, WebSession)


def _entries(app) -> int:
    return _count(app, AuditEntry)


def test_fetching_the_login_page_stores_nothing(app, sara, fake_clock):
    for _ in range(30):
        assert app.test_client().get("/login").status_code == 200
    assert _web_sessions(app) == 0
    # the form still works: its token rides in a signed cookie until the password step
    client = app.test_client()
    assert login(client, sara, fake_clock=fake_clock).location.endswith("/start")
    assert _web_sessions(app) == 2  # the password step's row, ended at login, and the login's
    # a forged or tampered anonymous cookie is simply a new visitor
    other = app.test_client()
    other.set_cookie("sig_session", "a.eyJjc3JmX3Rva2VuIjoieCJ9.forged.sig")
    assert other.get("/login").status_code == 200


def test_a_bot_from_one_address_fills_neither_log_nor_lock(app, sara, fake_clock):
    bot = app.test_client()
    token = csrf(bot)
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    before = _entries(app)
    statuses = []
    for n in range(limit + 40):
        response = bot.post("/login", data={"username": f"gissning{n}", "password": "x" * 12,
                                            "csrf_token": token},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
        statuses.append(response.status_code)
    assert statuses[:limit] == [200] * limit and set(statuses[limit:]) == {429}
    # one entry per counted failure and one for the block — not one per attempt
    assert _entries(app) - before <= limit + 2
    assert _web_sessions(app) == 0
    # Sara, elsewhere, logs in as usual
    assert login(app.test_client(), sara, fake_clock=fake_clock).location.endswith("/start")


def test_nobody_elsewhere_can_lock_a_person_out_and_the_lock_tells_no_name(app, sara,
                                                                          fake_clock):
    attacker = app.test_client()
    token = csrf(attacker)
    pages = {}
    for name in ("sara", "finns-inte"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
            response = attacker.post("/login", data={"username": name, "password": "x" * 12,
                                                     "csrf_token": token},
                                     environ_base={"REMOTE_ADDR": "198.51.100.7"})
        pages[name] = text_of(response)
    assert "spärrat" in pages["sara"] and "spärrat" in pages["finns-inte"]
    tokens = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|nonce="[^"]+"')
    assert (tokens.sub(r"\1", pages["sara"]).replace("sara", "")
            == tokens.sub(r"\1", pages["finns-inte"]).replace("finns-inte", ""))
    # Sara at her own computer is not locked out by that
    assert login(app.test_client(), sara, fake_clock=fake_clock).location.endswith("/start")


def test_a_write_during_the_rotation_neither_fails_it_nor_is_overwritten(app, sara, orgs,
                                                                         monkeypatch):
    """The app saves a value the rotation has read but not yet rewritten: the rotation
    leaves the app's value (it is under the active key already) and carries on."""
    from kernel.crypto import rotation
    from kernel.crypto.keys import current_keyring
    from tests.test_policy_table import add_case, born

    with app.app_context():
        case, _guardians = add_case({"sara": sara}, orgs, born(15, clock.now().date()), 1,
                                    members=())
        youth_id = case.youth_id
        db.session.commit()
        keyring = current_keyring()
        keyring.add_active()
        real_decrypt = rotation.cipher.decrypt
        engine = app.extensions["sig.db"].engine
        written = []

        def decrypt_while_the_app_writes(ring, place, row_id, blob):
            plaintext = real_decrypt(ring, place, row_id, blob)
            if place == "youths.name" and row_id == youth_id and not written:
                with engine.begin() as connection:  # another request, another connection
                    new = rotation.cipher.encrypt(ring, place, row_id,
                                                  b"Skrivet under bytet")
                    connection.execute(Youth.__table__.update().where(
                        Youth.__table__.c.id == row_id).values(name_enc=new))
                written.append(True)
            return plaintext

        monkeypatch.setattr(rotation.cipher, "decrypt", decrypt_while_the_app_writes)
        rotation.reencrypt_all(db.session, keyring)
        monkeypatch.undo()
        assert written
        db.session.expire_all()
        assert db.session.get(Youth, youth_id).name == "Skrivet under bytet"
        assert rotation.count_stale(db.session, keyring) == 0


def test_two_failed_logins_at_once_from_one_address_both_count(app, fake_clock):
    """The first count of an address (or a name) is a new row: two requests at once must
    not both insert it (the second got a 503 on PostgreSQL)."""
    from auth.models import LoginThrottle

    first, second = app.test_client(), app.test_client()

    def body(client):
        return {"username": "ingen-alls", "password": "x" * 12, "csrf_token": csrf(client)}

    fired, response = send_twice(app, first, second, "INSERT INTO LOGIN_THROTTLE", "/login",
                                 body)
    assert fired == [True, 200] and response.status_code == 200
    with app.app_context():
        assert sorted(db.session.scalars(select(LoginThrottle.failures))) == [2, 2]


def test_creating_the_same_organisation_or_account_twice_at_once(app, ali, fake_clock):
    from auth.models import Organisation

    first, second = _client(app, ali, fake_clock), _client(app, ali, fake_clock)

    def organisation(client):
        return {"name": "Räddningstjänsten", "kind": "other",
                "csrf_token": csrf(client, "/admin/organisations")}

    fired, response = send_twice(app, first, second, "INSERT INTO ORGANISATIONS",
                                 "/admin/organisations", organisation)
    assert fired == [True, 302] and response.status_code in (200, 400)
    assert "finns redan" in text_of(response)
    assert _count(app, Organisation, Organisation.name == "Räddningstjänsten") == 1
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id).where(
            Organisation.name == "Räddningstjänsten"))

    def account(client):
        return {"username": "dubbel", "display_name": "Dubbel Konto", "role": "member",
                "organisation_id": org_id, "csrf_token": csrf(client, "/admin/users/new")}

    fired, response = send_twice(app, first, second, "INSERT INTO USERS",
                                 "/admin/users/new", account)
    assert fired == [True, 200] and response.status_code in (200, 400)
    assert "redan upptaget" in text_of(response)


def _at_code_page(app, user) -> tuple[Any, str]:
    """A browser past the password step: the client and the code page's form token."""
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": csrf(client)})
    return client, csrf_from(client.get("/login/code").get_data(as_text=True))


def test_the_same_code_sent_twice_at_once_logs_in_once(app, sara, fake_clock):
    """A double click on the code page: both requests passed the replay check before
    either stored the step, and both logged in.  Now the step is consumed by one
    conditional UPDATE: one logs in, the other is told the code was used."""
    first, token = _at_code_page(app, sara)
    second = app.test_client()  # the same browser: the same cookie
    second.set_cookie("sig_session", first.get_cookie("sig_session").value)
    code = pyotp.TOTP(user_secret(first, sara)).at(clock.now())
    body = {"code": code, "recovery_code": "", "csrf_token": token}
    fired, response = send_twice(app, first, second, "INSERT INTO LOGIN_THROTTLE", "/login/code",
                                 lambda _client: body)
    assert fired == [True, 302]
    assert response.status_code == 200
    assert "Den koden har redan använts" in text_of(response)
    assert second.get("/start").status_code == 200
    with app.app_context():
        events = list(db.session.scalars(select(AuditEntry.event).order_by(AuditEntry.seq)))
    assert events.count("login_succeeded") == 1 and "mfa_replay_rejected" in events


def test_one_recovery_code_from_two_browsers_at_once_logs_in_once(app, sara, fake_clock):
    from auth import mfa
    from auth.models import User

    with app.app_context():
        user = db.session.get(User, sara.id)
        recovery = mfa.issue_recovery_codes(user)[0]
        db.session.commit()
    (first, token1), (second, token2) = _at_code_page(app, sara), _at_code_page(app, sara)
    tokens = {id(first): token1, id(second): token2}
    fired, response = send_twice(
        app, first, second, "INSERT INTO LOGIN_THROTTLE", "/login/code",
        lambda client: {"code": "", "recovery_code": recovery,
                        "csrf_token": tokens[id(client)]})
    assert fired == [True, 302]
    assert response.status_code == 200
    assert "inte korrekt" in text_of(response)
    assert second.get("/start").status_code == 200
    assert first.get("/start").status_code == 302
    with app.app_context():
        assert mfa.remaining_recovery_codes(db.session.get(User, sara.id)) == 9


def test_wrong_codes_sent_at_once_each_count(app, sara, fake_clock):
    """Codes guessed in parallel each take one of the account's attempts (the count was
    read, added to and written back: a burst counted once, so a guesser who knew the
    password could try far more codes than the limit)."""

    first, token1 = _at_code_page(app, sara)
    second, token2 = _at_code_page(app, sara)
    tokens = {id(first): token1, id(second): token2}
    fired, response = send_twice(
        app, first, second, "INSERT INTO LOGIN_THROTTLE", "/login/code",
        lambda client: {"code": "000000", "recovery_code": "",
                        "csrf_token": tokens[id(client)]})
    assert fired == [True, 200] and response.status_code == 200
    assert account_attempts(app, sara) == 2
    with app.app_context():
        attempts = [entry.details for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.event == "mfa_failed"))]
    assert len(attempts) == 2


def test_a_burst_beyond_the_limit_checks_no_code(app, sara, fake_clock):
    """With the window's attempts taken (by guesses running alongside), even the right
    code is not checked: the account is locked and the burst learns nothing."""
    from auth import throttle
    from auth.models import User

    client, token = _at_code_page(app, sara)
    with app.test_request_context():
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            throttle.take_account_attempt(sara.id)
        db.session.commit()
    code = pyotp.TOTP(user_secret(client, sara)).at(clock.now())
    response = client.post("/login/code", data={"code": code, "recovery_code": "",
                                                "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "Kontot är spärrat" in text_of(client.get("/login"))
    assert client.get("/start").status_code == 302
    with app.app_context():
        assert throttle.account_locked(sara.id)
        assert db.session.get(User, sara.id).totp_last_step is None
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.event == "account_locked")) == 1


def test_a_password_change_sent_twice_at_once_leaves_the_browser_logged_in(app, sara,
                                                                           fake_clock):
    """Both clicks verified the current password and rotated the session; the one that
    finished last found its old token ended by the other and answered without a
    cookie (before: deleted it), so the browser showing it was logged out."""
    first = _client(app, sara, fake_clock)
    second = app.test_client()  # the same browser: the same cookie
    second.set_cookie("sig_session", first.get_cookie("sig_session").value)
    new_password = "ny-lång-lösenfras-i-december"
    body = {"current_password": PASSWORD, "new_password": new_password,
            "confirm": new_password, "csrf_token": csrf(first, "/account/password")}
    fired, response = send_twice(app, first, second, "UPDATE USERS", "/account/password",
                                 lambda _client: body)
    assert fired == [True, 302] and response.status_code == 302
    assert "Set-Cookie" in response.headers
    assert "Ditt lösenord är bytt" in text_of(first.get(response.location))
    assert first.get("/start").status_code == 200


@pytest.mark.lock_wait_ms(LOCK_WAIT_MS)
def test_a_lock_held_elsewhere_is_answered_503_within_seconds_and_changes_nothing(
        app, sara, fake_clock):
    """Another transaction holds the case (a maintenance job, a stuck session): the
    owner's change waits for it at most ``DB_LOCK_WAIT_MS`` and is told to try again —
    on PostgreSQL it waited for ever before, until the server killed the worker."""
    import time

    client = _client(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client, name="Låst Låsson", pnr=PNR))
    token = csrf(client, f"/cases/{case_id}")
    engine = app.extensions["sig.db"].engine
    with engine.connect() as holder:
        if engine.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.execute(select(Case.id).where(Case.id == case_id).with_for_update())
        started = time.monotonic()
        response = client.post(f"/cases/{case_id}/agree-plan", data={"csrf_token": token})
        waited = time.monotonic() - started
        holder.rollback()
    assert response.status_code == 503
    assert LOCK_WAIT_MS / 1000 - 0.2 < waited < LOCK_WAIT_MS / 1000 + 10
    with app.app_context():
        assert db.session.get(Case, case_id).status != "active"
    response = client.post(f"/cases/{case_id}/agree-plan", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).status == "active"


@contextlib.contextmanager
def _session_row_held(app, client):
    """Another transaction holds the client's session row (all of SQLite)."""
    from auth.models import WebSession
    from auth.sessions import _digest

    engine = app.extensions["sig.db"].engine
    with engine.connect() as holder:
        if engine.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.execute(select(WebSession.id).where(
                WebSession.id == _digest(client.get_cookie("sig_session").value))
                .with_for_update())
        yield
        holder.rollback()


@pytest.mark.lock_wait_ms(LOCK_WAIT_MS)
def test_a_page_is_answered_when_only_the_sessions_last_seen_time_cannot_be_saved(
        app, sara, fake_clock, caplog):
    client = _client(app, sara, fake_clock)
    fake_clock.advance(seconds=40)  # the next request moves the idle clock
    with _session_row_held(app, client), caplog.at_level("WARNING", "auth.sessions"):
        response = client.get("/accessibility")  # (a page that writes nothing itself)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "last-seen time not saved (OperationalError)" in caplog.text
    assert client.get("/start").status_code == 200


@pytest.mark.lock_wait_ms(LOCK_WAIT_MS)
def test_a_session_that_cannot_be_saved_after_the_view_is_answered_503(app, sara,
                                                                        fake_clock):
    """The owner's change is stored, the message about it cannot be (the session row is
    held): a 503 that says to try again — Flask hands such an error over as a 500."""
    if app.extensions["sig.db"].engine.dialect.name == "sqlite":
        pytest.skip("SQLite holds the whole database: the view's own write waits (above)")
    client = _client(app, sara, fake_clock)
    case_id = open_case(client, register_youth(client, name="Låst Låsson", pnr=PNR))
    token = csrf(client, f"/cases/{case_id}")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    with _session_row_held(app, client):
        response = client.post(f"/cases/{case_id}/agree-plan", data={"csrf_token": token})
    assert response.status_code == 503
    assert "kan ha sparats" in text_of(response)  # not "nothing was changed"
    with app.app_context():
        assert db.session.get(Case, case_id).status == "active"
    assert client.get(f"/cases/{case_id}").status_code == 200


def test_a_burst_of_passwords_beyond_the_limit_checks_none_and_the_lock_ends(app, sara,
                                                                             fake_clock):
    """The pair's attempts taken (by passwords tried alongside): even the right password
    is not checked, the pair is locked; when the lock is over the count starts again and
    the right password works."""
    from auth import throttle

    with app.test_request_context():
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            throttle.take_attempt(sara.username, "127.0.0.1")
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": sara.username, "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 200 and "Kontot är spärrat" in text_of(response)
    fake_clock.advance(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    response = client.post("/login", data={"username": sara.username, "password": PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 302 and response.location.endswith("/login/code")
