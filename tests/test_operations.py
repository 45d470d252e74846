"""What an operator needs: health and readiness for the load balancer (and, below,
backup, restore and the anchored audit head)."""
from __future__ import annotations

from sqlalchemy import func, select

from auth.models import WebSession
from kernel.audit.models import AuditEntry
from kernel.db import db


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(WebSession)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_health_and_readiness_answer_without_session_or_log(app):
    client = app.test_client()
    before = _counts(app)
    alive = client.get("/healthz")
    ready = client.get("/readyz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "alive"}
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready"}
    for response in (alive, ready):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert _counts(app) == before


def test_not_ready_without_the_key_file(app, tmp_path):
    app.config["KEYRING_PATH"] = str(tmp_path / "missing-keys.json")
    app.extensions.pop("sig.keyring", None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "failed": ["keys"]}
    assert "missing-keys" not in response.get_data(as_text=True)


def test_not_ready_when_the_schema_is_behind(app):
    app.extensions["sig.migration_head"] = "9999"  # as if the code were newer than the schema
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["failed"] == ["schema"]


# --- backup and restore ------------------------------------------------------------------------

import json  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from kernel.audit import AuditEvent, record  # noqa: E402
from kernel.crypto.keys import Keyring  # noqa: E402
from sig.youths.models import Youth  # noqa: E402
from tests.test_crypto import own_app  # noqa: E402
from tests.worlds import case_with_every_record  # noqa: E402


def _manifest(target: str) -> dict:
    with open(os.path.join(target, "manifest.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _new_instance(request, tmp_path, database_url):
    """A second installation on the same backend: an empty database, its own key file."""
    keys = str(tmp_path / "new-keys.json")
    Keyring.generate().save(keys)
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path / "restored.sqlite3")
    else:
        url = request.getfixturevalue("postgres").create_database(
            f"sig_restored_{os.getpid()}_{len(os.listdir(tmp_path))}")
    return url, keys


def test_a_backup_taken_during_writes_restores_with_every_acknowledged_write(
        app, request, personas, orgs, tmp_path, workdir, keyring_path, database_url):
    with app.app_context():
        ids = case_with_every_record(personas, orgs)
        youth_name = db.session.get(Youth, ids["youth_id"]).name
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer():  # another app server appending to the access log meanwhile
        with app.app_context():
            while not stop.is_set():
                entry = record(AuditEvent.CASE_VIEWED, target_type="case",
                               target_ref=ids["case_id"], details={"page": "writer"})
                db.session.commit()
                acknowledged.append(entry.seq)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 5:
            assert time.monotonic() < deadline, "the writer wrote nothing"
            threading.Event().wait(0.01)
        before_backup = acknowledged[-1]
        target = str(tmp_path / "backup")
        result = _cli(app, "backup", "--to", target)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output and youth_name not in result.output
    manifest = _manifest(target)
    assert manifest["audit_head"]["seq"] >= before_backup
    assert manifest["encrypted_values"] > 0
    assert oct(os.stat(target).st_mode & 0o777) == "0o700"
    assert oct(os.stat(os.path.join(target, "keys.json")).st_mode & 0o777) == "0o600"

    url, keys = _new_instance(request, tmp_path, database_url)
    with own_app(workdir, keys, url) as restored:
        restored.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "anchors.log")
        result = _cli(restored, "restore", target, "--replace")
        assert result.exit_code == 0, result.output
        assert " restored " in (tmp_path / "anchors.log").read_text()
        with restored.app_context():  # the restored instance reads its data
            assert db.session.get(Youth, ids["youth_id"]).name == youth_name
        verified = _cli(restored, "audit", "verify")
        assert verified.exit_code == 0 and "chain intact" in verified.output


def test_a_restore_without_the_keys_is_refused_and_names_them(
        app, request, personas, orgs, tmp_path, workdir, database_url):
    with app.app_context():
        case_with_every_record(personas, orgs)
    target = str(tmp_path / "backup")
    assert _cli(app, "backup", "--to", target).exit_code == 0
    manifest = _manifest(target)
    os.remove(os.path.join(target, "keys.json"))  # stored apart, then lost
    url, keys = _new_instance(request, tmp_path, database_url)
    with own_app(workdir, keys, url) as other:
        result = _cli(other, "restore", target, "--replace")
    assert result.exit_code != 0
    assert "refused" in result.output and manifest["key_ids"][0] in result.output


def test_a_changed_backup_is_refused(app, personas, orgs, tmp_path):
    target = str(tmp_path / "backup")
    assert _cli(app, "backup", "--to", target).exit_code == 0
    manifest = _manifest(target)
    data = next(name for name in manifest["files"] if name.startswith("database"))
    with open(os.path.join(target, data), "ab") as handle:
        handle.write(b"tampered")
    result = _cli(app, "restore", target, "--replace")
    assert result.exit_code != 0 and "changed since the backup" in result.output


def test_a_backup_never_overwrites(app, tmp_path):
    target = tmp_path / "backup"
    target.mkdir()
    result = _cli(app, "backup", "--to", str(target))
    assert result.exit_code != 0 and "exists already" in result.output


# --- the audit head anchored outside the database ------------------------------------------------


def test_a_rewound_log_is_reported_against_the_anchored_head(app, sara, tmp_path):
    from sqlalchemy import delete, update

    from kernel.audit.models import AuditHead

    app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "anchors.log")
    with app.app_context():
        for n in range(6):
            record(AuditEvent.CASE_LISTED, actor=sara, details={"cases": n})
        db.session.commit()
    assert _cli(app, "audit", "verify").output.count("anchored") == 0  # nothing anchored yet
    anchored = _cli(app, "audit", "anchor")
    assert anchored.exit_code == 0 and " anchor 6:" in anchored.output
    assert oct(os.stat(tmp_path / "anchors.log").st_mode & 0o777) == "0o600"
    ok = _cli(app, "audit", "verify")
    assert ok.exit_code == 0 and "anchored head 6" in ok.output
    # the last three entries go, and the head row is set back: the chain itself is intact
    with app.app_context():
        kept = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq > 3))
        db.session.execute(update(AuditHead).values(seq=3, hash=kept.hash))
        db.session.commit()
    assert _cli(app, "audit", "verify", "--expect", f"3:{kept.hash}").exit_code == 0
    rewound = _cli(app, "audit", "verify")
    assert rewound.exit_code == 1 and "BROKEN" in rewound.output


def test_behind_a_proxy_the_throttle_sees_the_clients_address(app, sara, fake_clock):
    from sig import create_app
    from tests.conftest import base_config

    proxied = create_app({**base_config(app.config["INSTANCE_PATH"],
                                        app.config["KEYRING_PATH"],
                                        app.config["DATABASE_URL"]),
                          "PROXIES": 1, "LOGIN_ADDRESS_MAX_FAILURES": 3})
    try:
        bot = proxied.test_client()
        from tests.helpers import csrf

        token = csrf(bot)
        codes = [bot.post("/login", data={"username": "x", "password": "y" * 12,
                                          "csrf_token": token},
                          headers={"X-Forwarded-For": "192.0.2.44"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        import datetime as dt

        from kernel import clock

        ends = clock.local_moment(clock.now() + dt.timedelta(
            minutes=proxied.config["LOGIN_LOCKOUT_MINUTES"])).strftime("%H:%M")
        refused = bot.post("/login", data={"username": "x", "password": "y" * 12,
                                           "csrf_token": token},
                           headers={"X-Forwarded-For": "192.0.2.44"})
        assert f"Försök igen efter kl. {ends}." in refused.get_data(as_text=True)
        # another client behind the same proxy is not refused
        other = proxied.test_client()
        response = other.post("/login", data={"username": "x", "password": "y" * 12,
                                              "csrf_token": csrf(other)},
                              headers={"X-Forwarded-For": "192.0.2.45"})
        assert response.status_code == 200
    finally:
        proxied.extensions["sig.db"].engine.dispose()


def test_a_backup_that_does_not_verify_leaves_nothing_behind(app, personas, orgs, tmp_path):
    """With a key file that does not fit the database, the copy does not verify: the
    command fails, says why, and no half backup (nor a stray key file) stays."""
    with app.app_context():
        case_with_every_record(personas, orgs)
    wrong = str(tmp_path / "other-keys.json")
    Keyring.generate().save(wrong)
    app.config["KEYRING_PATH"] = wrong
    app.extensions.pop("sig.keyring", None)
    target = tmp_path / "backup"
    result = _cli(app, "backup", "--to", str(target))
    assert result.exit_code != 0 and "does not hold" in result.output
    assert not target.exists()
