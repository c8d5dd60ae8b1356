"""Whole databases next to the configured one: made and dropped for the test runs, the benchmarks
and ``python -m geodata bench``.

A new database is copied from ``cantho_template`` when the cluster has it (the set-up makes it:
PostGIS and the other extensions installed, which the app role could not do itself); otherwise
it starts as the server's default template. Migrations are the caller's business.

Database names are refused unless they are plain lower-case identifiers: the name goes into SQL
(``CREATE DATABASE`` takes no bind parameters) and into a URL, and such a name needs no escaping
in either. It is still double-quoted in SQL, so that a keyword is a name too.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

TEMPLATE = "cantho_template"
# PostgreSQL cuts names at 63 bytes; a longer one would silently name another database.
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _quoted(name: str) -> str:
    if not _PLAIN_NAME.fullmatch(name):
        raise ValueError(f"not a plain database name (a-z, 0-9, _; at most 63): {name!r}")
    return f'"{name}"'


def database_url(base_url: str, name: str) -> str:
    """``base_url`` (same server, role and options) naming the database ``name`` instead."""
    _quoted(name)
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def _admin(base_url: str) -> Connection:
    # CREATE/DROP DATABASE refuse to run inside a transaction; no pool, so that nothing of ours
    # stays connected after the call.
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return engine.connect()


def database_exists(base_url: str, name: str) -> bool:
    """Whether the server at ``base_url`` has a database ``name``."""
    with _admin(base_url) as conn:
        return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))


def create_database(base_url: str, name: str, *, replace: bool, copy_of: str | None = None) -> str:
    """Create the database ``name`` on the server at ``base_url``, from the template when there is
    one (or as a copy of the database ``copy_of``, which nobody may be connected to); its URL.
    ``replace``: drop a database of that name first (whoever is connected to it); otherwise an
    existing one is an error (the server's)."""
    quoted = _quoted(name)
    if replace:
        drop_database(base_url, name)
    with _admin(base_url) as conn:
        source = copy_of or TEMPLATE
        has_template = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": source}
        )
        template = f" TEMPLATE {_quoted(source)}" if has_template else ""
        if copy_of is None:
            conn.execute(text(f"CREATE DATABASE {quoted}{template}"))
            return database_url(base_url, name)
        # A copy needs its source to itself: end our own idle sessions on it (a pool, a
        # migration's engine) and try again while an autovacuum worker finishes.
        for attempt in range(30):
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND usename = current_user AND pid <> pg_backend_pid()"
                ),
                {"n": copy_of},
            )
            try:
                conn.execute(text(f"CREATE DATABASE {quoted}{template}"))
                break
            except DBAPIError:
                if attempt == 29:
                    raise
                time.sleep(1)
    return database_url(base_url, name)


def drop_database(base_url: str, name: str, *, attempts: int = 40) -> None:
    """Drop the database ``name`` if it exists, whatever is still connected to it.

    FORCE ends our own sessions (a server a test or a benchmark started); it may not end an
    autovacuum worker, which belongs to the superuser (the app role lacks pg_signal_backend),
    and then fails as a whole. A plain DROP cancels autovacuum itself but fails on our own
    sessions: so try both, a few times, as either kind may come and go.
    """
    quoted = _quoted(name)
    last: DBAPIError | None = None
    for _ in range(attempts):
        for force in (" WITH (FORCE)", ""):
            try:
                with _admin(base_url) as conn:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}{force}"))
                return
            except DBAPIError as exc:
                last = exc
                time.sleep(0.25)
    raise RuntimeError(f"could not drop the database {name}: {last}") from last
