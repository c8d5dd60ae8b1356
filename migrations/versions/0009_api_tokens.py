"""Personal API tokens of staff accounts, and the rate-limit counters every server process shares.

``api_token``: a staff member's token opens the restricted OGC collections (citizens' flood
reports) with that account's scope. As for sensor tokens (migration 0006) only the SHA-256
digest of a 256-bit secret is kept. A token stops working when it is revoked, when it expires
or when its account is disabled; deleting the account deletes its tokens.

``rate_limit_counter``: the OGC API's request counters (``geodata.accounts.ratelimit``), one row per
client and limit, so every gunicorn worker and machine counts the same requests. The table is
UNLOGGED: counters need no crash safety (a crash empties them, which only forgives a minute of
requests) and skip the write-ahead log on every request. Rows are updated on every request:
no index but the key's, and room left in each page, keep those updates HOT; expired rows are
swept by the server, so the table stays as small as the number of recent clients.

The reader roles get no privilege on either table (revoked explicitly, whatever defaults a
database may have): only the owner reads tokens and counts requests.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _reader_roles() -> str:
    owner = op.get_bind().scalar(text("SELECT current_user"))
    return f"{owner}_public, {owner}_ward"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_token (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
            label text NOT NULL DEFAULT '',
            secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            last_used_at timestamptz,
            revoked_at timestamptz,
            CHECK (expires_at > created_at)
        )
        """
    )
    op.execute("CREATE INDEX ix_api_token_user ON api_token (user_id)")
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limit_counter (
            key text PRIMARY KEY,
            "window" bigint,
            count integer NOT NULL,
            previous integer NOT NULL DEFAULT 0,
            expires_at timestamptz NOT NULL
        ) WITH (fillfactor = 50)
        """
    )
    op.execute(f"REVOKE ALL ON api_token, rate_limit_counter FROM PUBLIC, {_reader_roles()}")


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_counter, api_token")
