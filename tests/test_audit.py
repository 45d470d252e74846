"""The access log: a hash chain written by real actions, tamper detection (verifier and
``sig audit verify``), same-transaction writes, the auditor's page and CSV export, no
secrets in the log, and who may read it.

The UI is Swedish by default and its translations change; these tests assert on data
(seq numbers, ids, CSV cells, status codes), never on UI text.
"""
from __future__ import annotations

import datetime as dt
import hmac
import html
import json
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
from flask import Flask
from sqlalchemy import delete, select, text, update

from auth.models import User
from auth.permissions import Permission, requires
from auth.roles import Role
from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.audit.chain import GENESIS, canonical
from kernel.audit.models import AuditEntry, AuditHead
from kernel.audit.verify import Verdict, verify_chain
from kernel.crypto.keys import current_keyring
from kernel.db import db
from sig.web.spreadsheet import read_csv
from tests.case_helpers import text_of
from tests.conftest import PASSWORD
from tests.helpers import csrf, csrf_from, login, post, user_secret

ENTRIES = AuditEntry.__table__
PAYLOAD = ("at", "event", "actor_user_id", "actor_org_id", "actor_role", "target_type",
           "target_ref", "outcome", "details")
EXPORT_HEADER = ["Nr", "Tid (svensk tid)", "Händelse", "Resultat", "Användare", "Användarnamn",
                 "Organisation", "Roll", "Gäller", "Beskrivning", "Detaljer som de loggades",
                 "Kontrollsumma", "Användar-id"]
# the columns by what they hold
SEQ, AT, EVENT, OUTCOME, USERNAME, ORG, ROLE, DETAILS, HASH, USER_ID = (
    "Nr", "Tid (svensk tid)", "Händelse", "Resultat", "Användarnamn", "Organisation", "Roll",
    "Detaljer som de loggades", "Kontrollsumma", "Användar-id")
WRONG_PASSWORD = "fel-men-nästan-rätt-lösenord-77"


# --- helpers ----------------------------------------------------------------------------------

def entries(app: Flask) -> list[dict]:
    """Every entry as a plain dict, in seq order (read with Core, no ORM identity map)."""
    with app.app_context():
        rows = db.session.execute(select(ENTRIES).order_by(ENTRIES.c.seq))
        return [dict(r._mapping) for r in rows]


def seqs(app: Flask) -> list[int]:
    return [e["seq"] for e in entries(app)]


def verdict(app: Flask, batch: int = 2000) -> Verdict:
    with app.app_context():
        return verify_chain(db.session, current_keyring().audit_key, batch=batch)


def cli_verify(app: Flask):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def execute(app: Flask, *statements) -> None:
    """Raw writes, committed: what someone with access to the database could do."""
    with app.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()


def assert_broken_at(app: Flask, seq: int) -> None:
    result = verdict(app)
    assert not result.ok and result.first_broken_seq == seq, result
    # The same answer in smaller batches (the verifier pages through the log).
    small = verdict(app, batch=2)
    assert not small.ok and small.first_broken_seq == seq, small
    cli = cli_verify(app)
    assert cli.exit_code == 1, cli.output
    assert re.search(rf"(?<!\d){seq}(?!\d)", cli.output), cli.output
    assert not cli.output.startswith("OK")


def wrong_password(client, username: str, password: str = WRONG_PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client)})


def local_date(value: dt.datetime) -> dt.date:
    return clock.as_utc(value).astimezone(ZoneInfo("Europe/Stockholm")).date()


def shown_seqs(client, **params) -> list[int]:
    """The seq numbers listed on the auditor page (the first cell of each body row)."""
    response = client.get("/audit/", query_string=params)
    assert response.status_code == 200
    return [int(s) for s in re.findall(r"<tr>\s*<td>(\d+)</td>", response.get_data(as_text=True))]


def export_rows(client, **params) -> tuple[list[str], list[dict]]:
    response = client.get("/audit/export.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_data()
    assert data.startswith("\ufeff".encode())  # a spreadsheet reads å, ä and ö as such
    rows = read_csv(data)
    header, body = rows[0], rows[1:]
    return header, [dict(zip(header, row, strict=True)) for row in body]


# --- a chain written by real actions -----------------------------------------------------------

@pytest.fixture
def chain(app, sara, per, fake_clock) -> list[int]:
    """Logins, failures, a refused page and a logout, through the web client."""
    sara_client, per_client, stranger = app.test_client(), app.test_client(), app.test_client()
    assert login(sara_client, sara, fake_clock=fake_clock).location.endswith("/start")
    wrong_password(per_client, "per")
    wrong_password(stranger, "nobody")
    assert login(per_client, per, fake_clock=fake_clock).location.endswith("/start")
    assert sara_client.get("/audit/").status_code == 403
    assert post(sara_client, "/logout").status_code == 302
    found = seqs(app)
    assert found == list(range(1, len(found) + 1)) and len(found) >= 8
    events = [e["event"] for e in entries(app)]
    for expected in ("mfa_verified", "login_succeeded", "login_failed", "access_denied",
                     "logout"):
        assert expected in events
    return found


def test_real_actions_form_a_valid_chain(app, chain):
    result = verdict(app)
    assert result.ok and result.checked == len(chain) and result.first_broken_seq is None
    assert verdict(app, batch=3).ok
    cli = cli_verify(app)
    assert cli.exit_code == 0, cli.output
    assert "OK" in cli.output and str(len(chain)) in cli.output
    rows = entries(app)
    assert rows[0]["prev_hash"] == GENESIS
    for previous, current in zip(rows, rows[1:], strict=False):
        assert current["prev_hash"] == previous["hash"]
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        assert (head.seq, head.hash) == (rows[-1]["seq"], rows[-1]["hash"])


def test_empty_log_verifies(app):
    assert verdict(app).ok
    assert cli_verify(app).exit_code == 0


def _different(column: str, row: dict, others: list[dict]):
    """A plausible but different value for ``column`` (what a forger would write)."""
    current = row[column]
    if column == "at":
        return current + dt.timedelta(hours=1)
    if column == "details":
        return json.dumps({"attempt": 99}, separators=(",", ":"))
    if column == "event":
        return "logout" if current != "logout" else "login_failed"
    if column == "outcome":
        return "ok" if current != "ok" else "failed"
    if column == "actor_role":
        return "auditor" if current != "auditor" else "member"
    if column in ("actor_user_id", "actor_org_id"):
        candidates = {o[column] for o in others if o[column] and o[column] != current}
        return sorted(candidates)[0] if candidates else None
    if column in ("target_type", "target_ref"):
        return "user"
    if column in ("hash", "prev_hash"):
        return ("1" if current[0] != "1" else "2") + current[1:]
    raise AssertionError(column)


@pytest.mark.parametrize("column", [*PAYLOAD, "prev_hash", "hash"])
def test_editing_one_entry_names_exactly_that_entry(app, chain, column):
    rows = entries(app)
    target = rows[3]
    value = _different(column, target, rows)
    assert value != target[column]
    execute(app, update(ENTRIES).where(ENTRIES.c.seq == target["seq"]).values({column: value}))
    assert_broken_at(app, target["seq"])


def test_editing_details_with_plain_sql_is_detected(app, chain):
    with app.app_context():
        db.session.execute(text("UPDATE audit_entries SET details = :d WHERE seq = :s"),
                           {"d": '{"reason":"nothing to see"}', "s": 5})
        db.session.commit()
    assert_broken_at(app, 5)


def test_edit_with_a_recomputed_hash_under_a_guessed_key_is_detected(app, chain):
    rows = entries(app)
    target = dict(rows[2])
    target["details"] = '{"mfa":false}'
    forged = hmac.new(b"guessed-key", canonical(target), "sha256").hexdigest()
    execute(app, update(ENTRIES).where(ENTRIES.c.seq == target["seq"])
            .values(details=target["details"], hash=forged))
    assert_broken_at(app, target["seq"])


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_deleting_an_entry_is_detected_at_its_seq(app, chain, where):
    victim = {"first": chain[0], "middle": chain[len(chain) // 2], "last": chain[-1]}[where]
    execute(app, delete(ENTRIES).where(ENTRIES.c.seq == victim))
    assert_broken_at(app, victim)
    if where != "last":
        assert "missing" in verdict(app).reason


def test_deleting_the_last_entries_is_detected(app, chain):
    execute(app, delete(ENTRIES).where(ENTRIES.c.seq >= chain[-3]))
    assert_broken_at(app, chain[-3])


def test_deleting_the_tail_and_the_head_row_is_detected(app, chain):
    execute(app, delete(ENTRIES).where(ENTRIES.c.seq == chain[-1]),
            delete(AuditHead.__table__))
    assert_broken_at(app, chain[-1])


@pytest.mark.parametrize("pair", [(2, 3), (3, 6)], ids=["adjacent", "apart"])
@pytest.mark.parametrize("what", ["whole_rows", "payload_only"])
def test_swapping_two_entries_names_the_first_swapped_seq(app, chain, pair, what):
    rows = {r["seq"]: r for r in entries(app)}
    a, b = pair
    columns = PAYLOAD + (("prev_hash", "hash") if what == "whole_rows" else ())
    assert any(rows[a][c] != rows[b][c] for c in PAYLOAD)
    execute(app,
            update(ENTRIES).where(ENTRIES.c.seq == a).values({c: rows[b][c] for c in columns}),
            update(ENTRIES).where(ENTRIES.c.seq == b).values({c: rows[a][c] for c in columns}))
    assert_broken_at(app, a)


def test_renumbering_entries_is_detected(app, chain):
    """Reorder by swapping seq numbers (via a free number, the key is unique)."""
    spare = chain[-1] + 100
    execute(app, update(ENTRIES).where(ENTRIES.c.seq == 4).values(seq=spare),
            update(ENTRIES).where(ENTRIES.c.seq == 5).values(seq=4),
            update(ENTRIES).where(ENTRIES.c.seq == spare).values(seq=5))
    assert_broken_at(app, 4)


def test_appending_continues_a_verified_chain_after_tampering_is_repaired(app, chain, sara,
                                                                          fake_clock):
    """Sanity: the verifier really recomputes (a restored row verifies again)."""
    original = entries(app)[4]
    execute(app, update(ENTRIES).where(ENTRIES.c.seq == 5).values(details='{"x":1}'))
    assert not verdict(app).ok
    execute(app, update(ENTRIES).where(ENTRIES.c.seq == 5)
            .values(details=original["details"]))
    assert verdict(app).ok
    login(app.test_client(), sara, fake_clock=fake_clock)
    assert verdict(app).ok and verdict(app).checked > len(chain)


# --- written in the same transaction as the change ---------------------------------------------

def test_rolled_back_change_leaves_no_audit_entry(app, chain, sara):
    with app.app_context():
        user = db.session.get(User, sara.id)
        user.role = str(Role.ADMIN)
        entry = record(AuditEvent.USER_ROLE_CHANGED, target_type="user", target_ref=sara.id,
                       details={"role": "admin"})
        db.session.flush()  # the entry and the head update reached the database ...
        assert entry.seq == len(chain) + 1
        db.session.rollback()  # ... and go away with the change
    assert seqs(app) == chain
    with app.app_context():
        assert db.session.get(User, sara.id).role == str(Role.CASE_OWNER)
        assert db.session.get(AuditHead, 1).seq == len(chain)
        record(AuditEvent.USER_ROLE_CHANGED, target_type="user", target_ref=sara.id)
        db.session.commit()
    assert seqs(app) == [*chain, len(chain) + 1]  # no gap
    assert verdict(app).ok


def test_failed_commit_leaves_no_audit_entry(app, chain, sara, orgs):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        duplicate = User(username="sara", organisation_id=orgs["social"].id, role="member",
                         password_hash="x", active=True, locale="sv")
        duplicate.display_name = "Sara Dubblett"  # sets the id
        record(AuditEvent.USER_CREATED, target_type="user", target_ref=duplicate.id)
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert seqs(app) == chain
    assert "user_created" not in [e["event"] for e in entries(app)]
    assert verdict(app).ok


def test_request_that_fails_after_recording_leaves_no_audit_entry(app, sara, fake_clock):
    def fails_halfway():
        db.session.get(User, sara.id).role = str(Role.ADMIN)
        record(AuditEvent.USER_ROLE_CHANGED, target_type="user", target_ref=sara.id)
        db.session.flush()
        raise RuntimeError("something broke after the audit entry was written")

    app.add_url_rule("/test/fails-halfway", "test_fails_halfway",
                     requires(Permission.VIEW_START_PAGE)(fails_halfway))
    client = app.test_client()
    login(client, sara, fake_clock=fake_clock)
    before = seqs(app)
    assert client.get("/test/fails-halfway").status_code == 500
    assert seqs(app) == before
    with app.app_context():
        assert db.session.get(User, sara.id).role == str(Role.CASE_OWNER)
    assert verdict(app).ok


# --- the auditor's page and export -------------------------------------------------------------

@pytest.fixture
def history(app, sara, per, kim, eva, orgs, fake_clock) -> dict:
    """Three days with activity two days apart, then Eva logs in (on the last day)."""
    app.config["AUDIT_PAGE_SIZE"] = 1000
    login(app.test_client(), sara, fake_clock=fake_clock)
    fake_clock.advance(days=2)
    police = app.test_client()
    wrong_password(police, "per")
    login(police, per, fake_clock=fake_clock)
    fake_clock.advance(days=2)
    login(app.test_client(), kim, fake_clock=fake_clock)
    auditor = app.test_client()
    assert login(auditor, eva, fake_clock=fake_clock).location.endswith("/start")
    return {"client": auditor}


def test_auditor_sees_all_entries_newest_first(app, history, eva):
    before = seqs(app)
    assert shown_seqs(history["client"]) == sorted(before, reverse=True)
    last = entries(app)[-1]
    assert (last["event"], last["actor_user_id"], last["outcome"]) == (
        "audit_viewed", eva.id, "ok")


def _pager_links(page: str) -> dict[str, str]:
    """The pager's links by their Swedish label, as the browser would follow them."""
    nav = re.search(r'<nav aria-label="Sidor" class="pager">(.*?)</nav>', page, re.S)
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1)) if nav else []
    return {label: html.unescape(href) for href, label in found}


def test_auditor_pages_through_the_log_by_entry_number(app, history, sara):
    """The log grows for years: its pages are reached by the number of the neighbouring
    entry (no page number, no count of the whole log), newest first, and following the
    links there and back shows every entry once, with the filters kept."""
    app.config["AUDIT_PAGE_SIZE"] = 3
    client = history["client"]
    first = client.get("/audit/").get_data(as_text=True)
    newest_first = sorted(seqs(app), reverse=True)[1:]  # before this view's own entry
    links = _pager_links(first)
    assert set(links) == {"Äldre"}  # the newest page has nothing newer
    walked, url = [], None
    page = first
    while True:
        walked += [int(s) for s in re.findall(r"<tr>\s*<td>(\d+)</td>", page)]
        links = _pager_links(page)
        if "Äldre" not in links:
            break
        url = links["Äldre"]
        assert "before=" in url and "page=" not in url
        page = client.get(url).get_data(as_text=True)
    assert walked == newest_first and len(walked) > 6
    assert "Nyare" in links and "Nyaste" in links
    # back one page: the three entries just newer than the oldest page
    back = client.get(links["Nyare"]).get_data(as_text=True)
    last = len(walked) % 3 or 3  # the oldest page's entries
    assert [int(s) for s in re.findall(r"<tr>\s*<td>(\d+)</td>", back)] == \
        walked[-last - 3:-last]
    # a filter is kept along the pages, and the view's entry says where the auditor was
    app.config["AUDIT_PAGE_SIZE"] = 1
    only_sara = [e["seq"] for e in entries(app) if e["actor_user_id"] == sara.id][::-1]
    assert len(only_sara) == 2
    page = client.get("/audit/", query_string={"user": sara.id}).get_data(as_text=True)
    older = _pager_links(page)["Äldre"]
    assert f"user={sara.id}" in older and f"before={only_sara[0]}" in older
    assert shown_seqs(client, user=sara.id, before=only_sara[0]) == only_sara[1:2]
    viewed = entries(app)[-1]
    assert json.loads(viewed["details"]) == {"filters": {"user": sara.id},
                                             "before": only_sara[0]}
    app.config["AUDIT_PAGE_SIZE"] = 3
    # a key that is not a number or is past either end gives the newest page, never an error
    for odd in ({"before": "x"}, {"after": "-"}, {"before": 0}, {"after": 10**12},
                {"page": "2"}, {"before": "1e9"}, {"after": 10**30}, {"before": -10**30},
                {"after": 2**31}, {"before": -(2**31) - 1}):  # (PostgreSQL's INTEGER)
        assert shown_seqs(client, **odd) == sorted(seqs(app), reverse=True)[1:4], odd
        assert json.loads(entries(app)[-1]["details"]) == {"filters": {}}  # the newest


def test_auditor_page_counts_the_selection_only_as_far_as_one_export_holds(app, history):
    client = history["client"]
    app.config["AUDIT_EXPORT_MAX_ROWS"] = 4
    try:
        page = text_of(client.get("/audit/"))
        assert "Fler än 4 poster." in page and "Exportera som CSV" not in page
        app.config["AUDIT_EXPORT_MAX_ROWS"] = 10**6
        every = len(entries(app))
        assert f"{every} poster." in text_of(client.get("/audit/"))
    finally:
        app.config["AUDIT_EXPORT_MAX_ROWS"] = 20_000


def _expect(app: Flask, predicate) -> list[int]:
    return [e["seq"] for e in entries(app) if predicate(e)]


def test_auditor_filters_by_user(app, history, sara):
    expected = _expect(app, lambda e: e["actor_user_id"] == sara.id)
    assert expected and len(expected) < len(seqs(app))
    assert sorted(shown_seqs(history["client"], user=sara.id)) == expected
    viewed = entries(app)[-1]
    assert viewed["event"] == "audit_viewed"
    assert json.loads(viewed["details"])["filters"] == {"user": sara.id}


def test_auditor_filters_by_organisation(app, history, orgs, per):
    police = orgs["police"].id
    expected = _expect(app, lambda e: e["actor_org_id"] == police)
    assert expected and all(e["actor_user_id"] == per.id for e in entries(app)
                            if e["seq"] in expected)
    assert sorted(shown_seqs(history["client"], organisation=police)) == expected


def test_auditor_filters_by_event(app, history, per):
    expected = _expect(app, lambda e: e["event"] == "login_failed")
    assert expected
    assert sorted(shown_seqs(history["client"], event="login_failed")) == expected
    assert sorted(shown_seqs(history["client"], event="login_failed", user=per.id)) == expected


def test_auditor_filters_by_date_range(app, history, per, kim):
    rows = entries(app)
    police_day = local_date(next(e["at"] for e in rows if e["actor_user_id"] == per.id))
    last_day = local_date(next(e["at"] for e in rows if e["actor_user_id"] == kim.id))
    assert police_day < last_day
    client = history["client"]

    one_day = _expect(app, lambda e: local_date(e["at"]) == police_day)
    assert one_day and len(one_day) < len(rows)
    assert sorted(shown_seqs(client, date_from=police_day.isoformat(),
                             date_to=police_day.isoformat())) == one_day

    since = _expect(app, lambda e: local_date(e["at"]) >= last_day)
    assert sorted(shown_seqs(client, date_from=last_day.isoformat())) == since

    until = _expect(app, lambda e: local_date(e["at"]) <= police_day)
    assert sorted(shown_seqs(client, date_to=police_day.isoformat())) == until
    assert set(until) & set(one_day) == set(one_day) and len(until) > len(one_day)


def test_export_has_header_and_the_filtered_rows_and_is_audited(app, history, sara, eva,
                                                                orgs):
    expected = {e["seq"]: e for e in entries(app) if e["actor_user_id"] == sara.id}
    header, rows = export_rows(history["client"], user=sara.id)
    assert header == EXPORT_HEADER
    assert [int(r[SEQ]) for r in rows] == sorted(expected, reverse=True)  # newest first
    for row in rows:
        entry = expected[int(row[SEQ])]
        assert row[EVENT] == event_label_sv(app, entry["event"])
        assert row[USER_ID] == sara.id and row[USERNAME] == "sara"
        assert row[ORG] == orgs["social"].name and row[ROLE] == "Ärendeansvarig"
        assert row[DETAILS] == entry["details"] and row[HASH] == entry["hash"]
        assert row["Beskrivning"].startswith("Sara")
        assert "{" not in row["Beskrivning"] and "_" not in row["Beskrivning"]
        at = dt.datetime.fromisoformat(row[AT])
        assert clock.as_utc(at) == clock.as_utc(entry["at"])
        assert at.utcoffset() == at.astimezone(ZoneInfo("Europe/Stockholm")).utcoffset()
    exported = entries(app)[-1]
    assert (exported["event"], exported["actor_user_id"], exported["actor_role"]) == (
        "audit_exported", eva.id, "auditor")
    assert json.loads(exported["details"]) == {"filters": {"user": sara.id}, "rows": len(rows)}
    assert verdict(app).ok


def event_label_sv(app, code: str) -> str:
    from flask_babel import force_locale

    from kernel.audit.events import event_label

    with app.test_request_context(), force_locale("sv"):
        return event_label(code)


def test_exported_times_state_their_time_zone(app, history, request):
    """An auditor must not have to guess whether 09:00 is UTC or Swedish time."""
    _, rows = export_rows(history["client"])
    assert rows
    for row in rows:
        assert dt.datetime.fromisoformat(row[AT]).tzinfo is not None, row[AT]


def test_export_with_date_and_event_filters(app, history, per):
    rows_in_db = entries(app)
    police_day = local_date(next(e["at"] for e in rows_in_db if e["actor_user_id"] == per.id))
    expected = [e["seq"] for e in rows_in_db
                if local_date(e["at"]) == police_day and e["event"] == "login_succeeded"]
    assert expected
    _, rows = export_rows(history["client"], date_from=police_day.isoformat(),
                          date_to=police_day.isoformat(), event="login_succeeded")
    assert [int(r[SEQ]) for r in rows] == sorted(expected, reverse=True)
    details = json.loads(entries(app)[-1]["details"])
    assert details["rows"] == len(expected)
    assert details["filters"]["event"] == "login_succeeded"


def test_export_neutralises_spreadsheet_formulas(app, make_user, eva, fake_clock):
    formula = make_user("=cmd|'/c calc'!a1", "police", Role.MEMBER)
    wrong_password(app.test_client(), formula.username)
    client = app.test_client()
    login(client, eva, fake_clock=fake_clock)
    _, rows = export_rows(client, user=formula.id)
    assert rows and all(r[USERNAME] == "'" + formula.username for r in rows)


# --- nothing secret in the log -------------------------------------------------------------------

def _cookie(client) -> str | None:
    cookie = client.get_cookie("sig_session")
    return cookie.value if cookie else None


def test_no_password_code_secret_or_cookie_in_the_log(app, sara, per, eva, make_user,
                                                       fake_clock):
    secrets: list[str] = [PASSWORD, WRONG_PASSWORD]
    codes: list[str] = []
    cookies: list[str] = []

    def remember(client) -> None:
        if _cookie(client):
            cookies.append(_cookie(client))

    # Sara logs in by hand, so the code she typed is known.
    sara_client = app.test_client()
    sara_client.post("/login", data={"username": "sara", "password": PASSWORD,
                                     "csrf_token": csrf(sara_client)})
    remember(sara_client)
    page = sara_client.get("/login/code").get_data(as_text=True)
    sara_secret = user_secret(sara_client, sara)
    code = pyotp.TOTP(sara_secret).at(clock.now())
    codes.append(code)
    sara_client.post("/login/code", data={"code": code, "recovery_code": "",
                                          "csrf_token": csrf_from(page)})
    remember(sara_client)
    assert sara_client.get("/start").status_code == 200
    fake_clock.advance(seconds=31)

    # Per: a wrong password, then a wrong code, then in.
    per_client = app.test_client()
    wrong_password(per_client, "per")
    per_client.post("/login", data={"username": "per", "password": PASSWORD,
                                    "csrf_token": csrf(per_client)})
    per_secret = user_secret(per_client, per)
    valid = {pyotp.TOTP(per_secret).at(clock.now() + dt.timedelta(seconds=s))
             for s in (-30, 0, 30)}
    wrong_code = next(c for c in (pyotp.TOTP(per_secret).at(clock.now() + dt.timedelta(
        minutes=m)) for m in range(10, 60)) if c not in valid)
    codes.append(wrong_code)
    page = per_client.get("/login/code").get_data(as_text=True)
    per_client.post("/login/code", data={"code": wrong_code, "recovery_code": "",
                                         "csrf_token": csrf_from(page)})
    fake_clock.advance(seconds=31)
    assert login(per_client, per, fake_clock=fake_clock).location.endswith("/start")
    remember(per_client)

    # Sara changes her password.
    new_password = "ny-hemlig-fras-för-kontoägaren-2025"
    secrets.append(new_password)
    response = post(sara_client, "/account/password",
                    {"current_password": PASSWORD, "new_password": new_password,
                     "confirm": new_password}, page="/account/password")
    assert response.status_code == 302
    remember(sara_client)

    # Nils enrols a second factor and later uses a recovery code.
    make_user("nils", "school", Role.MEMBER, mfa=False)
    nils_client = app.test_client()
    nils_client.post("/login", data={"username": "nils", "password": PASSWORD,
                                     "csrf_token": csrf(nils_client)})
    page = nils_client.get("/login/enrol").get_data(as_text=True)
    nils_secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    enrol_code = pyotp.TOTP(nils_secret).at(clock.now())
    codes.append(enrol_code)
    response = nils_client.post("/login/enrol", data={"code": enrol_code,
                                                      "csrf_token": csrf_from(page)})
    recovery = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>",
                          response.get_data(as_text=True))
    assert len(recovery) == 10
    remember(nils_client)
    second = app.test_client()
    second.post("/login", data={"username": "nils", "password": PASSWORD,
                                "csrf_token": csrf(second)})
    page = second.get("/login/code").get_data(as_text=True)
    second.post("/login/code", data={"code": "", "recovery_code": recovery[0],
                                     "csrf_token": csrf_from(page)})
    assert second.get("/start").status_code == 200
    remember(second)

    # Eva reads and exports the log.
    eva_client = app.test_client()
    login(eva_client, eva, fake_clock=fake_clock)
    remember(eva_client)
    assert eva_client.get("/audit/").status_code == 200
    assert eva_client.get("/audit/export.csv").status_code == 200

    events = {e["event"] for e in entries(app)}
    assert {"login_failed", "mfa_failed", "password_changed", "mfa_enrolled",
            "mfa_recovery_code_used", "audit_viewed", "audit_exported"} <= events
    assert len(cookies) >= 6

    secrets += [sara_secret, per_secret, nils_secret, *cookies]
    secrets += [r.replace("-", "") for r in recovery] + recovery
    with app.app_context():
        for name in ("Sara Testsson", "Per Testsson", "Nils Testsson", "Eva Testsson"):
            secrets.append(name)  # personal data does not belong in the log either
        cells = [(table, column, "" if value is None else str(value))
                 for table in ("audit_entries", "audit_head")
                 for row in db.session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
                 for column, value in row._mapping.items()]
    assert len(cells) > 100
    for table, column, cell in cells:
        if column in ("hash", "prev_hash"):
            assert re.fullmatch(r"[0-9a-f]{64}", cell), (table, column)
        for secret in secrets:
            assert secret.lower() not in cell.lower(), (table, column)
        for one_time in codes:
            assert not re.search(rf"(?<![0-9A-Za-z]){one_time}(?![0-9A-Za-z])", cell), (
                table, column)


# --- who may read the log ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sara", "per", "kim", "lo", "maria", "ali", "fred"])
def test_everyone_but_the_auditor_gets_403(app, client, request, name, fake_clock):
    user = request.getfixturevalue(name)
    assert login(client, user, fake_clock=fake_clock).location.endswith("/start")
    before = seqs(app)
    for url in ("/audit/", "/audit/export.csv", f"/audit/export.csv?user={user.id}",
                "/audit/?event=login_failed"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"seq,at,event" not in response.get_data()
    new = [e for e in entries(app) if e["seq"] not in before]
    assert [e["event"] for e in new] == ["access_denied"] * 4
    assert {e["actor_user_id"] for e in new} == {user.id}
    assert {json.loads(e["details"])["endpoint"] for e in new} == {"audit.index",
                                                                     "audit.export"}


def test_auditor_gets_the_page_and_the_export(client, eva, fake_clock):
    login(client, eva, fake_clock=fake_clock)
    assert client.get("/audit/").status_code == 200
    assert client.get("/audit/export.csv").status_code == 200


@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv", "/audit/?user=x"])
def test_anonymous_is_sent_to_login(app, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert seqs(app) == []  # nothing viewed, nothing exported


def test_a_rewound_tail_is_caught_with_a_recorded_head(app, client, sara, fake_clock):
    """Deleting the newest entries and rewinding the head row to match passes the chain
    check by construction; a head recorded outside the database catches it."""
    login(client, sara, fake_clock=fake_clock)
    first = cli_verify(app)
    recorded = re.search(r"Head: (\d+:[0-9a-f]{64})", first.output).group(1)
    seq = int(recorded.split(":")[0])
    with app.app_context():
        keep = db.session.get(AuditEntry, seq - 1)
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq > seq - 1))
        db.session.execute(update(AuditHead).values(seq=keep.seq, hash=keep.hash))
        db.session.commit()
    assert cli_verify(app).exit_code == 0  # the rewound chain is consistent in itself
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--expect", recorded])
    assert result.exit_code == 1 and f"recorded head {seq}" in result.output


def test_an_export_too_big_for_one_file_is_refused_with_the_filters_kept(
        app, history, sara, eva, fred, fake_clock):
    """The whole log of a municipality is millions of entries: a selection over the
    ceiling builds no file; the auditor is told how many entries it holds and what to
    narrow, the filters stay, and the attempt is logged."""
    client = history["client"]
    every = len(entries(app))
    app.config["AUDIT_EXPORT_MAX_ROWS"] = 1
    try:
        refused = client.get("/audit/export.csv")
        assert refused.status_code == 302 and refused.location.startswith("/audit/")
        page = text_of(client.get(refused.location))
        assert "Urvalet har fler än 1 poster, vilket är vad en fil rymmer." in page
        assert "kortare period" in page
        # and the page no longer offers what it would refuse
        assert "En CSV-fil rymmer högst 1 poster" in page and "Exportera som CSV" not in page
        kept = client.get("/audit/export.csv", query_string={"user": sara.id})
        assert kept.status_code == 302 and f"user={sara.id}" in kept.location
        # a narrower selection is exported as before
        app.config["AUDIT_EXPORT_MAX_ROWS"] = every * 10
        header, rows = export_rows(client, user=sara.id)
        assert header == EXPORT_HEADER and rows
    finally:
        app.config["AUDIT_EXPORT_MAX_ROWS"] = 20_000
    failed = [e for e in entries(app) if e["event"] == "audit_exported"
              and e["outcome"] == "failed"]
    assert len(failed) == 2 and json.loads(failed[0]["details"])["reason"] == "too_many_rows"
    assert json.loads(failed[0]["details"])["more_than"] == 1
    assert failed[0]["actor_user_id"] == eva.id
    # Fred learns neither the size of a selection nor anything else
    curious = app.test_client()
    login(curious, fred, fake_clock=fake_clock)
    assert curious.get("/audit/export.csv").status_code == 403
