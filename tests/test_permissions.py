"""Every endpoint declares what it needs, and each role reaches exactly its pages.

The matrix below is the specification: persona × endpoint → expected status.
Fred (a police member of other groups) is in every row.
"""
from __future__ import annotations

import pytest

from auth.permissions import ROLE_PERMISSIONS, Permission, declaration_of
from auth.roles import Role
from tests.helpers import csrf, login, post


def test_every_endpoint_declares_a_permission_or_public(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules()
                  if declaration_of(app.view_functions[rule.endpoint]) is None]
    assert undeclared == []


def test_public_endpoints_are_exactly_the_login_steps_and_the_health_checks(app):
    """(and the accessibility statement, which the law wants reachable by anyone, and the
    citizen promises in force, which the municipality publishes)"""
    public = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                     if declaration_of(app.view_functions[rule.endpoint]) == "public"})
    assert public == ["area.public_promises", "auth.enrol", "auth.login", "auth.second_factor",
                      "health.healthz", "health.readyz", "home.accessibility", "home.root",
                      "static"]


def test_an_undeclared_view_is_refused(app, client, sara):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    login(client, sara)
    assert client.get("/forgotten").status_code == 403


def test_only_admins_administer_and_only_auditors_read_the_log():
    holders = {p: sorted(r.value for r, perms in ROLE_PERMISSIONS.items() if p in perms)
               for p in Permission}
    assert holders[Permission.ADMINISTER_ACCOUNTS] == ["admin"]
    assert holders[Permission.READ_AUDIT_LOG] == ["auditor"]
    assert set(ROLE_PERMISSIONS) == set(Role)


ALL = ("sara", "per", "kim", "lo", "maria", "ali", "eva", "fred")

# endpoint (path template) → personas who get 200; everyone else gets 403.
GET_MATRIX = {
    "/start": ALL,
    "/account": ALL,
    "/account/password": ALL,
    "/admin/users": ("ali",),
    "/admin/users/new": ("ali",),
    "/admin/users/{sara_id}": ("ali",),
    "/admin/organisations": ("ali",),
    "/admin/organisations/{org_id}": ("ali",),
    "/audit/": ("eva",),
    "/audit/export.csv": ("eva",),
}


def _fill(path: str, personas, orgs) -> str:
    return path.format(sara_id=personas["sara"].id, org_id=orgs["social"].id)


@pytest.mark.parametrize("persona", ALL)
def test_get_matrix(app, personas, orgs, persona, fake_clock):
    client = app.test_client()
    login(client, personas[persona], fake_clock=fake_clock)
    outcome = {path: client.get(_fill(path, personas, orgs)).status_code for path in GET_MATRIX}
    expected = {path: 200 if persona in allowed else 403 for path, allowed in GET_MATRIX.items()}
    assert outcome == expected


POST_MATRIX = {
    "/admin/users/{sara_id}/deactivate": ("ali",),
    "/admin/users/{sara_id}/reactivate": ("ali",),
    "/admin/users/{sara_id}/reset-password": ("ali",),
    "/admin/users/{sara_id}/reset-2fa": ("ali",),
    "/admin/users/{sara_id}/role": ("ali",),
    "/admin/users/new": ("ali",),
    "/admin/organisations": ("ali",),
}


@pytest.mark.parametrize("persona", [p for p in ALL if p != "ali"])
def test_state_changes_are_refused_with_a_valid_token_but_the_wrong_role(
        app, personas, orgs, persona):
    client = app.test_client()
    login(client, personas[persona])
    for path in POST_MATRIX:
        response = post(client, _fill(path, personas, orgs), {"role": "admin"})
        assert response.status_code == 403, path


def test_anonymous_is_sent_to_login_everywhere(app, client, personas, orgs):
    for path in list(GET_MATRIX) + ["/account/language", "/logout"]:
        response = client.get(_fill(path, personas, orgs))
        assert response.status_code in (302, 405), path
        if response.status_code == 302:
            assert "/login" in response.location
    assert csrf(client)  # the login page itself is reachable
