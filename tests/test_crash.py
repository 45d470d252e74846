"""``kill -9`` of the whole app server while it writes loses no acknowledged write, and the
access log is intact afterwards (SQLite in WAL mode, as the demo and small installations
run; PostgreSQL's durability is its own)."""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time

from sqlalchemy import func, select

from kernel.audit.models import AuditEntry
from kernel.crypto.keys import Keyring
from kernel.db import db
from sig import create_app
from tests.test_two_servers import VENV_BIN, Browser, _free_port


def _serve(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [os.path.join(VENV_BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "sig:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)  # its own process group: the kill takes every worker
    for _ in range(200):
        try:
            if Browser().request(f"http://127.0.0.1:{port}/readyz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the app server did not become ready")


def test_kill_9_during_writes_loses_no_acknowledged_write(tmp_path):
    keys = str(tmp_path / "keys.json")
    Keyring.generate().save(keys)
    url = "sqlite:///" + str(tmp_path / "crash.sqlite3")
    env = {**os.environ, "SIG_INSTANCE_PATH": str(tmp_path), "SIG_DATABASE_URL": url,
           "SIG_KEYRING_PATH": keys, "SIG_SECRET_KEY": "k" * 48,
           "SIG_SESSION_COOKIE_SECURE": "false", "SIG_LOGIN_ADDRESS_MAX_FAILURES": "100000",
           "SIG_AUDIT_ANCHOR_FILE": ""}
    setup = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": url,
                        "KEYRING_PATH": keys, "INSTANCE_PATH": str(tmp_path)})
    with setup.app_context():
        from sig.migrate import upgrade

        upgrade()
    setup.extensions["sig.db"].engine.dispose()
    port = _free_port()
    server = _serve(env, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def write(n: int) -> None:  # each failed login is one committed access-log entry
        browser = Browser()
        base = f"http://127.0.0.1:{port}"
        try:
            token = browser.token(base + "/login")
            i = 0
            while not stop.is_set():
                status, _ = browser.request(base + "/login", {
                    "username": f"skrivare-{n}-{i}", "password": "x" * 12,
                    "csrf_token": token})
                if status == 200:
                    acknowledged.append(f"{n}-{i}")
                i += 1
        except (OSError, http.client.HTTPException):
            pass  # the server is gone (mid-answer, too): that write was not acknowledged

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40:
            assert time.monotonic() < deadline, "the server acknowledged no writes"
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    count = len(acknowledged)
    restarted = _serve(env, port)  # the server comes back on the same files
    try:
        verify = subprocess.run([os.path.join(VENV_BIN, "sig"), "audit", "verify"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        check = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": url,
                            "KEYRING_PATH": keys, "INSTANCE_PATH": str(tmp_path)})
        with check.app_context():
            stored = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.event == "login_failed"))
        check.extensions["sig.db"].engine.dispose()
        assert stored >= count > 0
    finally:
        os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(timeout=20)
