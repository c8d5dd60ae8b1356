"""Rate-limit counters in PostgreSQL, shared by every server process: a ``limits`` storage.

Flask-Limiter's ``memory://`` storage counts in each gunicorn worker, so a client gets workers ×
the limit. This storage keeps the counters in the app's own database (the UNLOGGED table
``rate_limit_counter``, migration 0009) under the URI ``cantho+postgresql://``, so every
worker and machine counts the same requests; importing this module registers the scheme.

It supports the fixed-window and the sliding-window-counter strategies, not the moving window:
a moving window keeps one timestamp per request (600 a minute per client by default) and
counts them on every request, while a sliding-window counter needs two integers per client —
this window's count and the last one's, the latter weighted by how much of it still lies in
the last ``expiry`` seconds — and approximates the moving window closely, without the burst of
twice the limit that a fixed window allows across its edge.

Each hit is one statement, ``INSERT … ON CONFLICT DO UPDATE … WHERE <under the limit>
RETURNING``: PostgreSQL locks the client's row, so two workers' hits never both take the last
request allowed. Times come from the database's clock (``statement_timestamp()``), the same
for every app server. Every statement runs with the owner's rights: the request's data scope
(the public's reader role, which may not touch the table) is set aside. Expired rows are
deleted by each process at most once a minute, skipping rows a hit holds.
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlsplit

from limits.errors import ConfigurationError
from limits.storage import SlidingWindowCounterSupport, Storage
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from geodata.db import scope, transaction

SCHEME = "cantho+postgresql"
# The database's clock, the same in every place one statement reads it.
_NOW = "extract(epoch FROM statement_timestamp())"
_WINDOW = f"floor({_NOW} / :expiry)"
# The last window's count and this window's, as a row stored at window c."window" reads now.
_PREVIOUS = f"""CASE WHEN c."window" = {_WINDOW} THEN c.previous
                     WHEN c."window" = {_WINDOW} - 1 THEN c.count ELSE 0 END"""
_CURRENT = f"""CASE WHEN c."window" = {_WINDOW} THEN c.count ELSE 0 END"""
# The share of the last window still inside the sliding window of ``expiry`` seconds.
_WEIGHT = f"(1 - ({_NOW} / :expiry - {_WINDOW}))"


class PostgresStorage(Storage, SlidingWindowCounterSupport):
    """Counters in ``rate_limit_counter``: ``cantho+postgresql://`` (the app's database)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the type limits declares)
    SWEEP_EVERY_S = 60.0

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any
    ) -> None:
        parts = urlsplit(uri or f"{SCHEME}://")
        if parts.netloc or parts.path.strip("/") or parts.query:
            raise ConfigurationError(
                f"{uri}: the counters live in the app's own database; write {SCHEME}://"
            )
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        """Run one statement in its own transaction with the owner's rights; its result's rows."""
        with scope(None), transaction() as conn:
            rows = conn.execute(text(sql), params).all()
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.SWEEP_EVERY_S
            self.sweep()
        return rows

    def sweep(self) -> int:
        """Delete the counters that no longer count; how many. Rows a hit holds are skipped
        (they are being written anew)."""
        with scope(None), transaction() as conn:
            return _sweep(conn)

    # --- fixed window ----------------------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count; a window of ``expiry`` seconds starts with the
        first hit after the last one ended. The count after the hit."""
        rows = self._execute(
            """
            INSERT INTO rate_limit_counter AS c (key, count, expires_at)
            VALUES (:key, :amount, statement_timestamp() + :expiry * interval '1 second')
            ON CONFLICT (key) DO UPDATE SET
              "window" = NULL, previous = 0,
              count = CASE WHEN c."window" IS NULL AND c.expires_at > statement_timestamp()
                           THEN c.count + excluded.count ELSE excluded.count END,
              expires_at = CASE WHEN c."window" IS NULL AND c.expires_at > statement_timestamp()
                                THEN c.expires_at ELSE excluded.expires_at END
            RETURNING c.count
            """,
            {"key": key, "amount": amount, "expiry": expiry},
        )
        return int(rows[0].count)

    def get(self, key: str) -> int:
        rows = self._execute(
            """SELECT count FROM rate_limit_counter
               WHERE key = :key AND "window" IS NULL AND expires_at > statement_timestamp()""",
            {"key": key},
        )
        return int(rows[0].count) if rows else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (seconds since the epoch); now when it has none."""
        rows = self._execute(
            f"""SELECT coalesce((SELECT extract(epoch FROM expires_at) FROM rate_limit_counter
                                 WHERE key = :key AND expires_at > statement_timestamp()),
                                {_NOW})::float8 AS at""",
            {"key": key},
        )
        return float(rows[0].at)

    # --- sliding window counter ------------------------------------------------------------------

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """Count the hit if the weighted count stays within ``limit``; whether it did."""
        if amount > limit:
            return False
        rows = self._execute(
            f"""
            INSERT INTO rate_limit_counter AS c (key, "window", count, previous, expires_at)
            VALUES (:key, {_WINDOW}, :amount, 0, to_timestamp(({_WINDOW} + 2) * :expiry))
            ON CONFLICT (key) DO UPDATE SET
              "window" = excluded."window", previous = {_PREVIOUS},
              count = {_CURRENT} + excluded.count, expires_at = excluded.expires_at
            WHERE floor({_PREVIOUS} * {_WEIGHT}) + {_CURRENT} + excluded.count <= :limit
            RETURNING c.count
            """,
            {"key": key, "amount": amount, "expiry": expiry, "limit": limit},
        )
        return bool(rows)

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """The last window's count and how long it still weighs, this window's count and how
        long until it is the last one's and then gone (seconds), as ``limits`` expects."""
        row = self._execute(
            f"""
            SELECT {_NOW}::float8 AS now, coalesce(({_PREVIOUS}), 0) AS previous,
                   coalesce(({_CURRENT}), 0) AS current
            FROM (SELECT 1) one LEFT JOIN rate_limit_counter c ON c.key = :key
            """,
            {"key": key, "expiry": expiry},
        )[0]
        left = (1 - (row.now / expiry - math.floor(row.now / expiry))) * expiry
        return int(row.previous), left if row.previous else 0.0, int(row.current), left + expiry

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self.clear(key)

    # --- housekeeping ----------------------------------------------------------------------------

    def clear(self, key: str) -> None:
        self._execute("DELETE FROM rate_limit_counter WHERE key = :key RETURNING key", {"key": key})

    def reset(self) -> int | None:
        """Forget every counter; how many there were."""
        return len(self._execute("DELETE FROM rate_limit_counter RETURNING key", {}))

    def check(self) -> bool:
        try:
            self._execute("SELECT 1 AS ok", {})
        except SQLAlchemyError:
            return False
        return True


def _sweep(conn: Connection) -> int:
    return len(
        conn.execute(
            text(
                """
                DELETE FROM rate_limit_counter WHERE key IN (
                  SELECT key FROM rate_limit_counter WHERE expires_at <= statement_timestamp()
                  FOR UPDATE SKIP LOCKED)
                RETURNING key
                """
            )
        ).all()
    )
