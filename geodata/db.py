"""One SQLAlchemy engine per process, a helper for a transaction, and the caller's data scope.

The app connects as the role that owns the tables. A request from the public or from ward staff
states its :class:`Scope`; every transaction begun while it holds switches to that caller's
reader role and states the allowed units (``SET LOCAL``, so a pooled connection never carries
one caller's scope into the next transaction). Row-level security and privileges on those roles
(migration 0005) keep out of every query what the caller may not see, whatever the application
code asks: the second wall behind ``web.access``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from geodata.settings import get_settings


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


def _state_scope(conn: Connection, *_: Any) -> None:
    value = _scope.get()
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
    engine = create_engine(
        url or get_settings().database_url,
        pool_pre_ping=True,  # survive a database restart without a 500 on the first request
        pool_size=5,
        max_overflow=5,
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
