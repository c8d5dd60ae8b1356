"""One SQLAlchemy engine per process, and a helper for a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine

from geodata.settings import get_settings


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), created once per process."""
    return create_engine(
        url or get_settings().database_url,
        pool_pre_ping=True,  # survive a database restart without a 500 on the first request
        pool_size=5,
        max_overflow=5,
    )


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error."""
    with (engine or get_engine()).begin() as conn:
        yield conn
