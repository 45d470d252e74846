"""A throwaway PostgreSQL server for the test session: initdb into a temporary
directory, listen only on a unix socket there, stop and delete it at the end.
As root the server runs as the ``postgres`` user (PostgreSQL refuses root)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time


def _bindir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return os.path.dirname(candidates[0])
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    raise RuntimeError("PostgreSQL is not installed: run `make setup` (apt-get install postgresql)")


class PostgresServer:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = tempfile.mkdtemp(prefix="sig-pg-")
        self.datadir = os.path.join(self.root, "data")
        self.sockdir = self.root
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.as_root:
            pg = pwd.getpwnam("postgres")
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
        os.chmod(self.root, 0o700)
        self._run("initdb", "-D", self.datadir, "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", self.datadir, "-w", "-l", os.path.join(self.root, "log"),
                  "-o", f"-k {self.sockdir} -c listen_addresses='' -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off",
                  "start")

    def create_database(self, name: str) -> str:
        for _ in range(50):
            try:
                self._run("createdb", "-h", self.sockdir, "-U", self.user, name)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        return f"postgresql+psycopg://{self.user}@/{name}?host={self.sockdir}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
