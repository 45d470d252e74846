"""Headers on every route, CSRF, no state change on GET, cookies, generic error pages."""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.helpers import csrf, login, post


def _get_paths(app, personas, orgs) -> list[str]:
    values = {"user_id": personas["sara"].id, "org_id": orgs["social"].id,
              "filename": "sig.css"}
    paths = []
    for rule in app.url_map.iter_rules():
        assert isinstance(rule, Rule)
        if "GET" not in rule.methods:
            continue
        # Unknown ids give 404 pages, which must carry the headers too.
        paths.append(rule.build({a: values.get(a, "00000000-0000-0000-0000-000000000000")
                                 for a in rule.arguments})[1])
    return paths


def _assert_headers(response, path: str) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert csp, path
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
    assert h.get("X-Content-Type-Options") == "nosniff", path
    assert h.get("Referrer-Policy"), path
    if not path.startswith("/static/"):
        assert h.get("Cache-Control") == "no-store", path


@pytest.mark.parametrize("who", ["anonymous", "sara", "ali", "eva", "fred"])
def test_security_headers_on_every_route(app, personas, orgs, who):
    client = app.test_client()
    if who != "anonymous":
        login(client, personas[who])
    for path in _get_paths(app, personas, orgs) + ["/no-such-page"]:
        with client.get(path) as response:
            _assert_headers(response, path)


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_post_without_csrf_token_is_rejected(app, client, sara, ali, fake_clock):
    response = client.post("/login", data={"username": "sara", "password": "x" * 12})
    assert response.status_code == 400
    login(client, ali, fake_clock=fake_clock)
    response = client.post(f"/admin/users/{sara.id}/deactivate", data={})
    assert response.status_code == 400
    response = client.post(f"/admin/users/{sara.id}/deactivate", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get(f"/admin/users/{sara.id}").status_code == 200
    # the account is untouched
    sara_client = app.test_client()
    assert login(sara_client, sara).location.endswith("/start")


def test_no_state_change_on_get(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("admin.", "auth.")) and any(
                word in rule.rule for word in ("deactivate", "reactivate", "reset", "logout",
                                               "language", "recovery", "role")):
            assert "GET" not in rule.methods, rule.rule


def test_session_cookie_flags(app, client):
    client.get("/login")
    cookie = client.get_cookie("sig_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_session_cookie_is_secure_outside_local_development(app):
    from sig import create_app

    prod = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "KEYRING_PATH",
                                                      "SECRET_KEY")},
                       "INSTANCE_PATH": app.instance_path})
    try:
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        response = prod.test_client().get("/login", base_url="https://localhost")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        prod.extensions["sig.db"].engine.dispose()


def test_error_pages_are_generic(app, client, sara, caplog):
    from auth.permissions import public

    @app.route("/boom")
    @public  # declared public only to reach the handler
    def boom():
        raise RuntimeError("secret detail 19121212-1212")

    login(client, sara)
    page = client.get("/admin/users/" + "x" * 10)
    assert page.status_code == 403
    text = client.get("/definitely/not/here").get_data(as_text=True)
    assert "Traceback" not in text and "sqlalchemy" not in text.lower()
    with caplog.at_level("DEBUG"):
        response = client.get("/boom")
    assert response.status_code == 500
    assert "RuntimeError" in caplog.text and "boom" in caplog.text
    assert "secret detail" not in caplog.text and "19121212" not in caplog.text
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "19121212" not in body and "Traceback" not in body


def test_logout_via_post_only(app, client, sara):
    login(client, sara)
    assert client.get("/logout").status_code == 405
    assert post(client, "/logout").status_code == 302
    assert csrf(client)
