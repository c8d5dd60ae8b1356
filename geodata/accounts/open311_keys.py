"""API keys of Open311 clients: the apps and services that send citizens' reports through
``POST /open311/v2/requests`` (migration 0011).

A key reads ``o311-<id>.<secret>``, as the other bearer tokens do (``geodata.accounts.tokens``:
the id finds the one row, only the SHA-256 digest of the 256-bit secret is stored and compared
in constant time). It is printed once when made (``python -m geodata open311 keys add LABEL``);
its label (who it was given to) names it in the audit log. A revoked key stops working at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geodata.accounts.tokens import (
    LAST_USED_STEP,
    check_stored_secret,
    digest,
    new_secret,
    numbered_token,
)
from geodata.accounts.users import UserError

PREFIX = "o311-"
_NAME = re.compile(rf"{PREFIX}(\d{{1,18}})")


@dataclass(frozen=True)
class Open311Key:
    """One key as the command line lists it (never its secret)."""

    id: int
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def state(self) -> str:
        return "revoked" if self.revoked_at is not None else "active"


@dataclass(frozen=True)
class KeyHolder:
    """A valid key: its id and label."""

    id: int
    label: str


def add_key(conn: Connection, label: str) -> tuple[int, str]:
    """A new key for ``label``: its id, and the key itself, returned this once, never stored."""
    label = " ".join(label.split())
    if not 1 <= len(label) <= 200:
        raise UserError("the label must be 1 to 200 characters (who the key is for)")
    secret = new_secret()
    key_id = conn.scalar(
        text("INSERT INTO open311_key (label, secret_sha256) VALUES (:l, :d) RETURNING id"),
        {"l": label, "d": digest(secret)},
    )
    return int(key_id), f"{PREFIX}{key_id}.{secret}"


def list_keys(conn: Connection) -> list[Open311Key]:
    """Every key, newest first (revoked ones too)."""
    rows = conn.execute(
        text(
            "SELECT id, label, created_at, last_used_at, revoked_at FROM open311_key "
            "ORDER BY id DESC"
        )
    ).all()
    return [Open311Key(*row) for row in rows]


def revoke_key(conn: Connection, key_id: int) -> str:
    """Revoke a key at once; its label. Refuses an unknown or already revoked key."""
    label = conn.scalar(
        text(
            "UPDATE open311_key SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL "
            "RETURNING label"
        ),
        {"id": key_id},
    )
    if label is None:
        raise UserError(f"no Open311 key {key_id} that is not already revoked")
    return str(label)


def authenticate_key(conn: Connection, key: str | None) -> KeyHolder:
    """The key's id and label; TokenRefused otherwise (reasons: missing, malformed,
    unknown_token, wrong_secret, revoked)."""
    key_id, secret = numbered_token(key, _NAME)
    row = conn.execute(
        text(
            "SELECT label, secret_sha256, revoked_at IS NOT NULL AS revoked, "
            "last_used_at IS NULL OR last_used_at < now() - :step AS stale "
            "FROM open311_key WHERE id = :id"
        ),
        {"id": key_id, "step": LAST_USED_STEP},
    ).one_or_none()
    row = check_stored_secret(row, secret, str(key_id))
    if row.stale:  # written at most once a minute: a busy key's row is not rewritten per report
        conn.execute(
            text("UPDATE open311_key SET last_used_at = now() WHERE id = :id"), {"id": key_id}
        )
    return KeyHolder(key_id, str(row.label))
