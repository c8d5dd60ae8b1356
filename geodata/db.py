"""One SQLAlchemy engine per process, a helper for a transaction, and the caller's data scope.

The app connects as the role that owns the tables. A request from the public or from ward staff
states its :class:`Scope`; every transaction begun while it holds switches to that caller's
reader role and states the allowed units (``SET LOCAL``, so a pooled connection never carries
one caller's scope into the next transaction). Row-level security and privileges on those roles
(migration 0005) keep out of every query what the caller may not see, whatever the application
code asks: the second wall behind ``web.access``.

Reads that may be a few seconds old (the map, charts, open data, downloads) may go to a streaming
replica instead (``CANTHO_READ_DATABASE_URL``) through :func:`reading`, with the same scope
mechanism: a hot standby allows ``SET LOCAL ROLE`` and ``set_config``, and its roles and
row-level security policies are the primary's, replayed. Everything else (writes, sign-in,
sessions, rate limits, audit) goes through :func:`get_engine` and :func:`transaction`: the
primary. A replica that does not answer, or lags more than allowed, is left out for a while.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import psycopg.types.json
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from geodata.settings import get_settings

# The layers come from PostGIS as json (a city's roads: half a megabyte); orjson parses them
# several times faster than the standard library, for every connection of the process.
psycopg.types.json.set_json_loads(orjson.loads)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """What the database lets a transaction read: a reader role and, for a ward, its units."""

    reader: str  # "public" or "ward"
    unit_codes: tuple[str, ...] = ()

    @classmethod
    def public(cls) -> Scope:
        return cls("public")

    @classmethod
    def ward(cls, unit_codes: Sequence[str]) -> Scope:
        return cls("ward", tuple(unit_codes))


# None: the owner's full rights (officials, command-line tools, sign-in itself).
_scope: ContextVar[Scope | None] = ContextVar("data_scope", default=None)


def set_scope(value: Scope | None) -> Token[Scope | None]:
    """State the scope of what follows in this context; undo with :func:`reset_scope`."""
    return _scope.set(value)


def reset_scope(token: Token[Scope | None]) -> None:
    _scope.reset(token)


@contextmanager
def scope(value: Scope | None) -> Iterator[None]:
    """Run a block with the given data scope (None: the owner's full rights)."""
    token = set_scope(value)
    try:
        yield
    finally:
        reset_scope(token)


# Where a connection records the scope its transaction began with (geodata.monitoring.cache keys
# kept answers by it: the scope the answer was really read through, whatever the context says).
SCOPE_INFO = "cantho_data_scope"


def current_scope() -> Scope | None:
    """The data scope stated for what runs now (None: the owner's full rights)."""
    return _scope.get()


def _state_scope(conn: Connection, *_: Any) -> None:
    value = _scope.get()
    conn.info[SCOPE_INFO] = value
    if value is None:
        return
    owner = conn.engine.url.username
    conn.exec_driver_sql(
        "SELECT set_config('role', %(role)s, true), "
        "set_config('app.allowed_units', %(units)s, true)",
        {"role": f"{owner}_{value.reader}", "units": ",".join(value.unit_codes)},
    )


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), created once per process."""
    settings = get_settings()
    engine = create_engine(
        url or settings.database_url,
        pool_pre_ping=True,  # survive a database restart without a 500 on the first request
        pool_size=5,
        max_overflow=5,
        connect_args={} if settings.database_prepare else {"prepare_threshold": None},
    )
    event.listen(engine, "begin", _state_scope)
    return engine


@contextmanager
def transaction(engine: Engine | None = None, *, dry_run: bool = False) -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error; with
    ``dry_run``, rolled back at the end as well (everything checked and done, nothing kept)."""
    with (engine or get_engine()).connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        except BaseException:
            trans.rollback()
            raise
        if dry_run:
            trans.rollback()
        else:
            trans.commit()


def _lsn(value: str | None) -> int | None:
    """A WAL position ("16/B374D848") as a number, to compare two of them."""
    if not value:
        return None
    high, low = value.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def replica_lag(replica: Connection, primary_lsn: str | None) -> float | None:
    """How old, at most, what the replica shows is, in seconds; None when it cannot tell.

    Nothing lags when the replica has replayed all the primary had written when asked
    (``primary_lsn``). Otherwise the time since the last transaction it replayed bounds it from
    above: an idle primary makes that grow with nothing missing, hence the comparison first.
    Without the primary's position (it is down), what the replica received and replayed is
    compared instead."""
    in_recovery, received, replayed, since = replica.exec_driver_sql(
        "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, "
        "pg_last_wal_replay_lsn()::text, "
        "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
    ).one()
    if not in_recovery:
        return 0.0  # a primary itself (the read URL names the primary, or it was promoted)
    done = _lsn(replayed)
    target = _lsn(primary_lsn) if primary_lsn else _lsn(received)
    if done is not None and target is not None and done >= target:
        return 0.0
    return None if since is None else max(0.0, float(since))


class ReadRouter:
    """Chooses between a replica and the primary for reads, looking at the replica at most once
    per ``check_s`` (a request never waits on a probe another thread is running)."""

    def __init__(self, primary: Engine, replica: Engine, max_lag_s: float, check_s: float):
        self.primary, self.replica = primary, replica
        self.max_lag_s, self.check_s = max_lag_s, check_s
        self._usable = False
        self._probed = False  # the first look says nothing when the replica is simply there
        self._next_check = 0.0
        self._lock = threading.Lock()
        self.last_lag: float | None = None

    def use_replica(self) -> bool:
        """Whether reads go to the replica now (probing it when the last look is too old)."""
        if time.monotonic() >= self._next_check and self._lock.acquire(blocking=False):
            try:
                self._usable = self._probe()
                self._next_check = time.monotonic() + self.check_s
            finally:
                self._lock.release()
        return self._usable

    def mark_down(self, reason: BaseException) -> None:
        """Leave the replica out until the next look (it just failed a request)."""
        if self._usable:
            log.warning("read replica left out for %.1f s: %s", self.check_s, reason)
        self._usable = False
        self._next_check = time.monotonic() + self.check_s

    def _probe(self) -> bool:
        first, self._probed = not self._probed, True
        primary_lsn: str | None = None
        try:
            with self.primary.connect() as conn:
                primary_lsn = conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar()
        except DBAPIError:
            pass  # the primary is away: judge the replica by itself (reads may still go on)
        try:
            with self.replica.connect() as conn:
                self.last_lag = replica_lag(conn, primary_lsn)
        except DBAPIError as exc:
            if self._usable or first:
                log.warning("read replica unreachable, reads go to the primary: %s", exc)
            self.last_lag = None
            return False
        usable = self.last_lag is not None and self.last_lag <= self.max_lag_s
        if usable != self._usable and not (first and usable):
            log.warning(
                "read replica %s (lag %s s, allowed %s s)",
                "back in use" if usable else "left out, reads go to the primary",
                "unknown" if self.last_lag is None else f"{self.last_lag:.1f}",
                self.max_lag_s,
            )
        return usable

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads: the replica's when it is in use and answers, else the
        primary's. A replica connection lost meanwhile leaves the replica out (this request
        fails as any request in flight on a lost connection does)."""
        if self.use_replica():
            try:
                conn = self.replica.connect()
            except DBAPIError as exc:
                self.mark_down(exc)
            else:
                with conn:
                    try:
                        yield conn
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            self.mark_down(exc)
                        raise
                return
        with self.primary.connect() as conn:
            yield conn


@lru_cache(maxsize=1)
def read_router() -> ReadRouter | None:
    """The configured replica's router, once per process; None when there is no replica."""
    settings = get_settings()
    if not settings.read_database_url:
        return None
    replica = create_engine(
        settings.read_database_url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        # A replica host that does not answer must not hold a request for long: the primary
        # is there.
        connect_args={"connect_timeout": 2},
    )
    event.listen(replica, "begin", _state_scope)
    return ReadRouter(get_engine(), replica, settings.replica_max_lag_s, settings.replica_check_s)


def writer_for(conn: Connection) -> Engine:
    """The engine to write with beside ``conn``: the primary's when ``conn`` is the replica's
    (a reader that brings a rollup up to date on its way), else ``conn``'s own."""
    router = read_router()
    if router is not None and conn.engine is router.replica:
        return router.primary
    return conn.engine


@contextmanager
def reading() -> Iterator[Connection]:
    """A connection for a block that only reads and may be a few seconds old: the replica's
    when one is configured, answers and lags no more than allowed; else the primary's. Writes
    in it fail on a replica ("read-only transaction"): use :func:`transaction` for them."""
    router = read_router()
    if router is None:
        with get_engine().connect() as conn:
            yield conn
        return
    with router.reading() as conn:
        yield conn
