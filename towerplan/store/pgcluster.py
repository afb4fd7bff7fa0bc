"""A throw-away PostgreSQL + PostGIS cluster for tests and benchmarks (never for production data).

``initdb`` into a temporary folder, ``pg_ctl start`` on a Unix socket in that folder and a free
port (no TCP listener), SCRAM passwords, durability switched off (``fsync=off``: the data is
thrown away). Run as root, the server runs as the ``postgres`` system user (PostgreSQL refuses to
run as root), through ``runuser``. A template database holds the PostGIS extension (creating it
needs a superuser); :meth:`TemporaryCluster.create_database` copies it for a non-superuser owner,
``towerplan``, which is what the store connects as.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from towerplan.errors import TowerplanError

__all__ = ["PostgresUnavailableError", "TemporaryCluster", "find_pg_bin"]

log = logging.getLogger(__name__)

TEMPLATE = "towerplan_template"
OWNER = "towerplan"


class PostgresUnavailableError(TowerplanError, RuntimeError):
    """PostgreSQL's server programs or the PostGIS extension are not installed."""


def find_pg_bin() -> Path:
    """The folder of ``initdb``/``pg_ctl`` (``pg_config --bindir``, else Debian's newest ``/usr/lib/postgresql/N``)."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(out)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise PostgresUnavailableError("PostgreSQL server programs (initdb, pg_ctl) not found: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryCluster:
    """Start with ``with TemporaryCluster() as cluster:``; ``cluster.create_database()`` gives a URL."""

    def __init__(self, *, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_pg_bin()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="towerplan-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.superuser_password = secrets.token_hex(16)
        self.owner_password = secrets.token_hex(16)
        self._run_as: list[str] = []
        self._count = 0
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._run_as, *args], capture_output=True, text=True, check=False)
        if result.returncode:
            raise PostgresUnavailableError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")

    def start(self) -> TemporaryCluster:
        pwfile = self.root / "pw"
        pwfile.write_text(self.superuser_password)
        if self._run_as:
            shutil.chown(pwfile, "postgres")
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile),
                  "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        pwfile.unlink()
        options = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "start")
        self._setup()
        return self

    def url(self, database: str, *, user: str = OWNER, password: str | None = None) -> str:
        secret = self.owner_password if password is None and user == OWNER else (
            self.superuser_password if password is None else password)
        return (f"postgresql://{quote(user, safe='')}:{quote(secret, safe='')}@/{database}"
                f"?host={quote(str(self.socket_dir), safe='')}&port={self.port}")

    def _admin(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(self.url(database, user="postgres"), autocommit=True)

    def _setup(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
                sql.Identifier(OWNER), sql.Literal(self.owner_password)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        with self._admin(TEMPLATE) as conn:
            try:
                conn.execute("CREATE EXTENSION postgis")
            except Exception as exc:
                raise PostgresUnavailableError(
                    f"the PostGIS extension is missing: apt-get install postgis ({exc})") from exc

    def create_database(self, name: str | None = None) -> str:
        """A new database owned by ``towerplan`` with PostGIS; returns its URL (as ``towerplan``)."""
        from psycopg import sql

        self._count += 1
        name = name or f"towerplan_test_{self._count}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE), sql.Identifier(OWNER)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url`` (made by :meth:`create_database`), closing its connections."""
        from psycopg import sql

        name = url.split("?", 1)[0].rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        if self.data.is_dir():
            subprocess.run([*self._run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                            "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TemporaryCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
