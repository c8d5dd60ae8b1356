"""Answers kept for a few seconds in each server process, for every caller who may read them alike.

A drill-down sends a dozen callbacks, each asking the database again what every other visitor
asked a moment before: the unit's shapes and its children's, the latest hour with data, the
KPIs and series of the hour shown. Under a crowd (scripts/crowd.py: 200 people on two cores)
that is most of the server's work. Functions decorated with :func:`kept` remember their answer
per process for ``CANTHO_CACHE_UNITS_S`` (admin units and their shapes, which change only with
an import) or ``CANTHO_CACHE_DATA_S`` (readings' rollups and report figures, which change as
sensors push); 0 turns it off.

**Who gets a kept answer.** Row-level security makes the same query answer differently for the
public, ward staff (their units only) and officials (everything). Every key therefore starts
with the data scope the answering transaction read through — the reader role and, for ward
staff, their exact unit bindings, as ``geodata.db`` stated them on the connection when its
transaction began — so an answer is only ever given to a caller whose transaction reads
exactly as the one that produced it. A ward staff member never gets what was kept for the
public or an official, nor for another ward, and the other way round. A connection whose scope
is not known (nothing recorded) is not served from the cache at all.

Answers are shared, not copied: callers must not change them (``copy=True`` gives each caller
its own copy, for the one that does).
"""

from __future__ import annotations

import copy as copying
import datetime as dt
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Literal, ParamSpec, TypeVar

from sqlalchemy import Connection

from geodata.db import SCOPE_INFO, Scope, current_scope
from geodata.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")
Kind = Literal["units", "data"]
# Entries per function and process: every unit of a city for several dates and moments.
MAX_ENTRIES = 2048
_UNKNOWN = object()


def scope_key(scope: Scope | None) -> tuple[str, ...]:
    """The part of a key that says whose reading it is: "owner" (officials, the owner's
    rights), "public", or "ward" with the exact unit bindings."""
    if scope is None:
        return ("owner",)
    return (scope.reader, *sorted(scope.unit_codes))


def connection_scope(conn: Connection) -> Any:
    """The scope the connection reads through: the one stated when its transaction began, or
    the one its next transaction will begin with; ``_UNKNOWN`` when it cannot be told."""
    if conn.in_transaction():
        return conn.info.get(SCOPE_INFO, _UNKNOWN)
    return current_scope()


def now_key(moment: dt.datetime) -> int:
    """ "Now" as a key: the same for the span answers of the moment are kept (a "now" given
    explicitly, far from the clock, has its own key all the same)."""
    return int(moment.timestamp() // max(get_settings().cache_data_s, 1.0))


def _ttl(kind: Kind) -> float:
    settings = get_settings()
    return settings.cache_units_s if kind == "units" else settings.cache_data_s


class _Store:
    """One function's answers: key → (expiry, value), least recently used dropped first."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return _UNKNOWN
            if found[0] < time.monotonic():
                del self.entries[key]
                return _UNKNOWN
            self.entries.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, value: Any, ttl: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + ttl, value)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


_STORES: dict[str, _Store] = {}


def clear() -> None:
    """Forget every kept answer of this process."""
    for store in _STORES.values():
        with store.lock:
            store.entries.clear()


def kept(
    kind: Kind, key: Callable[..., Hashable] | None = None, copy: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep a query function's answers (its first argument the connection) per data scope and
    arguments (``key`` maps the other arguments to the key, e.g. "now" to a bucket)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        store = _STORES.setdefault(f"{fn.__module__}.{fn.__qualname__}", _Store())

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            ttl = _ttl(kind)
            conn = args[0]
            scope: Any = connection_scope(conn) if isinstance(conn, Connection) else _UNKNOWN
            if ttl <= 0 or scope is _UNKNOWN:
                return fn(*args, **kwargs)
            rest = key(*args[1:], **kwargs) if key else (args[1:], tuple(sorted(kwargs.items())))
            full = (scope_key(scope), rest)
            value = store.get(full)
            if value is _UNKNOWN:
                value = fn(*args, **kwargs)
                store.put(full, value, ttl)
            return copying.deepcopy(value) if copy else value

        return wrapper

    return decorate
