"""pgBackRest, psql and pg_ctl for the project's cluster, with the project's own configuration.

Who runs what: ``make`` and ``python -m geodata`` may run as root, as a sudo user or as the
cluster's owner; PostgreSQL runs as its data directory's owner (``postgres`` when setup.sh ran
as root), and pgBackRest must too, since it reads the data directory and the server runs its
``archive-push``. So every one of these tools is run as that owner (``runuser`` from root,
``sudo -n`` from another user), and every folder they write (the repository, the configuration,
logs and locks) is made theirs.

The configuration is a file of the project's, ``<backup_state>/pgbackrest.conf``, written from
the settings each time a command runs (so it never drifts from them) and named on every call
with ``--config`` (also in ``archive_command``); /etc/pgbackrest.conf is never read.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from geodata.errors import GeodataError
from geodata.settings import Settings

CONFIG_NAME = "pgbackrest.conf"


class BackupRefused(GeodataError):
    """A backup or restore refused before anything changed; the message says what was wrong."""


class BackupFailed(GeodataError):
    """A tool failed on the way (pgBackRest, PostgreSQL); the message carries its own words."""


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The PostgreSQL cluster backed up or restored: its data directory, where it listens (a
    Unix socket folder and a port, 127.0.0.1 only) and who it is (OS owner, superuser)."""

    pgdata: Path
    socket: Path
    port: int
    owner: str
    superuser: str

    @property
    def bin(self) -> Path:
        """The server binaries of the cluster's major version (the newest installed if the data
        directory is gone)."""
        try:
            version = (self.pgdata / "PG_VERSION").read_text().strip()
        except OSError:
            version = newest_postgres()
        return Path("/usr/lib/postgresql") / version / "bin"


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the backups live: the repository (pgBackRest's part and the photos' part) and the
    project's pgBackRest state (configuration, logs, locks, spool)."""

    repo: Path
    state: Path
    stanza: str

    @property
    def config(self) -> Path:
        return self.state / CONFIG_NAME

    @property
    def pgbackrest_repo(self) -> Path:
        return self.repo / "pgbackrest"

    @property
    def files(self) -> Path:
        return self.repo / "files"


def newest_postgres() -> str:
    versions = sorted(
        (p.name for p in Path("/usr/lib/postgresql").glob("*") if p.name.isdigit()), key=int
    )
    if not versions:
        raise BackupRefused("no PostgreSQL server binaries in /usr/lib/postgresql")
    return versions[-1]


def layout_of(settings: Settings) -> Layout:
    return Layout(
        repo=settings.backup_repo.expanduser().absolute(),
        state=settings.backup_state.expanduser().absolute(),
        stanza=settings.backup_stanza,
    )


def cluster_of(settings: Settings, layout: Layout, pgdata: Path | None = None) -> Cluster:
    """The cluster the settings name (``pgdata`` instead of theirs: a restore's new one)."""
    data = (pgdata or settings.backup_pgdata).expanduser().absolute()
    port = make_url(settings.database_url).port or 5432
    owner = _owner(data, layout)
    return Cluster(
        pgdata=data,
        socket=settings.backup_pgsocket.expanduser().absolute(),
        port=port,
        owner=owner,
        superuser=settings.backup_pguser or owner,
    )


def _owner(pgdata: Path, layout: Layout) -> str:
    """Who owns the cluster: its data directory's owner; when that is gone (a lost disk), the
    owner of pgBackRest's repository, which that user wrote."""
    for place in (pgdata, layout.pgbackrest_repo, pgdata.parent):
        try:
            return pwd.getpwuid(place.stat().st_uid).pw_name
        except (OSError, KeyError):
            continue
    raise BackupRefused(
        f"cannot tell who owns the cluster: neither {pgdata} nor {layout.pgbackrest_repo} exist"
    )


def as_owner(owner: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run as ``owner``: directly when we are that user, else through runuser (root)
    or sudo without a password prompt (another user)."""
    if pwd.getpwuid(os.geteuid()).pw_name == owner:
        return list(argv)
    if os.geteuid() == 0:
        return ["runuser", "-u", owner, "--", *argv]
    return ["sudo", "-n", "-u", owner, "--", *argv]


def run_as(
    owner: str, argv: Sequence[str], *, what: str, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as ``owner`` (from /, which every user may enter); ``BackupFailed`` naming
    ``what`` with the tool's own last words if it fails."""
    try:
        done = subprocess.run(
            as_owner(owner, argv), cwd="/", capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BackupFailed(f"{what}: no answer after {timeout:.0f} s") from None
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-12:]
        raise BackupFailed(f"{what} failed (exit {done.returncode}):\n  " + "\n  ".join(said))
    return done


def pgbackrest_binary() -> str:
    found = shutil.which("pgbackrest")
    if found is None:
        raise BackupRefused(
            "pgBackRest is not installed: run `bash scripts/setup.sh system-backup` (the Debian "
            "package pgbackrest)"
        )
    return found


def pgbackrest(
    layout: Layout, owner: str, command: str, *options: str, timeout: float | None = None
) -> str:
    """``pgbackrest --config=… --stanza=… COMMAND OPTIONS`` as the cluster's owner; its output."""
    argv = [
        pgbackrest_binary(),
        f"--config={layout.config}",
        f"--stanza={layout.stanza}",
        *options,
        command,
    ]
    return run_as(owner, argv, what=f"pgbackrest {command}", timeout=timeout).stdout


def psql(cluster: Cluster, sql: str, database: str = "postgres") -> str:
    """One statement as the cluster's superuser over its Unix socket; the output, unaligned."""
    argv = [
        str(cluster.bin / "psql"),
        "-X",
        "-q",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(cluster.socket),
        "-p",
        str(cluster.port),
        "-U",
        cluster.superuser,
        "-d",
        database,
        "-c",
        sql,
    ]
    return run_as(cluster.owner, argv, what="psql", timeout=120).stdout.strip()


def is_running(cluster: Cluster) -> bool:
    """Whether a server runs on the cluster's data directory (pg_ctl status)."""
    if not (cluster.pgdata / "PG_VERSION").exists():
        return False
    command = as_owner(
        cluster.owner, [str(cluster.bin / "pg_ctl"), "-D", str(cluster.pgdata), "status"]
    )
    return subprocess.run(command, cwd="/", capture_output=True).returncode == 0


def port_taken(port: int) -> bool:
    """Whether something listens on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(cluster: Cluster, log: Path) -> None:
    """Start the server as setup.sh does (127.0.0.1 only, its socket folder, its port)."""
    options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {cluster.socket}"
    run_as(
        cluster.owner,
        [
            str(cluster.bin / "pg_ctl"),
            "-D",
            str(cluster.pgdata),
            "-l",
            str(log),
            "-w",
            "-t",
            "300",
            "-o",
            options,
            "start",
        ],
        what=f"starting PostgreSQL on {cluster.pgdata} (its log: {log})",
    )


def stop(cluster: Cluster) -> None:
    run_as(
        cluster.owner,
        [
            str(cluster.bin / "pg_ctl"),
            "-D",
            str(cluster.pgdata),
            "-w",
            "-t",
            "300",
            "-m",
            "fast",
            "stop",
        ],
        what=f"stopping PostgreSQL on {cluster.pgdata}",
    )


def restart(cluster: Cluster) -> None:
    """Restart with the options it was started with (pg_ctl keeps them in postmaster.opts),
    its output to its log (else the new server would hold our pipes open)."""
    run_as(
        cluster.owner,
        [
            str(cluster.bin / "pg_ctl"),
            "-D",
            str(cluster.pgdata),
            "-l",
            str(log_path(cluster)),
            "-w",
            "-t",
            "300",
            "-m",
            "fast",
            "restart",
        ],
        what=f"restarting PostgreSQL on {cluster.pgdata}",
    )


def log_path(cluster: Cluster, *, beside: bool = True) -> Path:
    """The server's log: setup.sh's ``postgres.log`` beside the data directory when ``beside``
    and the owner may write there, else one inside the data directory."""
    log = cluster.pgdata.parent / "postgres.log"
    # setup.sh makes that file the owner's in a folder that may be root's.
    if beside and (owner_can_write(cluster.owner, log.parent) or _owner_may_append(cluster, log)):
        return log
    inside = cluster.pgdata / "log"
    if not inside.exists():
        make_folder(inside, cluster.owner)
    return inside / "postgres.log"


def _owner_may_append(cluster: Cluster, log: Path) -> bool:
    probe = as_owner(cluster.owner, ["test", "-f", str(log), "-a", "-w", str(log)])
    return subprocess.run(probe, cwd="/", capture_output=True).returncode == 0


def owner_can_write(owner: str, folder: Path) -> bool:
    """Whether ``owner`` may create files in ``folder`` (asked of the system as that user)."""
    probe = as_owner(
        owner, ["test", "-d", str(folder), "-a", "-w", str(folder), "-a", "-x", str(folder)]
    )
    return subprocess.run(probe, cwd="/", capture_output=True).returncode == 0


def make_folder(folder: Path, owner: str) -> None:
    """``folder`` (and its missing parents) made and given to ``owner``, private to it."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, owner, pwd.getpwnam(owner).pw_gid)
    folder.chmod(0o750)


def check_repo(layout: Layout, owner: str, *, create: bool) -> None:
    """Refuse, before anything changes, a repository that is missing or that this process or
    the cluster's owner cannot write. ``create``: make it first (the default path only: any
    other is a disk or share someone mounts, and making it on the wrong disk would hide that
    the mount is missing)."""
    repo = layout.repo
    if create and not repo.exists():
        make_folder(repo, owner)
    if not repo.exists():
        raise BackupRefused(
            f"the backup repository {repo} does not exist (CANTHO_BACKUP_REPO): mount the "
            "backup disk or share there, or create the folder"
        )
    if not repo.is_dir():
        raise BackupRefused(f"the backup repository {repo} is not a folder (CANTHO_BACKUP_REPO)")
    if not os.access(repo, os.W_OK | os.X_OK):
        raise BackupRefused(
            f"the backup repository {repo} is not writable by "
            f"{pwd.getpwuid(os.geteuid()).pw_name} (CANTHO_BACKUP_REPO)"
        )
    if not owner_can_write(owner, repo):
        raise BackupRefused(
            f"the backup repository {repo} is not writable by {owner}, who runs PostgreSQL and "
            f"pgBackRest (CANTHO_BACKUP_REPO): chown {owner} {repo}"
        )


def write_config(layout: Layout, cluster: Cluster, settings: Settings) -> Path:
    """The project's pgBackRest configuration for this cluster and repository, written afresh
    (readable by the owner only: it names the cluster's superuser)."""
    for folder in (
        layout.state,
        layout.state / "log",
        layout.state / "lock",
        layout.state / "spool",
        layout.pgbackrest_repo,
    ):
        if not folder.exists():
            make_folder(folder, cluster.owner)
    text = f"""# Written by python -m geodata backup from the project's settings: edits are lost.
[global]
repo1-path={layout.pgbackrest_repo}
repo1-retention-full={settings.backup_keep_full}
log-path={layout.state / "log"}
lock-path={layout.state / "lock"}
spool-path={layout.state / "spool"}
log-level-console=warn
log-level-file=info
compress-type=zst
compress-level=3
process-max=2
start-fast=y
archive-timeout=120

[{layout.stanza}]
pg1-path={cluster.pgdata}
pg1-port={cluster.port}
pg1-socket-path={cluster.socket}
pg1-user={cluster.superuser}
"""
    previous = layout.config.read_text() if layout.config.exists() else None
    if previous != text:
        tmp = layout.config.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o640)
        if os.geteuid() == 0:
            shutil.chown(tmp, cluster.owner, pwd.getpwnam(cluster.owner).pw_gid)
        os.replace(tmp, layout.config)
    return layout.config
