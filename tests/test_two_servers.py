"""Two app servers (gunicorn, two workers each) on the suite's PostgreSQL, as a
municipality runs them behind a load balancer: a session started on one works on the
other, a logout on one ends it on both, a key rotation reaches both, and concurrent writes
through both keep the access log gapless and verifiable."""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from auth import passwords
from auth.models import Organisation, User
from auth.roles import OrganisationKind, Role
from kernel import clock
from kernel.crypto import cipher
from kernel.crypto.keys import Keyring
from kernel.db import db
from sig import create_app
from sig.youths.models import Youth
from tests.case_helpers import valid_pnr

pytestmark = pytest.mark.skipif(os.environ.get("SIG_TEST_DB") == "sqlite",
                                reason="the suite was asked for SQLite only")

VENV_BIN = os.path.dirname(sys.executable)
PASSWORD = "Ett långt lösenord för två servrar"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: one cookie jar for both servers (cookies ignore the port)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def token(self, url: str) -> str:
        _status, page = self.request(url)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def login(self, server: str, username: str) -> int:
        token = self.token(server + "/login")
        status, _ = self.request(server + "/login", {"username": username,
                                                     "password": PASSWORD,
                                                     "csrf_token": token})
        return status


@pytest.fixture(scope="module")
def installation(postgres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    keys = str(folder / "keys.json")
    Keyring.generate().save(keys)
    url = postgres.create_database("sig_two_servers")
    env = {**os.environ, "SIG_INSTANCE_PATH": str(folder), "SIG_DATABASE_URL": url,
           "SIG_KEYRING_PATH": keys, "SIG_SECRET_KEY": secrets.token_urlsafe(48),
           "SIG_MFA_REQUIRED": "false", "SIG_SESSION_COOKIE_SECURE": "false",
           "SIG_LOGIN_ADDRESS_MAX_FAILURES": "100000", "SIG_AUDIT_ANCHOR_FILE": ""}
    env.pop("SIG_TEST_DB", None)
    setup = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "DATABASE_URL": url,
                        "KEYRING_PATH": keys, "INSTANCE_PATH": str(folder)})
    with setup.app_context():
        from sig.migrate import upgrade

        upgrade()
        org = Organisation(name="Socialtjänsten", kind=str(OrganisationKind.SOCIAL_SERVICES))
        db.session.add(org)
        db.session.flush()
        user = User(username="sara", organisation_id=org.id, role=str(Role.CASE_OWNER),
                    password_hash=passwords.hash_password(PASSWORD),
                    password_changed_at=clock.now(), must_change_password=False,
                    active=True, locale="sv")
        user.display_name = "Sara Tvåserver"
        db.session.add(user)
        manager = User(username="maja", organisation_id=org.id, role=str(Role.MANAGER),
                       password_hash=user.password_hash, password_changed_at=clock.now(),
                       must_change_password=False, active=True, locale="sv")
        manager.display_name = "Maja Chef"
        db.session.add(manager)
        db.session.commit()
    setup.extensions["sig.db"].engine.dispose()
    servers, processes = [], []
    for _ in range(2):
        port = _free_port()
        processes.append(subprocess.Popen(
            [os.path.join(VENV_BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "sig:create_app()"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        servers.append(f"http://127.0.0.1:{port}")
    try:
        for server, process in zip(servers, processes, strict=True):
            for _ in range(200):
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()[-2000:])
                try:
                    if Browser().request(server + "/readyz")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.05)
            else:
                raise RuntimeError(f"{server} did not become ready")
        yield {"servers": servers, "env": env, "url": url, "keys": keys, "folder": folder,
               "masters": [process.pid for process in processes]}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
            process.stderr.close()


def _sig(installation, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(VENV_BIN, "sig"), *args], env=installation["env"],
                          capture_output=True, text=True, timeout=120)


def test_a_session_started_on_one_server_works_on_the_other_and_ends_on_both(installation):
    one, two = installation["servers"]
    browser = Browser()
    assert browser.login(one, "sara") == 302
    assert browser.request(two + "/start")[0] == 200
    token = browser.token(two + "/account")
    assert browser.request(one + "/logout", {"csrf_token": token})[0] == 302
    for server in (one, two):
        status, _page = browser.request(server + "/start")
        assert status == 302, server


def test_concurrent_writes_through_both_keep_the_log_gapless(installation):
    servers = installation["servers"]
    failures: list[int] = []

    def attempts(server: str, n: int) -> None:
        browser = Browser()
        token = browser.token(server + "/login")
        for i in range(n):
            status, _ = browser.request(server + "/login", {
                "username": f"okand-{threading.get_ident()}-{i}", "password": "fel" * 5,
                "csrf_token": token})
            failures.append(status)

    threads = [threading.Thread(target=attempts, args=(servers[i % 2], 15)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures.count(200) == 90
    result = _sig(installation, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact" in result.stdout


def test_a_key_rotation_reaches_both_servers(installation):
    one, two = installation["servers"]
    rotated = _sig(installation, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    active = Keyring.load(installation["keys"]).active_id
    for n, server in enumerate((one, two, one, two)):
        browser = Browser()
        assert browser.login(server, "sara") == 302
        token = browser.token(server + "/youths/new")
        status, _ = browser.request(server + "/youths/new", {
            "name": f"Två Servrar {n}", "personal_number": valid_pnr("20100315", f"{n + 100}"),
            "gender": "", "csrf_token": token})
        assert status == 302, server
    check = create_app({"TESTING": True, "SECRET_KEY": "x" * 40,
                        "DATABASE_URL": installation["url"], "KEYRING_PATH": installation["keys"],
                        "INSTANCE_PATH": str(installation["folder"])})
    try:
        with check.app_context():
            blobs = db.session.scalars(select(Youth.name_enc)).all()
            assert len(blobs) == 4
            assert {cipher.key_id_of(blob) for blob in blobs} == {active}
    finally:
        check.extensions["sig.db"].engine.dispose()


def test_the_workers_leave_the_statistics_solver_to_a_process_of_its_own(installation):
    """A gunicorn worker that shows the managers' dashboard starts the solver process
    and never maps numpy or scipy itself (its memory stays a case worker's)."""
    one = installation["servers"][0]
    browser = Browser()
    assert browser.login(one, "maja") == 302
    for year in (2024, 2025, 2026):  # (two workers: both likely serve one)
        status, page = browser.request(f"{one}/statistics/?period=year&year={year}")
        assert status == 200 and "<table" in page
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
    from case_pages import children_rss  # (the benchmark's reading of /proc)

    workers = list(children_rss({installation["masters"][0]}))
    solvers = list(children_rss(set(workers)))
    assert solvers, "no solver process was started"
    for pid in solvers:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            assert b"sig.statistics.solver" in handle.read()
    for pid in workers:
        with open(f"/proc/{pid}/maps") as handle:
            mapped = handle.read()
        assert "numpy" not in mapped and "scipy" not in mapped, pid
