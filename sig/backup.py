"""Backup and restore of one installation: the database, the key file it needs, and a
manifest that says what the copy holds — each verified before it is called good.

A backup is a directory (0700) with

* ``database.sqlite3`` — an online copy through SQLite's backup API (one consistent
  snapshot while the app writes; a plain ``cp`` of a WAL database can miss committed
  writes that are still in the ``-wal`` file), or ``database.pgdump`` — ``pg_dump -Fc``
  (one snapshot of a PostgreSQL database);
* ``keys.json`` (0600) — the key file as it was: after ``sig keys retire`` an older
  backup can only be read with its own keys, so it carries them;
* ``manifest.json`` — when, which backend and schema revision, the audit head of the copy,
  how many encrypted values it holds and under which key ids, and a SHA-256 per file.

Before ``backup`` reports success it opens the copy (PostgreSQL: restores it into a
scratch database) and checks: the database's integrity, the whole audit chain against
the bundled key file, and that every encrypted value decrypts with the bundled keys.

``restore`` checks the files against the manifest, refuses a backup whose values are
under keys that neither it nor the instance's key file holds (and names them), puts the
database and the key file in place (the ones there are kept beside, renamed), verifies
the result the same way and records the restore in the restored access log.
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from kernel import clock
from kernel.audit.models import AuditHead
from kernel.audit.verify import verify_chain
from kernel.crypto import cipher
from kernel.crypto.fields import REGISTRY
from kernel.crypto.keys import Keyring

FORMAT = 1
MANIFEST = "manifest.json"
KEYS = "keys.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(RuntimeError):
    """The backup or restore cannot be made or trusted; the message says why."""


@dataclass
class Check:
    """What the verification of a copy found."""

    audit_entries: int
    audit_head: tuple[int, str]
    encrypted_values: int
    key_ids: list[str] = field(default_factory=list)


# --- where the database is -----------------------------------------------------------------


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"unsupported database backend {name!r}")
    return name


def sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise BackupError(f"{name} was not found (Debian: apt-get install postgresql-client)")
    return found


def _run(*args: str) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True)  # noqa: S603 - our tools, our paths
    if done.returncode != 0:
        raise BackupError(f"{os.path.basename(args[0])} failed: {done.stderr.strip()[-500:]}")


# --- verification ----------------------------------------------------------------------------


def _encrypted_columns() -> Iterator[tuple[str, object, object]]:
    for model, attr_name in REGISTRY:
        field_ = model.__dict__[attr_name]
        column = getattr(model, field_.column_attr).property.columns[0]
        yield field_.place(model), column.table, column


def verify(engine: Engine, keyring: Keyring) -> Check:
    """Integrity (SQLite), the audit chain and every encrypted value, with ``keyring``."""
    from sig.migrate import import_models

    import_models()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            result = connection.execute(text("PRAGMA integrity_check")).scalar()
        if result != "ok":
            raise BackupError(f"the database copy is damaged: {result}")
    with Session(engine) as session:
        verdict = verify_chain(session, keyring.audit_key)
        if not verdict.ok:
            raise BackupError(f"the access log of the copy is broken: {verdict.message()}")
        head = session.get(AuditHead, 1)
        values, key_ids = 0, set()
        for place, table, column in _encrypted_columns():
            rows = session.execute(select(table.c.id, column).where(column.is_not(None)))
            for row_id, blob in rows:
                key_id = cipher.key_id_of(blob)
                if key_id not in keyring.data_keys:
                    raise BackupError(f"a value in {place} is encrypted under key {key_id}, "
                                      "which the key file does not hold")
                try:
                    cipher.decrypt(keyring, place, row_id, blob)
                except Exception as exc:  # noqa: BLE001 - any failure: not readable
                    raise BackupError(f"a value in {place} does not decrypt "
                                      f"({type(exc).__name__})") from None
                values += 1
                key_ids.add(key_id)
    return Check(verdict.checked, (head.seq, head.hash) if head else (0, ""), values,
                 sorted(key_ids))


@contextmanager
def _scratch_postgres(url: str, dump: str) -> Iterator[Engine]:
    """The dump restored into a scratch database on the same server, dropped after."""
    name = f"sig_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        raise BackupError("cannot verify: no scratch database could be created on the "
                          f"server ({type(exc).__name__}); the role needs CREATEDB") from None
    scratch_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(scratch_url)
    try:
        _run(pg_tool("pg_restore"), "--no-owner", "--exit-on-error",
             "-d", libpq_url(scratch_url), dump)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- backup ----------------------------------------------------------------------------------


def _revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def make_backup(url: str, key_file: str, target: str) -> dict:
    """Copy the database at ``url`` and ``key_file`` into the new directory ``target``,
    verify the copy and write the manifest; returns the manifest."""
    backend = backend_of(url)
    if os.path.exists(target):
        raise BackupError(f"{target} exists already; a backup goes into a new directory")
    os.makedirs(target, mode=0o700)
    try:
        return _fill(backend, url, key_file, target)
    except BaseException:
        # A backup that could not be verified is no backup: nothing half-made (and no
        # stray copy of the key file) stays behind.
        shutil.rmtree(target, ignore_errors=True)
        raise


def _fill(backend: str, url: str, key_file: str, target: str) -> dict:
    keyring = Keyring.load(key_file)
    keys_copy = os.path.join(target, KEYS)
    shutil.copyfile(key_file, keys_copy)
    os.chmod(keys_copy, 0o600)
    if backend == "sqlite":
        copy = os.path.join(target, SQLITE_FILE)
        source = sqlite3.connect(sqlite_path(url))
        destination = sqlite3.connect(copy)
        try:
            with destination:
                source.backup(destination)  # one step: one consistent snapshot
        finally:
            destination.close()
            source.close()
        os.chmod(copy, 0o600)
        engine = create_engine(f"sqlite:///{copy}")
        try:
            check = verify(engine, keyring)
            revision = _revision(engine)
        finally:
            engine.dispose()
        files = [SQLITE_FILE, KEYS]
    else:
        copy = os.path.join(target, PG_FILE)
        _run(pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", copy, libpq_url(url))
        os.chmod(copy, 0o600)
        with _scratch_postgres(url, copy) as engine:
            check = verify(engine, keyring)
            revision = _revision(engine)
        files = [PG_FILE, KEYS]
    manifest = {
        "format": FORMAT, "created_at": clock.now().isoformat(), "backend": backend,
        "schema_revision": revision,
        "audit_head": {"seq": check.audit_head[0], "hash": check.audit_head[1]},
        "audit_entries": check.audit_entries, "encrypted_values": check.encrypted_values,
        "key_ids": check.key_ids,
        "files": {name: _sha256(os.path.join(target, name)) for name in files},
    }
    path = os.path.join(target, MANIFEST)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
    os.chmod(path, 0o600)
    return manifest


# --- restore ---------------------------------------------------------------------------------


def read_manifest(source: str) -> dict:
    try:
        with open(os.path.join(source, MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        raise BackupError(f"{source} holds no readable {MANIFEST}; is it a SIG backup?") \
            from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if name == KEYS and not os.path.exists(os.path.join(source, name)):
            continue  # a backup stored without its keys: the instance's must do
        path = os.path.join(source, name)
        if not os.path.exists(path) or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or changed since the backup was made")
    return manifest


def keys_for(source: str, manifest: dict, instance_key_file: str) -> tuple[Keyring, str]:
    """The key file to restore with: the backup's own, else the instance's — refused,
    naming them, when the values' keys are in neither."""
    candidates = [os.path.join(source, KEYS), instance_key_file]
    needed = set(manifest["key_ids"])
    for path in candidates:
        if os.path.exists(path):
            keyring = Keyring.load(path)
            if needed <= set(keyring.data_keys):
                return keyring, path
    missing = sorted(needed - set().union(*(
        Keyring.load(p).data_keys for p in candidates if os.path.exists(p))))
    raise BackupError("refused: the backup's values are encrypted under key(s) "
                      f"{', '.join(missing or sorted(needed))}, which neither the backup nor "
                      f"{instance_key_file} holds")


def _set_aside(path: str, stamp: str) -> str | None:
    if not os.path.exists(path):
        return None
    aside = f"{path}.before-restore-{stamp}"
    os.replace(path, aside)
    return aside


def restore(source: str, url: str, key_file: str, *, replace: bool) -> tuple[dict, Check]:
    """Put the backup in ``source`` in place for the installation at ``url``/``key_file``."""
    manifest = read_manifest(source)
    backend = backend_of(url)
    if manifest["backend"] != backend:
        raise BackupError(f"the backup is of a {manifest['backend']} database; this "
                          f"installation uses {backend}")
    keyring, keys_from = keys_for(source, manifest, key_file)
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    if backend == "sqlite":
        path = sqlite_path(url)
        if os.path.exists(path) and not replace:
            raise BackupError(f"{path} exists; stop the app servers and pass --replace "
                              "to restore over it (it is kept beside, renamed)")
        for suffix in ("-wal", "-shm"):
            _set_aside(path + suffix, stamp)
        _set_aside(path, stamp)
        shutil.copyfile(os.path.join(source, SQLITE_FILE), path)
        os.chmod(path, 0o600)
    else:
        if not replace:
            raise BackupError("restoring replaces the database's contents; stop the app "
                              "servers and pass --replace")
        _run(pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
             "--exit-on-error", "-d", libpq_url(url), os.path.join(source, PG_FILE))
    if os.path.abspath(keys_from) != os.path.abspath(key_file):
        _set_aside(key_file, stamp)
        shutil.copyfile(keys_from, key_file)
        os.chmod(key_file, 0o600)
    engine = create_engine(url)
    try:
        check = verify(engine, keyring)
    finally:
        engine.dispose()
    if check.audit_head[0] != manifest["audit_head"]["seq"]:
        raise BackupError("the restored access log does not end where the backup's did")
    return manifest, check


def default_target(instance_path: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(instance_path, "backups", f"sig-backup-{stamp}")
