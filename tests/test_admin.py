"""Account administration by Ali: every change works, is audited, and shows no case content."""
from __future__ import annotations

import re

from sqlalchemy import select

from auth.models import Organisation, User
from kernel.audit.models import AuditEntry
from kernel.db import db
from tests.helpers import csrf, lock_by_codes, login, post


def audit_of(app, event: str) -> list[dict]:
    """The entries of one event, as plain dicts (no ORM objects leave the app context)."""
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.target_ref, AuditEntry.details)
                                  .where(AuditEntry.event == event)).all()
        return [dict(row._mapping) for row in rows]


def test_create_account_shows_temporary_password_once_and_forces_a_change(app, client, ali,
                                                                          orgs, fake_clock):
    login(client, ali, fake_clock=fake_clock)
    response = post(client, "/admin/users/new", {
        "username": "  Nora.Lund ", "display_name": "Nora Lund",
        "organisation_id": orgs["school"].id, "role": "member"}, page="/admin/users/new")
    page = response.get_data(as_text=True)
    temporary = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.username == "nora.lund"))
        assert nora.display_name == "Nora Lund" and nora.must_change_password
        assert b"Nora" not in (nora.display_name_enc or b"")
        nora_id = nora.id
    entry = audit_of(app, "user_created")[-1]
    assert entry["target_ref"] == nora_id and temporary not in entry["details"]
    # Nora logs in with the temporary password and must change it before anything else
    app.config["MFA_REQUIRED"] = False
    nora_client = app.test_client()
    response = nora_client.post("/login", data={"username": "nora.lund", "password": temporary,
                                                "csrf_token": csrf(nora_client)})
    assert nora_client.get("/start").location.endswith("/account/password")


def test_duplicate_username_and_bad_username_are_explained(app, client, ali, sara, orgs):
    login(client, ali)
    for username in ("sara", "no spaces please"):
        response = post(client, "/admin/users/new", {
            "username": username, "display_name": "Someone Else",
            "organisation_id": orgs["school"].id, "role": "member"}, page="/admin/users/new")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'class="errors"' in page
        assert "Someone Else" in page  # what the admin typed is kept
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 2


def test_change_role_and_organisation(app, client, ali, per, orgs):
    login(client, ali)
    post(client, f"/admin/users/{per.id}/role",
         {"role": "case_owner", "organisation_id": orgs["social"].id}, page="/admin/users")
    with app.app_context():
        changed = db.session.get(User, per.id)
        assert changed.role == "case_owner" and changed.organisation_id == orgs["social"].id
    assert audit_of(app, "user_role_changed") and audit_of(app, "user_organisation_changed")


def test_reset_password_and_second_factor(app, client, ali, kim, fake_clock):
    login(client, ali, fake_clock=fake_clock)
    old_hash = kim.password_hash
    response = post(client, f"/admin/users/{kim.id}/reset-password", page="/admin/users")
    assert response.status_code == 200 and 'class="secret"' in response.get_data(as_text=True)
    post(client, f"/admin/users/{kim.id}/reset-2fa", page="/admin/users")
    with app.app_context():
        reset = db.session.get(User, kim.id)
        assert reset.password_hash != old_hash and reset.must_change_password
        assert not reset.mfa_enrolled and reset.totp_secret is None
    assert audit_of(app, "password_reset") and audit_of(app, "mfa_reset")


def test_deactivate_and_reactivate(app, client, ali, lo, fake_clock):
    login(client, ali, fake_clock=fake_clock)
    post(client, f"/admin/users/{lo.id}/deactivate", page="/admin/users")
    assert login(app.test_client(), lo).status_code == 200  # refused: stays on login page
    post(client, f"/admin/users/{lo.id}/reactivate", page="/admin/users")
    assert login(app.test_client(), lo).location.endswith("/start")
    assert audit_of(app, "user_deactivated") and audit_of(app, "user_reactivated")


def test_admin_cannot_deactivate_themself(app, client, ali):
    login(client, ali)
    post(client, f"/admin/users/{ali.id}/deactivate", page="/admin/users")
    assert client.get("/admin/users").status_code == 200


def test_organisations(app, client, ali, orgs):
    login(client, ali)
    response = post(client, "/admin/organisations", {"name": "Region Testhälsa",
                                                     "kind": "other"}, page="/admin/organisations")
    assert response.status_code == 302
    response = post(client, "/admin/organisations", {"name": "region testhälsa",
                                                     "kind": "other"}, page="/admin/organisations")
    assert response.status_code == 200 and 'class="errors"' in response.get_data(as_text=True)
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Region Testhälsa"))
    post(client, f"/admin/organisations/{org.id}", {"name": "Region Testhälsa", "kind": "school"},
         page="/admin/organisations")
    with app.app_context():
        assert db.session.get(Organisation, org.id).kind == "school"
    assert audit_of(app, "organisation_created") and audit_of(app, "organisation_updated")


def test_unknown_ids_are_404(app, client, ali):
    login(client, ali)
    assert client.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/admin/organisations/nope").status_code == 404


def test_a_locked_account_is_shown_and_ali_unlocks_it_fred_cannot(app, client, ali, kim,
                                                                     fred, fake_clock):
    lock_by_codes(app, kim)
    fake_clock.advance(seconds=31)
    # Fred, logged in elsewhere, tries the unlock: refused, the lock stays
    curious = app.test_client()
    login(curious, fred, fake_clock=fake_clock)
    assert post(curious, f"/admin/users/{kim.id}/unlock").status_code == 403
    refused = login(app.test_client(), kim)  # the right password: still locked
    assert refused.status_code == 200 and "spärrat" in refused.get_data(as_text=True)
    login(client, ali, fake_clock=fake_clock)
    listed = client.get("/admin/users").get_data(as_text=True)
    assert re.search(r">kim</a>.*?Spärrat till \d\d:\d\d", listed, re.S)
    page = client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    assert "efter för många felaktiga tvåfaktorskoder" in page and "Lås upp kontot" in page
    # without the form's token nothing happens
    client.post(f"/admin/users/{kim.id}/unlock", data={})
    assert "Lås upp kontot" in client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    response = post(client, f"/admin/users/{kim.id}/unlock", page=f"/admin/users/{kim.id}")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Kontot är upplåst" in page and "Lås upp kontot" not in page
    assert [e["target_ref"] for e in audit_of(app, "account_unlocked")] == [kim.id]
    assert login(app.test_client(), kim).location.endswith("/start")
    # the same click again (a second tab, a double click): told so, nothing logged
    again = post(client, f"/admin/users/{kim.id}/unlock", page=f"/admin/users/{kim.id}")
    assert "Kontot var inte spärrat" in client.get(again.location).get_data(as_text=True)
    assert len(audit_of(app, "account_unlocked")) == 1


def test_ali_finds_accounts_by_name_organisation_role_and_state_a_page_at_a_time(
        app, client, ali, kim, lo, fred, make_user, orgs, fake_clock, monkeypatch):
    """The account list pages (by username) and finds: part of the username, whole words
    of the name (Åsa is found as "asa"), an organisation, a role, a state — deactivated,
    locked, without a second factor.  What is looked for is sent by POST and kept for the
    login: the list it leads to and its pages are reached by a handle, no name in any URL.
    A search too long is said so with what was typed kept; nothing asked for shows every
    account; Fred is refused, and Ali's handle finds nothing for him."""
    from urllib.parse import unquote

    from auth.admin import views
    from auth.roles import Role

    make_user("asa.berg", "police", Role.MEMBER, name="Åsa Lind-Berg")
    make_user("nybörjare", "school", Role.MEMBER, mfa=False, name="Nils Nybörjare")
    lock_by_codes(app, kim)
    fake_clock.advance(seconds=31)
    login(client, ali, fake_clock=fake_clock)
    post(client, f"/admin/users/{lo.id}/deactivate", {"confirmed": "yes"},
         page=f"/admin/users/{lo.id}")

    def found(response) -> list[str]:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        for url in re.findall(r'(?:href|action)="([^"]*)"', page):
            assert not re.search(r"berg|åsa|asa\b|nils", unquote(url).lower()), url
        return re.findall(r'<td><a href="/admin/users/[0-9a-f-]{36}">([^<]+)</a>', page)

    def ask(follow: bool = True, **fields: str):
        data = {"text": "", "organisation": "", "role": "", "state": "", **fields}
        return post(client, "/admin/users", data, page="/admin/users",
                    follow_redirects=follow)

    every = found(client.get("/admin/users"))
    assert every == sorted(every) and {"ali", "asa.berg", "kim", "lo", "fred"} <= set(every)
    assert found(ask(text="asa")) == ["asa.berg"]  # a word of the name (Åsa), no accent
    assert found(ask(text="lind-berg")) == ["asa.berg"]
    assert found(ask(text="BERG åsa")) == ["asa.berg"]
    assert found(ask(text="ind")) == []  # a name by whole words; "ind" is in no username
    assert found(ask(text="börj")) == ["nybörjare"]  # part of a username
    assert found(ask(organisation=orgs["police"].id)) == sorted(
        ["asa.berg", "fred", "per"] if "per" in every else ["asa.berg", "fred"])
    assert found(ask(role=str(Role.ADMIN))) == ["ali"]
    assert found(ask(state="deactivated")) == ["lo"]
    assert found(ask(state="locked")) == ["kim"]
    assert found(ask(state="without_second_factor")) == ["nybörjare"]
    assert found(ask(text="asa", state="deactivated")) == []
    assert "1 konto hittades" in ask(text="asa").get_data(as_text=True)
    # a page at a time: by username without a filter (GET), and with one (POST)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first, second = client.get("/admin/users"), client.get("/admin/users?page=2")
    assert found(first) + found(second) == every[:4] and "Sida 1 av" in first.get_data(
        as_text=True)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    sent = ask(follow=False, text="asa")
    assert sent.status_code == 302 and "asa" not in sent.location.replace("search=", "")
    handle = re.search(r"search=([A-Za-z0-9_-]{16})", sent.location).group(1)
    assert found(client.get(sent.location)) == ["asa.berg"]
    police = ask(follow=False, organisation=orgs["police"].id).location
    pages = [found(client.get(f"{police}&page={n}")) for n in (1, 2, 9)]
    assert pages[0] + pages[1] == sorted(["asa.berg", "fred"]) and pages[2] == pages[1]
    assert "page=2" in client.get(police).get_data(as_text=True)
    # bad input: kept and said; nothing asked: every account; no token: refused
    long = ask(text="å" * 201)
    assert "å" * 201 in long.get_data(as_text=True) and "200" in long.get_data(as_text=True)
    junk = ask(organisation="not-an-organisation", role="emperor", state="asleep")
    assert junk.status_code == 200 and "Not a valid choice" not in junk.get_data(as_text=True)
    assert ask(follow=False).status_code == 302
    assert client.post("/admin/users", data={"text": "asa"}).status_code == 400
    curious = app.test_client()
    login(curious, fred, fake_clock=fake_clock)
    assert post(curious, "/admin/users", {"text": "asa"}, page="/start").status_code == 403
    assert curious.get(f"/admin/users?search={handle}").status_code == 403
