"""Test helpers: CSRF tokens from real pages, logging in the way a person does, and the
statements a block runs."""
from __future__ import annotations

import re

import pyotp
from sqlalchemy import event

from kernel import clock

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def csrf(client, page: str = "/login") -> str:
    return csrf_from(client.get(page).get_data(as_text=True))


def login(client, user, password: str | None = None, *, fake_clock=None):
    """Password, then the TOTP code for the current (fake) time; returns the last response.

    With ``fake_clock`` the clock moves 31 s on afterwards, so the next login of the
    same user gets a fresh code (a reused code is rightly refused as a replay).
    """
    from tests.conftest import PASSWORD

    token = csrf(client, "/login")
    response = client.post("/login", data={"username": user.username,
                                           "password": password or PASSWORD,
                                           "csrf_token": token})
    if response.status_code == 302 and response.location.endswith("/login/code"):
        page = client.get("/login/code").get_data(as_text=True)
        secret = user_secret(client, user)
        code = pyotp.TOTP(secret).at(clock.now())
        response = client.post("/login/code", data={"code": code, "recovery_code": "",
                                                    "csrf_token": csrf_from(page)})
    if fake_clock is not None:
        fake_clock.advance(seconds=31)
    return response


def user_secret(client, user) -> str:
    """The user's TOTP secret, decrypted inside the app (tests play the phone)."""
    from auth.models import User
    from kernel.db import db

    with client.application.app_context():
        return db.session.get(User, user.id).totp_secret


def post(client, url: str, data: dict | None = None, page: str = "/account", **kw):
    """POST with a valid CSRF token taken from ``page``."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf(client, page)
    return client.post(url, data=payload, **kw)


def search_cases(client, query: str, *, follow: bool = True, **fields: str):
    """The case list's search by the youth's name, sent as its form sends it (POST), and
    (``follow``) the list it leads to."""
    return client.post("/cases", data={"q": query, "csrf_token": csrf(client, "/cases"),
                                       **fields}, follow_redirects=follow)


def fill_rule(rule, ids: dict[str, str]) -> str:
    """A URL rule's path with its arguments (``<id:case_id>`` or ``<case_id>``) from ``ids``."""
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids[m.group(1)], rule.rule)


def demo_client(app, username: str):
    """A client logged in as a demo persona (the demo's instance has two-factor login
    off, so the password alone)."""
    from sig.demo import DEMO_PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 302, username
    return client


def migrate_down_and_up(app, revision: str) -> None:
    """Take the test database down to ``revision`` and up to head again (a migration's
    backfill runs over the rows the test made)."""
    from alembic import command

    from sig.migrate import alembic_config

    config = alembic_config()
    with app.extensions["sig.db"].engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        command.upgrade(config, "head")


class Statements:
    """The SQL statements a block runs that contain ``needle`` (``"FROM organisations"``,
    a column's name)."""

    def __init__(self, app, needle: str) -> None:
        self.engine, self.needle, self.seen = app.extensions["sig.db"].engine, needle, []

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self.on)
        return self.seen

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self.on)

    def on(self, _conn, _cursor, statement, *_args) -> None:
        if self.needle in statement:
            self.seen.append(statement)


def account_attempts(app, user) -> int:
    """The second-factor attempts the account has taken in the current window."""
    from auth import throttle
    from auth.models import LoginThrottle
    from kernel.db import db

    with app.app_context():
        row = db.session.get(LoginThrottle, throttle._account_key(user.id))
        return row.failures if row is not None else 0


def lock_by_codes(app, user) -> None:
    """The right password, then wrong second-factor codes up to the limit: the account is
    locked (from a browser of its own)."""
    from tests.conftest import PASSWORD

    browser = app.test_client()
    browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                 "csrf_token": csrf(browser)})
    for _attempt in range(app.config["LOGIN_MAX_FAILURES"]):
        page = browser.get("/login/code").get_data(as_text=True)
        browser.post("/login/code", data={"code": "000000", "recovery_code": "",
                                          "csrf_token": csrf_from(page)})
