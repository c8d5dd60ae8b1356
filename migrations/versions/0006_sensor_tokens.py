"""Sensor tokens for the ingestion API: one per sensor, only a SHA-256 digest of its secret kept.

A token reads ``<sensor code>.<secret>``; the secret is 256 random bits, so a fast hash is as safe
as a slow one (there is nothing to guess) and costs microseconds per request instead of argon2's
tens of milliseconds. The reader roles get no privilege on this table: only the owner (the API
after checking a token, and the command line) reads it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sensor_token (
            sensor_id bigint PRIMARY KEY REFERENCES sensor (id) ON DELETE CASCADE,
            secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
            disabled boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now(),
            rotated_at timestamptz
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE sensor_token")
