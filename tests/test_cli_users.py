"""`sig users ...`: the admin pages' account operations from the command line.

Each command changes the database through auth.admin.operations, writes its audit entry
(with no actor) and explains what it refuses.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from auth.models import Organisation, User, WebSession
from kernel.audit.models import AuditEntry
from kernel.db import db
from tests.helpers import csrf, login

PASSWORD_LINE = re.compile(r"Temporary password \([^)]*\): (\S+)$", re.MULTILINE)


def sig(app, *args: str):
    return app.test_cli_runner().invoke(args=["users", *args])


def audit_of(app, event: str) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.target_ref, AuditEntry.actor_user_id, AuditEntry.details)
            .where(AuditEntry.event == event).order_by(AuditEntry.seq)).all()
        return [dict(row._mapping) for row in rows]


def audited(app, event: str, target_ref: str) -> bool:
    return any(entry["target_ref"] == target_ref and entry["actor_user_id"] is None
               for entry in audit_of(app, event))


def get_user(app, username: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def sent_to_login(response) -> bool:
    """The session is gone: the request is redirected to the login page."""
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def temporary_password(output: str) -> str:
    match = PASSWORD_LINE.search(output)
    assert match, output
    return match.group(1)


# --- list ----------------------------------------------------------------------------------


def test_list_shows_username_organisation_role_status_and_2fa_only(app, sara, make_user):
    make_user("nils", "school", "member", mfa=False)
    assert sig(app, "deactivate", "nils").exit_code == 0
    result = sig(app, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["USERNAME", "ORGANISATION", "ROLE", "STATUS", "2FA"]
    nils = next(line for line in lines if line.startswith("nils"))
    assert "Testskolan" in nils and "member" in nils and "deactivated" in nils
    assert nils.endswith("not set up")
    sara_line = next(line for line in lines if line.startswith("sara"))
    assert "Socialtjänsten Testkommun" in sara_line and "case_owner" in sara_line
    assert " active " in sara_line and sara_line.endswith("set up")
    assert not sara_line.endswith("not set up")
    assert "Testsson" not in result.output  # no display names


# --- create --------------------------------------------------------------------------------


def test_create_prints_a_temporary_password_that_must_be_changed(app, orgs, fake_clock):
    result = sig(app, "create", "  Nora.Lund ", "--name", "Nora Lund",
                 "--organisation", "Testskolan", "--role", "member")
    assert result.exit_code == 0, result.output
    temporary = temporary_password(result.output)
    assert result.output.count(temporary) == 1
    nora = get_user(app, "nora.lund")
    assert nora.organisation_id == orgs["school"].id and nora.role == "member"
    assert nora.must_change_password and nora.active
    with app.app_context():
        assert db.session.get(User, nora.id).display_name == "Nora Lund"
    entries = [e for e in audit_of(app, "user_created") if e["target_ref"] == nora.id]
    assert len(entries) == 1 and entries[0]["actor_user_id"] is None
    assert temporary not in entries[0]["details"]
    # the password works, and must be changed before anything else
    app.config["MFA_REQUIRED"] = False
    client = app.test_client()
    response = client.post("/login", data={"username": "nora.lund", "password": temporary,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 302
    assert client.get("/start").location.endswith("/account/password")


def test_create_accepts_organisation_name_in_other_case(app, orgs):
    result = sig(app, "create", "nora", "--name", "Nora Lund",
                 "--organisation", "testskolan", "--role", "MEMBER")
    assert result.exit_code == 0, result.output
    assert get_user(app, "nora").organisation_id == orgs["school"].id


@pytest.mark.parametrize(("args", "message"), [
    (["sara", "--organisation", "Testskolan", "--role", "member"], "already taken"),
    (["SARA", "--organisation", "Testskolan", "--role", "member"], "already taken"),
    (["nora", "--organisation", "Ingen Sådan", "--role", "member"],
     "No organisation named 'Ingen Sådan'"),
    (["nora", "--organisation", "Testskolan", "--role", "boss"], "Unknown role 'boss'"),
    (["no spaces", "--organisation", "Testskolan", "--role", "member"], "Invalid username"),
    (["-nora", "--organisation", "Testskolan", "--role", "member"], "Invalid username"),
    (["n", "--organisation", "Testskolan", "--role", "member"], "Invalid username"),
    (["x" * 65, "--organisation", "Testskolan", "--role", "member"], "Invalid username"),
    (["nöra", "--organisation", "Testskolan", "--role", "member"], "Invalid username"),
])
def test_create_refusals(app, sara, args, message):
    username, *options = args
    result = sig(app, "create", *options, "--name", "Someone Else", "--", username)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and message in result.output
    with app.app_context():
        assert db.session.scalars(select(User.username)).all() == ["sara"]
    assert not audit_of(app, "user_created")


def test_create_refuses_an_empty_name(app, orgs):
    result = sig(app, "create", "nora", "--name", "  ", "--organisation", "Testskolan",
                 "--role", "member")
    assert result.exit_code == 1 and "full name" in result.output
    assert get_user(app, "nora") is None


# --- deactivate / reactivate ---------------------------------------------------------------


def test_deactivate_ends_a_logged_in_session_and_reactivate_allows_login(app, client, per,
                                                                         fake_clock):
    assert login(client, per, fake_clock=fake_clock).location.endswith("/start")
    assert client.get("/start").status_code == 200
    result = sig(app, "deactivate", "per")
    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    assert not get_user(app, "per").active
    assert sent_to_login(client.get("/start"))
    with app.app_context():
        open_sessions = db.session.scalars(select(WebSession).where(
            WebSession.user_id == per.id, WebSession.ended_at.is_(None))).all()
        assert open_sessions == []
    entry = audit_of(app, "user_deactivated")[-1]
    assert entry["target_ref"] == per.id and entry["actor_user_id"] is None
    assert '"sessions_ended":1' in entry["details"]
    assert login(app.test_client(), per, fake_clock=fake_clock).status_code == 200  # refused

    result = sig(app, "reactivate", "per")
    assert result.exit_code == 0 and "active again" in result.output
    assert get_user(app, "per").active
    assert audited(app, "user_reactivated", per.id)
    assert login(app.test_client(), per, fake_clock=fake_clock).location.endswith("/start")


def test_deactivate_and_reactivate_twice_change_nothing(app, per):
    assert sig(app, "reactivate", "per").output.startswith("per is already active")
    assert not audit_of(app, "user_reactivated")
    sig(app, "deactivate", "per")
    result = sig(app, "deactivate", "per")
    assert result.exit_code == 0 and "already deactivated" in result.output
    assert len(audit_of(app, "user_deactivated")) == 1


def test_cli_may_deactivate_an_administrator(app, ali):
    assert sig(app, "deactivate", "ali").exit_code == 0
    assert not get_user(app, "ali").active


# --- reset-password / reset-2fa ------------------------------------------------------------


def test_reset_password_prints_a_working_password_that_must_be_changed(app, client, kim,
                                                                       fake_clock):
    login(client, kim, fake_clock=fake_clock)
    result = sig(app, "reset-password", "kim")
    assert result.exit_code == 0, result.output
    temporary = temporary_password(result.output)
    assert sent_to_login(client.get("/start"))  # the old session ended
    assert get_user(app, "kim").must_change_password
    assert audited(app, "password_reset", kim.id)
    assert temporary not in audit_of(app, "password_reset")[-1]["details"]
    # the old password no longer works; the printed one does, then must be changed
    assert login(app.test_client(), kim, fake_clock=fake_clock).status_code == 200
    fresh = app.test_client()
    assert login(fresh, kim, temporary, fake_clock=fake_clock).status_code == 302
    assert fresh.get("/start").location.endswith("/account/password")


def test_reset_2fa(app, client, lo, fake_clock):
    login(client, lo, fake_clock=fake_clock)
    result = sig(app, "reset-2fa", "lo")
    assert result.exit_code == 0, result.output
    with app.app_context():
        reset = db.session.get(User, lo.id)
        assert not reset.mfa_enrolled and reset.totp_secret is None
    assert sent_to_login(client.get("/start"))
    assert audited(app, "mfa_reset", lo.id)
    assert "not set up" in next(line for line in sig(app, "list").output.splitlines()
                                if line.startswith("lo "))


# --- set-role ------------------------------------------------------------------------------


def test_set_role_and_organisation(app, client, per, orgs, fake_clock):
    login(client, per, fake_clock=fake_clock)
    result = sig(app, "set-role", "per", "--role", "case_owner",
                 "--organisation", "Socialtjänsten Testkommun")
    assert result.exit_code == 0, result.output
    changed = get_user(app, "per")
    assert changed.role == "case_owner" and changed.organisation_id == orgs["social"].id
    assert audited(app, "user_role_changed", per.id)
    assert audited(app, "user_organisation_changed", per.id)
    assert sent_to_login(client.get("/start"))


def test_set_role_keeps_the_organisation_by_default(app, per, orgs):
    result = sig(app, "set-role", "per", "--role", "manager")
    assert result.exit_code == 0, result.output
    changed = get_user(app, "per")
    assert changed.role == "manager" and changed.organisation_id == orgs["police"].id
    assert audited(app, "user_role_changed", per.id)
    assert not audit_of(app, "user_organisation_changed")


def test_set_role_to_the_same_changes_nothing(app, per):
    result = sig(app, "set-role", "per", "--role", "member")
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert not audit_of(app, "user_role_changed")


@pytest.mark.parametrize(("args", "message"), [
    (["per", "--role", "boss"], "Unknown role 'boss'"),
    (["per", "--role", "member", "--organisation", "Ingen Sådan"],
     "No organisation named 'Ingen Sådan'"),
    (["nobody", "--role", "member"], "No user named 'nobody'"),
])
def test_set_role_refusals(app, per, args, message):
    result = sig(app, "set-role", *args)
    assert result.exit_code == 1 and message in result.output
    assert get_user(app, "per").role == "member"


@pytest.mark.parametrize("command", ["deactivate", "reactivate", "reset-password",
                                     "reset-2fa"])
def test_unknown_user_is_explained(app, orgs, command):
    result = sig(app, command, "nobody")
    assert result.exit_code == 1
    assert "Error: No user named 'nobody'." in result.output
    with app.app_context():
        assert db.session.scalars(select(AuditEntry)).all() == []


# --- organisations -------------------------------------------------------------------------


def test_create_organisation_and_list(app, orgs, sara, per, fred):
    result = sig(app, "create-organisation", "  Region Testhälsa ", "--kind", "other")
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(
            Organisation.name == "Region Testhälsa"))
        assert org is not None and org.kind == "other"
        org_id = org.id
    assert audited(app, "organisation_created", org_id)

    listing = sig(app, "organisations")
    assert listing.exit_code == 0
    rows = {line.rsplit(None, 2)[0]: line.rsplit(None, 2)[1:]
            for line in listing.output.splitlines()[1:]}
    assert rows["Region Testhälsa"] == ["other", "0"]
    assert rows["Polisen Testområde"] == ["police", "2"]
    assert rows["Socialtjänsten Testkommun"] == ["social_services", "1"]


@pytest.mark.parametrize(("args", "message"), [
    (["Testskolan", "--kind", "school"], "already exists"),
    (["TESTSKOLAN", "--kind", "school"], "already exists"),
    (["Region Testhälsa", "--kind", "hospital"], "Unknown organisation type 'hospital'"),
    (["  ", "--kind", "other"], "1–200 characters"),
])
def test_create_organisation_refusals(app, orgs, args, message):
    result = sig(app, "create-organisation", *args)
    assert result.exit_code == 1 and message in result.output
    with app.app_context():
        assert len(db.session.scalars(select(Organisation)).all()) == len(orgs)
    assert not audit_of(app, "organisation_created")
