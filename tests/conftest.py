"""Fixtures: a real SQLite file and a real PostgreSQL server, the app on each,
a controllable clock, and one fixture per persona (Fred included).

Every test that takes ``app`` runs on both databases; ``SIG_TEST_DB=sqlite`` (or
``postgresql``) limits a local run to one.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pyotp
import pytest
from jinja2 import BytecodeCache
from sqlalchemy import delete, insert

from auth import passwords
from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from kernel import clock
from kernel.audit.chain import GENESIS
from kernel.audit.models import AuditHead
from kernel.crypto.keys import Keyring
from kernel.db import Base, db
from sig import create_app
from tests.pg_server import PostgresServer
from tests.smtp_server import SmtpServer

PASSWORD = "korrekt-häst-batteri-häfta"
# Reference data the migrations seed (the statutory provisions) stays between tests.
KEEP_BETWEEN_TESTS = {"statutory_rules", "reference_stamp"}
BACKENDS = [b for b in ("sqlite", "postgresql")
            if os.environ.get("SIG_TEST_DB", b) == b]


class FakeClock:
    """Time that moves only when a test says so.  It starts on today's date in Stockholm
    at 11:00 UTC (noon or one o'clock there): the UTC date and the local date are the
    same, so a test that takes "today" from either agrees with the app (which keeps
    Stockholm dates), whatever the hour the suite runs at."""

    def __init__(self) -> None:
        local = dt.datetime.now(ZoneInfo(clock.DEFAULT_ZONE)).date()
        self.current = dt.datetime.combine(local, dt.time(11), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's fixture of this name, which keeps one request context
    open for the whole test: every request would then share one ``g`` (and so one
    database session and Flask-Login's cached user), unlike real requests."""


@pytest.fixture
def client(app):
    """A test client that, unlike pytest-flask's, does not keep the last request's
    context open (``with client:``), which would share ``g`` with the next request."""
    return app.test_client()


@pytest.fixture(autouse=True)
def fake_clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    clock.set_override(fake)
    yield fake
    clock.set_override(None)


@pytest.fixture(scope="session")
def workdir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="sig-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def keyring_path(workdir: str) -> str:
    path = os.path.join(workdir, "keys.json")
    Keyring.generate().save(path)
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 for the whole session."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(app, smtp_server):
    """The app's mail goes to the suite's SMTP server; its inbox starts empty."""
    smtp_server.inbox.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_STARTTLS=False)
    return smtp_server


def base_config(workdir: str, keyring_path: str, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": url,
        "INSTANCE_PATH": workdir,
        "KEYRING_PATH": keyring_path,
        "MFA_REQUIRED": True,
        "AUDIT_ANCHOR_FILE": "",  # a test that anchors names its own file
    }


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, workdir: str, keyring_path: str) -> str:
    """One migrated database per backend for the whole session."""
    if request.param == "sqlite":
        url = "sqlite:///" + os.path.join(workdir, "sig-test.sqlite3")
    else:
        url = request.getfixturevalue("postgres").create_database("sig_test")
    app = create_app(base_config(workdir, keyring_path, url))
    with app.app_context():
        from sig.migrate import upgrade

        upgrade()
    app.extensions["sig.db"].engine.dispose()
    return url


class _SharedTemplates(BytecodeCache):
    """Every test builds its own app; its templates are compiled once for the session
    (Jinja checks each source against what was compiled, so a changed file recompiles)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _SharedTemplates()


@pytest.fixture
def app(request, database_url: str, workdir: str, keyring_path: str):
    config = base_config(workdir, keyring_path, database_url)
    short_wait = request.node.get_closest_marker("lock_wait_ms")
    if short_wait is not None:  # a test that holds a lock on purpose waits less for it
        config["DB_LOCK_WAIT_MS"] = short_wait.args[0]
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATES
    yield app
    with app.app_context():
        session = db.session
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_BETWEEN_TESTS:
                session.execute(delete(table))
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
        session.commit()
    app.extensions["sig.db"].engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


# --- organisations and personas -------------------------------------------------------------

_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = passwords.hash_password(password)
    return _HASHES[password]


@pytest.fixture
def orgs(app) -> dict[str, Organisation]:
    specs = {
        "social": ("Socialtjänsten Testkommun", OrganisationKind.SOCIAL_SERVICES),
        "police": ("Polisen Testområde", OrganisationKind.POLICE),
        "school": ("Testskolan", OrganisationKind.SCHOOL),
        "leisure": ("Fritid Testkommun", OrganisationKind.OTHER),
        "it": ("Kommunens IT", OrganisationKind.OTHER),
    }
    with app.app_context():
        made = {}
        for key, (name, kind) in specs.items():
            org = Organisation(name=name, kind=str(kind))
            db.session.add(org)
            made[key] = org
        db.session.commit()
        return made


@pytest.fixture
def make_user(app, orgs):
    """Factory: a user with a known password and, unless ``mfa=False``, an enrolled TOTP secret."""

    def make(username: str, org: str, role: Role, *, mfa: bool = True,
             password: str = PASSWORD, name: str | None = None) -> User:
        with app.app_context():
            user = User(username=username, organisation_id=orgs[org].id, role=str(role),
                        password_hash=_hash(password), password_changed_at=clock.now(),
                        must_change_password=False, active=True, locale="sv")
            user.display_name = name or username.capitalize() + " Testsson"
            if mfa:
                user.totp_secret = pyotp.random_base32()
                user.totp_enabled_at = clock.now()
            db.session.add(user)
            db.session.commit()
            return user

    return make


@pytest.fixture
def sara(make_user) -> User:
    return make_user("sara", "social", Role.CASE_OWNER)


@pytest.fixture
def per(make_user) -> User:
    return make_user("per", "police", Role.MEMBER)


@pytest.fixture
def kim(make_user) -> User:
    return make_user("kim", "school", Role.MEMBER)


@pytest.fixture
def lo(make_user) -> User:
    return make_user("lo", "leisure", Role.MEMBER)


@pytest.fixture
def maria(make_user) -> User:
    return make_user("maria", "social", Role.MANAGER)


@pytest.fixture
def ali(make_user) -> User:
    return make_user("ali", "it", Role.ADMIN)


@pytest.fixture
def eva(make_user) -> User:
    return make_user("eva", "social", Role.AUDITOR)


@pytest.fixture
def fred(make_user) -> User:
    """The curious police officer from other groups: every access test includes him."""
    return make_user("fred", "police", Role.MEMBER)


@pytest.fixture
def personas(sara, per, kim, lo, maria, ali, eva, fred) -> dict[str, User]:
    return {u.username: u for u in (sara, per, kim, lo, maria, ali, eva, fred)}
