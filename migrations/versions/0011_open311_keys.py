"""API keys for Open311 GeoReport v2 clients that send citizens' reports (``POST requests``).

``open311_key``: one row per key, issued from the command line (``python -m geodata open311 keys
add LABEL``) to an app or service that forwards citizens' reports (a ward's app, a partner's
hotline). As for the other tokens (migrations 0006, 0009) only the SHA-256 digest of a 256-bit
secret is kept. A key stops working when it is revoked; its label names it in the audit log.

The reader roles get no privilege on it (revoked explicitly, whatever defaults a database may
have): only the owner reads keys.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    op.execute(
        """
        CREATE TABLE open311_key (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
            secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
            created_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz,
            revoked_at timestamptz
        )
        """
    )
    op.execute(f"REVOKE ALL ON open311_key FROM PUBLIC, {owner}_public, {owner}_ward")


def downgrade() -> None:
    op.execute("DROP TABLE open311_key")
