"""A private PostgreSQL + PostGIS cluster for a test that must stop and start the database for
real (the kiosk's fault handling), without touching the cluster the rest of the suite uses; and a
streaming replica of one (hot standby, as ``scripts/cluster.sh`` makes): reads from a replica."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port

OWNER = "cantho"
PASSWORD = "private-cluster"


def _bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError(
            "no PostgreSQL server binaries in /usr/lib/postgresql (setup.sh installs them)"
        )
    return Path(found[-1]).parent


class PrivateCluster:
    """initdb, start, stop; run as ``postgres`` when the tests run as root (PostgreSQL refuses)."""

    def __init__(self, *, replica_of: PrivateCluster | None = None) -> None:
        """A new cluster; ``replica_of``: a streaming replica of that (running) one instead, a
        base backup that follows it (``-R``: standby.signal and its primary_conninfo)."""
        self.bin = _bin()
        self.root = Path(tempfile.mkdtemp(prefix="cantho-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if replica_of is None:
            self._as_pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        else:
            self._as_pg("pg_basebackup", "-D", str(self.data), "-R", "-X", "stream",
                        "-c", "fast", "-h", "127.0.0.1", "-p", str(replica_of.port),
                        "-U", "postgres")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{OWNER}:{PASSWORD}@127.0.0.1:{self.port}/cantho"

    def _as_pg(self, tool: str, *args: str) -> str:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=True, capture_output=True, cwd=self.root, text=True)
        return done.stdout

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        self._as_pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                    "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        self._as_pg("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def crash(self) -> None:
        """Stop the server the way a power cut or a lost disk does: no shutdown checkpoint, no
        last WAL archived (``-m immediate``)."""
        self._as_pg("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")

    def prepare(self) -> None:
        """The app's role, its reader roles and a database with PostGIS (what setup.sh makes)."""
        sql = [
            f"CREATE ROLE {OWNER} LOGIN CREATEDB PASSWORD '{PASSWORD}'",
            f"CREATE ROLE {OWNER}_public NOLOGIN",
            f"CREATE ROLE {OWNER}_ward NOLOGIN",
            f"GRANT {OWNER}_public, {OWNER}_ward TO {OWNER}",
            f"CREATE DATABASE cantho OWNER {OWNER}",
        ]
        for statement in sql:
            self._psql("postgres", statement)
        for extension in ("postgis", "btree_gist"):
            self._psql("cantho", f"CREATE EXTENSION {extension}")

    def _psql(self, database: str, statement: str) -> str:
        return self._as_pg("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                           "-p", str(self.port), "-U", "postgres", "-d", database,
                           "-c", statement)  # fmt: skip

    def superuser(self, statement: str, database: str = "cantho") -> str:
        """Run ``statement`` as the cluster's superuser (pausing a replica's replay, say); its
        output, unaligned."""
        return self._psql(database, statement).strip()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
