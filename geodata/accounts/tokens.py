"""Bearer tokens: what sensor tokens and personal API tokens share, and the personal API tokens.

A token reads ``<who>.<secret>``: the part before the last dot finds the one row to compare (a
sensor's code, or ``pat-<id>`` for a personal token) and the secret is 256 random bits, of which
only the SHA-256 digest is stored and compared with :func:`hmac.compare_digest`. Nothing can be
guessed from such a digest however fast the hash, so a slow password hash (argon2, tens of
milliseconds) would only slow down every request.

Personal API tokens (``api_token``, migration 0009) let a staff member's scripts and GIS tools
read the restricted OGC collections with that account's rights: an official's token sees the
whole city, a ward staff's token only their units. A token is shown once when made, lasts a set
number of days, and stops working when revoked or when its account is disabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, text

from geodata.accounts.users import User, UserError, get_user, user_id_of
from geodata.errors import GeodataError

PERSONAL_PREFIX = "pat-"
_PERSONAL = re.compile(rf"{PERSONAL_PREFIX}(\d{{1,18}})")
_DUMMY_DIGEST = hashlib.sha256(b"no token has this secret").digest()
# A token's last use is written at most this often: one write per request would be a hot row.
LAST_USED_STEP = dt.timedelta(minutes=1)
MAX_DAYS = 3650


class TokenRefused(GeodataError):
    """A token that does not let its bearer in; ``reason`` says why, for the audit log only.
    ``subject`` is what the token named (a sensor's code, a personal token's id), if anything."""

    def __init__(self, reason: str, subject: str | None = None) -> None:
        self.reason = reason
        self.subject = subject
        super().__init__(reason)


def new_secret() -> str:
    """256 random bits, URL-safe (its alphabet has no ".")."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(stored: bytes | None, secret: str) -> bool:
    """Whether ``secret`` is the one whose digest is ``stored``, in constant time; compared
    even when nothing is stored, so an unknown name takes as long as a wrong secret."""
    return hmac.compare_digest(stored if stored is not None else _DUMMY_DIGEST, digest(secret))


def split_token(token: str | None) -> tuple[str, str]:
    """The token's name part and its secret; TokenRefused ("missing", "malformed") otherwise."""
    if not token:
        raise TokenRefused("missing")
    name, dot, secret = token.rpartition(".")
    if not dot or not name or not secret:
        raise TokenRefused("malformed")
    return name, secret


# --- personal API tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiToken:
    """One personal token as the command line lists it (never its secret)."""

    id: int
    username: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


@dataclass(frozen=True)
class TokenHolder:
    """The account a valid personal token speaks for, and which token it was."""

    token_id: int
    user: User


def add_api_token(
    conn: Connection, username: str, label: str = "", days: int = 90
) -> tuple[int, str]:
    """Give an account a new token lasting ``days``: its id, and the token itself, which is
    returned this once and never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"--days must be between 1 and {MAX_DAYS}")
    owner = user_id_of(conn, username)
    secret = new_secret()
    token_id = conn.scalar(
        text(
            "INSERT INTO api_token (user_id, label, secret_sha256, expires_at) "
            "VALUES (:u, :l, :d, now() + :days * interval '1 day') RETURNING id"
        ),
        {"u": owner, "l": label.strip()[:200], "d": digest(secret), "days": days},
    )
    return int(token_id), f"{PERSONAL_PREFIX}{token_id}.{secret}"


_Row = TypeVar("_Row")


def numbered_token(token: str | None, name: re.Pattern[str]) -> tuple[int, str]:
    """The id and the secret of a ``<prefix><id>.<secret>`` token whose name part matches
    ``name`` (one group: the id); TokenRefused ("missing", "malformed") otherwise."""
    name_part, secret = split_token(token)
    found = name.fullmatch(name_part)
    if found is None:
        raise TokenRefused("malformed")
    return int(found.group(1)), secret


def check_stored_secret(row: _Row | None, secret: str, subject: str) -> _Row:
    """Refuse a token whose stored row (with ``secret_sha256`` and ``revoked``; None when there
    is none) does not take ``secret``: "unknown_token", "wrong_secret", "revoked", in that order.
    The secret is compared whatever was found, so an unknown id takes as long as a wrong one.
    Returns the row, which is then known to exist. (A SQLAlchemy row's columns are attributes
    mypy cannot see: hence the two ignores.)"""
    matches = secret_matches(bytes(row.secret_sha256) if row else None, secret)  # type: ignore[attr-defined]
    if row is None:
        raise TokenRefused("unknown_token", subject)
    if not matches:
        raise TokenRefused("wrong_secret", subject)
    if row.revoked:  # type: ignore[attr-defined]
        raise TokenRefused("revoked", subject)
    return row


def list_api_tokens(conn: Connection, username: str) -> list[ApiToken]:
    """An account's tokens, newest first (revoked and expired ones too)."""
    rows = conn.execute(
        text(
            "SELECT t.id, u.username, t.label, t.created_at, t.expires_at, t.last_used_at, "
            "t.revoked_at FROM api_token t JOIN app_user u ON u.id = t.user_id "
            "WHERE t.user_id = :u ORDER BY t.id DESC"
        ),
        {"u": user_id_of(conn, username)},
    ).all()
    return [ApiToken(*row) for row in rows]


def revoke_api_token(conn: Connection, token_id: int) -> str:
    """Revoke a token at once; the name of its account. Refuses an unknown or revoked one."""
    username = conn.scalar(
        text(
            "UPDATE api_token t SET revoked_at = now() FROM app_user u "
            "WHERE t.id = :id AND u.id = t.user_id AND t.revoked_at IS NULL RETURNING u.username"
        ),
        {"id": token_id},
    )
    if username is None:
        raise UserError(f"no token {token_id} that is not already revoked")
    return str(username)


def authenticate_api_token(conn: Connection, token: str | None) -> TokenHolder:
    """The account this personal token speaks for; TokenRefused otherwise (reasons: missing,
    malformed, unknown_token, wrong_secret, revoked, expired, disabled_user)."""
    token_id, secret = numbered_token(token, _PERSONAL)
    row = conn.execute(
        text(
            "SELECT t.user_id, t.secret_sha256, t.revoked_at IS NOT NULL AS revoked, "
            "t.expires_at <= now() AS expired FROM api_token t WHERE t.id = :id"
        ),
        {"id": token_id},
    ).one_or_none()
    subject = str(token_id)
    row = check_stored_secret(row, secret, subject)
    if row.expired:
        raise TokenRefused("expired", subject)
    user = get_user(conn, int(row.user_id))  # None when the account is disabled
    if user is None:
        raise TokenRefused("disabled_user", subject)
    conn.execute(
        text(
            "UPDATE api_token SET last_used_at = now() WHERE id = :id "
            "AND (last_used_at IS NULL OR last_used_at < now() - :step)"
        ),
        {"id": token_id, "step": LAST_USED_STEP},
    )
    return TokenHolder(token_id, user)


def recent_token_refusals(
    conn: Connection,
    address: str | None,
    actions: Sequence[str],
    window: dt.timedelta,
    limit: int,
) -> tuple[int, dt.datetime | None]:
    """How many bad tokens this address sent within ``window`` (the audit log's "denied" entries
    of ``actions``, the last ``limit`` at most), and when the oldest of those came (None: none).
    Counted in the log, so every server process reads the same number."""
    count, oldest = conn.execute(
        text(
            "SELECT count(*), min(at) FROM (SELECT at FROM audit_log "
            "WHERE address = :a AND action = ANY(:actions) AND outcome = 'denied' "
            "AND at > now() - :w ORDER BY at DESC LIMIT :n) recent"
        ),
        {"a": address, "actions": list(actions), "w": window, "n": limit},
    ).one()
    return int(count), oldest
