"""Backups on record (issue 16): ``backup_run``, one row per base backup the project took.

The backup command (``python -m geodata backup run``) writes a row when it starts and completes
it when pgBackRest and the file copy have finished, so officials can see in the dashboard when
the last backup finished and how large it was, and an alert rule can fire when the newest good
one is older than a setting. WAL archiving is read live from ``pg_stat_archiver``; nothing of it
is stored here.

The table is the officials' only: the public's and ward staff's reader roles get no grant.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE backup_run (
            id bigserial PRIMARY KEY,
            -- pgBackRest's backup type and, once known, its label (e.g. 20261202-061500F).
            kind text NOT NULL CHECK (kind IN ('full', 'diff', 'incr')),
            label text,
            repo text NOT NULL CHECK (btrim(repo) <> ''),
            started_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            ok boolean,
            -- Why a failed run failed, in the tool's words.
            error text,
            -- The database's size and the backup's size in the repository (after compression),
            -- and the application's files (photos) copied with it.
            db_bytes bigint CHECK (db_bytes >= 0),
            repo_bytes bigint CHECK (repo_bytes >= 0),
            files_count integer CHECK (files_count >= 0),
            files_bytes bigint CHECK (files_bytes >= 0),
            -- The WAL range the backup needs: a restore cannot reach a moment before wal_stop's.
            wal_start text,
            wal_stop text,
            CHECK ((finished_at IS NULL) = (ok IS NULL)),
            CHECK (ok IS DISTINCT FROM false OR error IS NOT NULL)
        )
        """
    )
    op.execute("CREATE INDEX ix_backup_run_finished ON backup_run (finished_at DESC) WHERE ok")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS backup_run")
