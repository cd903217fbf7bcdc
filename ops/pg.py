"""A throwaway PostgreSQL server of our own: ``make test-pg`` and the PostgreSQL tests start one.

Debian's PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``, package ``postgresql``; ``make test-pg``
installs it when missing through ``scripts/setup_postgres.sh``) make a cluster in a folder of ours, started on a
free loopback port with its unix socket in that folder, and stopped again. It is not the system's cluster
(``pg_ctlcluster``) and never touches one.

PostgreSQL refuses to run as root. As root the server runs as the ``postgres`` system user (the package creates
it) through ``runuser``, and the folder is given to that user; so it must lie where that user can reach it (e.g.
under ``/tmp``, not under a root-only ``var/``). As any other user it runs as that user.

    python -m ops.pg start /tmp/sd-pg      # prints the SQLAlchemy URL of a fresh database "servicedesk"
    python -m ops.pg stop /tmp/sd-pg

Standard library only, apart from psycopg for creating the role and the database.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYSTEM_USER = "postgres"  # who runs the server when we are root
# Settings for a test server: durability off (its data is thrown away), enough connections for parallel writers.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")


def bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (``SERVICEDESK_PG_BIN`` overrides)."""
    if os.environ.get("SERVICEDESK_PG_BIN"):
        return Path(os.environ["SERVICEDESK_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (scripts/setup_postgres.sh installs Debian's package)")
    return found[-1].parent


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """One cluster in ``folder`` (data in ``folder/data``, socket and log beside it)."""

    folder: Path
    port: int = 0
    fast: bool = True
    keep_commits: bool = False  # with ``fast``: still flush a commit to the OS before acknowledging it

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.folder / "data"

    @property
    def _password_file(self) -> Path:
        return self.folder / "superuser.pw"

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return args
        return ["runuser", "-u", SYSTEM_USER, "--", *args]

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(self._as_owner(args), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def init(self) -> None:
        """``initdb`` once (scram passwords over TCP, trust on the private socket folder)."""
        if (self.data / "PG_VERSION").exists():
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self._password_file.write_text(secrets.token_urlsafe(24))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SYSTEM_USER)
            for path in (self.folder, self._password_file):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run(
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--pwfile",
                str(self._password_file),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )

    def running(self) -> bool:
        """Whether the server in this folder is up (its pid file names the port)."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return False
        lines = pid_file.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError, IndexError):
            return False
        self.port = int(lines[3])
        return True

    def last_port(self) -> int:
        """The port the server in this folder had (its pid file stays after a crash); 0 when unknown."""
        pid_file = self.data / "postmaster.pid"
        lines = pid_file.read_text().splitlines() if pid_file.exists() else []
        return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else 0

    def start(self) -> None:
        """Start on a free port (or the given one) and wait until it accepts connections; no-op when running."""
        self.init()
        if self.running():
            return
        self.port = self.port or free_port()
        options = [f"-p {self.port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1"]
        fast = [o for o in FAST if not (self.keep_commits and o.startswith("synchronous_commit"))]
        options += [f"-c {o}" for o in fast] if self.fast else []
        log = self.folder / "server.log"
        self._run(
            [str(bin_dir() / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "-o", " ".join(options), "start"]
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are ended)."""
        if self.running():
            self._run([str(bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def destroy(self) -> None:
        """Stop and delete the folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _admin(self) -> Any:
        """A superuser connection over the private socket, autocommit (CREATE DATABASE needs it)."""
        import psycopg  # noqa: PLC0415 - only the callers that manage a server need the driver

        return psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def admin_sql(self, *statements: str) -> None:
        """Run statements as the superuser."""
        with self._admin() as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def create_database(self, name: str, owner: str = "servicedesk", template: str | None = None) -> str:
        """A new database ``name`` (owned by ``owner``, created with a random password the first time); its URL."""
        password = self._role_password(owner)
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin_sql(f'CREATE DATABASE "{name}" OWNER "{owner}"{copy}')
        return self.url(name, owner, password)

    def has_database(self, name: str) -> bool:
        """Whether the database ``name`` exists."""
        with self._admin() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending its connections."""
        self.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _role_password(self, role: str) -> str:
        path = self.folder / f"role-{role}.pw"
        if not path.exists():
            password = secrets.token_urlsafe(24)
            self.admin_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
            path.write_text(password)
            os.chmod(path, 0o600)
        return path.read_text()

    def url(self, database: str, role: str = "servicedesk", password: str | None = None) -> str:
        """The SQLAlchemy URL (psycopg 3 over loopback TCP)."""
        secret = password if password is not None else self._role_password(role)
        return f"postgresql+psycopg://{role}:{secret}@127.0.0.1:{self.port}/{database}"


def main(argv: list[str] | None = None) -> int:
    """``python -m ops.pg start|stop|destroy FOLDER``."""
    parser = argparse.ArgumentParser(prog="python -m ops.pg", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop", "destroy"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--database", default="servicedesk")
    args = parser.parse_args(argv)
    server = PgServer(args.folder.resolve(), fast=False)
    if args.action == "start":
        server.start()
        exists = server.has_database(args.database)
        print(server.url(args.database) if exists else server.create_database(args.database))
    elif args.action == "stop":
        server.stop()
    else:
        server.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
