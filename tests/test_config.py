"""Configuration order and the refusal to start production unsafely."""
from __future__ import annotations

import os

import pytest

from kernel.crypto.keys import Keyring
from sig import create_app
from sig.config import ConfigurationError


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("SIG_INSTANCE_PATH", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("SIG_") and name != "SIG_INSTANCE_PATH":
            monkeypatch.delenv(name)
    return tmp_path


def write_config(instance, text: str) -> None:
    (instance / "config.py").write_text(text)


def test_refuses_to_start_without_secret_key(instance):
    Keyring.generate().save(str(instance / "keys.json"))
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app()


@pytest.mark.parametrize("secret", ["dev", "changeme", "short-but-not-default"])
def test_refuses_default_or_short_secret(instance, secret):
    Keyring.generate().save(str(instance / "keys.json"))
    write_config(instance, f"SECRET_KEY = {secret!r}\n")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_refuses_to_start_without_keys(instance):
    write_config(instance, "SECRET_KEY = 'x' * 48\n")
    with pytest.raises(ConfigurationError, match="sig init-instance"):
        create_app()


def test_defaults_then_instance_file_then_environment(instance, monkeypatch):
    Keyring.generate().save(str(instance / "keys.json"))
    write_config(instance, "SECRET_KEY = 'x' * 48\nSESSION_IDLE_MINUTES = 20\n"
                           "LOGIN_MAX_FAILURES = 7\n")
    monkeypatch.setenv("SIG_SESSION_IDLE_MINUTES", "10")
    app = create_app()
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12  # default
    assert app.config["LOGIN_MAX_FAILURES"] == 7  # instance/config.py
    assert app.config["SESSION_IDLE_MINUTES"] == 10  # environment wins
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance}/sig.sqlite3"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["sig.db"].engine.dispose()


def test_sqlite_has_wal_and_foreign_keys(app):
    with app.app_context():
        from sqlalchemy import text

        from kernel.db import db

        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.lock_wait_ms(1500)
def test_the_lock_wait_reaches_every_connection(app):
    """DB_LOCK_WAIT_MS is SQLite's busy timeout and PostgreSQL's lock_timeout."""
    with app.app_context():
        from sqlalchemy import text

        from kernel.db import db

        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 1500
        else:
            assert db.session.execute(text("SHOW lock_timeout")).scalar() == "1500ms"


@pytest.mark.parametrize("bad", [0, 99, "5s", True, None, 2.5])
def test_a_lock_wait_that_is_not_milliseconds_is_refused(workdir, keyring_path, bad):
    from tests.conftest import base_config

    url = "sqlite:///" + os.path.join(workdir, "lock-wait.sqlite3")
    with pytest.raises(ConfigurationError, match="DB_LOCK_WAIT_MS"):
        create_app({**base_config(workdir, keyring_path, url), "DB_LOCK_WAIT_MS": bad})
