"""Bearer tokens on HTTP routes, shared by the sensor ingestion API, the OGC API and Open311's
API keys: the ``WWW-Authenticate`` challenge of a 401, the audit entry of a refused token, and
the lockout of an address that sent too many bad tokens (who the token speaks for:
``web.access``).

Refused tokens are counted in the audit log (like failed sign-ins), so the lockout holds across
every server process; the APIs' refusals count together, so a guesser gains nothing by
switching from one to the other. A request refused by the lockout is not logged again, so a
flood cannot grow the log.
"""

from __future__ import annotations

import datetime as dt
import math

import flask
from sqlalchemy import Connection

from geodata.accounts.tokens import TokenRefused, recent_token_refusals
from geodata.accounts.users import audit
from geodata.db import scope, transaction
from geodata.settings import get_settings

# Audit actions whose "denied" entries are bad tokens (ingestion API, OGC API, Open311 API keys).
TOKEN_ACTIONS = ("ingest", "ogc_token", "open311_key")
REALM = "cantho-ioc"


def challenge(refused: TokenRefused | None = None) -> str:
    """The ``WWW-Authenticate`` value of a 401 (RFC 6750): ``invalid_token`` when a token was
    sent and is no good, no error code when none was sent."""
    value = f'Bearer realm="{REALM}"'
    if refused is not None and refused.reason != "missing":
        value += ', error="invalid_token"'
    return value


def audit_refusal(action: str, refused: TokenRefused, subject_key: str) -> None:
    """Log a refused token with its reason (never the token), in its own transaction with the
    owner's rights, so it is kept whatever the request's reader role or outcome."""
    with scope(None), transaction() as conn:
        audit(conn, action, "denied", None, flask.request.remote_addr,
              {"reason": refused.reason, subject_key: refused.subject})  # fmt: skip


def retry_after_failures(address: str | None) -> int | None:
    """Seconds to wait when this address sent too many bad tokens lately, else None."""
    with scope(None), transaction() as conn:
        return lockout_wait(conn, address)


def lockout_wait(conn: Connection, address: str | None) -> int | None:
    """:func:`retry_after_failures` in the caller's transaction (with the owner's rights)."""
    settings = get_settings()
    window = dt.timedelta(minutes=settings.ingest_token_failure_window_min)
    count, oldest = recent_token_refusals(
        conn, address, TOKEN_ACTIONS, window, settings.ingest_token_failures
    )
    if count < settings.ingest_token_failures or oldest is None:
        return None
    return max(1, math.ceil((oldest + window - dt.datetime.now(dt.UTC)).total_seconds()))
