"""Configuration: defaults, then ``instance/config.py``, then ``SIG_*`` environment variables.

Outside debug and testing the app refuses to start without a strong
``SECRET_KEY`` and the encryption keys; the message says what to do.
"""
from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask

# The checkout: templates, migrations and the default instance folder are found from it.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN_SECRET_KEY_LENGTH = 32
KNOWN_WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test"}


class ConfigurationError(RuntimeError):
    """The deployment is not safe to start; the message says how to fix it."""


DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    # Relative SQLite paths are resolved inside the instance folder.
    "DATABASE_URL": "sqlite:///sig.sqlite3",
    "KEYRING_PATH": "keys.json",
    "MFA_REQUIRED": True,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_LOCKOUT_MINUTES": 15,
    # Failed logins from one client address (any usernames) before the address is refused
    # every login for LOGIN_LOCKOUT_MINUTES (auth/throttle.py).
    "LOGIN_ADDRESS_MAX_FAILURES": 30,
    "PASSWORD_MIN_LENGTH": 12,
    "BABEL_DEFAULT_LOCALE": "sv",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
    "LANGUAGES": ["sv", "en"],
    "SESSION_COOKIE_NAME": "sig_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
    "AUDIT_PAGE_SIZE": 50,
    # The most entries one CSV export holds (a bigger selection is refused with a message
    # to narrow it: the file is built in memory, within the request's time).
    "AUDIT_EXPORT_MAX_ROWS": 20_000,
    # The monthly log review: office hours (local time, weekdays), how many different
    # cases in one day make a user worth a look, and how many reads the sample draws.
    "AUDIT_OFFICE_HOURS": (7, 18),
    "AUDIT_MANY_CASES_PER_DAY": 10,
    "AUDIT_REVIEW_SAMPLE": 10,
    # Retention (sig.retention): years after a closed case's last entry (SoL 12:1), and
    # the birth days whose youths are kept for research (SoF 7:2) where the municipality
    # has decided so, e.g. (5, 15, 25).
    "RETENTION_YEARS": 5,
    # The accessibility statement (/accessibility): where a user reports a problem (an
    # e-mail address of the municipality), and when the service was last assessed.
    "ACCESSIBILITY_CONTACT": "tillganglighet@kommunen.example",
    "ACCESSIBILITY_ASSESSED": "2026-12-06",
    "RETENTION_RESEARCH_BIRTH_DAYS": (),
    "CASE_LIST_PAGE_SIZE": 25,
    # For how many days after recording a closing the owner may undo it; after that a
    # new episode (a new case) is opened instead.
    "CASE_REOPEN_DAYS": 30,
    # Reverse proxies in front of the app servers (nginx: 1): their X-Forwarded-For and
    # -Proto are then believed, so the login throttle sees the client's address and HSTS
    # knows the request came over HTTPS.  0: no proxy, nothing forwarded is believed.
    "PROXIES": 0,
    # Where `sig audit anchor` appends the audit head (relative: in the instance folder);
    # keep it on other storage than the database.  Empty: anchoring is off.
    "AUDIT_ANCHOR_FILE": "audit-anchors.log",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Counts below this are shown as "<5"; it may be raised, never lowered (DESIGN §7).
    "STATISTICS_MIN_CELL": 5,
    # Lookups in the youth register by personal identity number, per user and hour.
    "YOUTH_LOOKUPS_PER_HOUR": 30,
    # E-mail (kernel.mail): written to an outbox with the change, sent by `sig mail send`
    # on a timer.  The links in e-mails start with PUBLIC_URL (the address users open).
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_STARTTLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "SIG <sig-noreply@kommunen.example>",
    "MAIL_MAX_ATTEMPTS": 12,
    # Sent and given-up messages are deleted from the outbox after this many days.
    "MAIL_KEEP_DAYS": 30,
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # How long an invitation's calendar entry lasts (meetings have a start time only).
    "MEETING_MINUTES": 90,
    # The largest document that can be added to a case.
    "DOCUMENT_MAX_BYTES": 10 * 1024 * 1024,
    # At most one change notice per person and case in this many hours.
    "CHANGE_NOTICE_HOURS": 12,
    # How long a statement waits for a lock another transaction holds (a maintenance job, a
    # stuck session) before the request is answered 503: SQLite's busy timeout, PostgreSQL's
    # lock_timeout.  Milliseconds, at least 100.
    "DB_LOCK_WAIT_MS": 5000,
}


def _parse_env_value(raw: str) -> Any:
    """Environment values are JSON where they parse as JSON (true, 30, [..]), else strings."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for name, raw in os.environ.items():
            if name.startswith("SIG_") and name != "SIG_TEST_DB":
                app.config[name[4:]] = _parse_env_value(raw)
    else:
        app.config.from_mapping(test_config)
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(
            app.instance_path, url.removeprefix("sqlite:///")
        )
    for name in ("KEYRING_PATH", "AUDIT_ANCHOR_FILE"):
        value = app.config.get(name)
        if value and not os.path.isabs(value):
            app.config[name] = os.path.join(app.instance_path, value)
    _check_statistics_threshold(app)
    _check_lock_wait(app)
    if app.debug or app.testing:
        # Local development over plain http: a Secure cookie would never be sent back.
        app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("FORCE_SECURE_COOKIE"))


def _check_statistics_threshold(app: Flask) -> None:
    """Small counts are hidden below 5 at least; a deployment may only be stricter."""
    value = app.config["STATISTICS_MIN_CELL"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 5:
        raise ConfigurationError(
            f"STATISTICS_MIN_CELL is {value!r}: it must be a whole number of at least 5 "
            "(counts below it are shown as \"<N\"; it may be raised, never lowered).")


def _check_lock_wait(app: Flask) -> None:
    value = app.config["DB_LOCK_WAIT_MS"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 100:
        raise ConfigurationError(
            f"DB_LOCK_WAIT_MS is {value!r}: it must be a whole number of milliseconds, at "
            "least 100 (how long a statement waits for a lock before the request is "
            "answered 503).")


def check_production_safety(app: Flask) -> None:
    """Refuse to start a deployment with a weak secret or without keys.

    :raises ConfigurationError: with instructions, outside debug and testing.
    """
    if app.debug or app.testing:
        return
    secret = app.config.get("SECRET_KEY")
    if not secret:
        raise ConfigurationError(
            "SECRET_KEY is not set. Run `sig init-instance` to generate instance/config.py, "
            "or set SIG_SECRET_KEY to a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters."
        )
    if str(secret).lower() in KNOWN_WEAK_SECRETS or len(str(secret)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY is a default or shorter than {MIN_SECRET_KEY_LENGTH} characters. "
            "Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    if not os.path.exists(app.config["KEYRING_PATH"]):
        raise ConfigurationError(
            f"The encryption keys are missing ({app.config['KEYRING_PATH']}). "
            "Run `sig init-instance` once to generate them, or restore them from your key backup; "
            "without them no personal data can be read."
        )
