"""Answers kept per process (geodata/monitoring/cache.py) go only to callers who read through the
same data scope: the public, an official and each ward's staff get what was read for them, on the
real database with its reader roles and row-level security."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from geodata.db import Scope, get_engine, scope
from geodata.errors import UnknownUnit
from geodata.monitoring import cache
from geodata.monitoring.cache import kept
from geodata.monitoring.queries import root_unit, unit_by_code, unit_view
from geodata.settings import get_settings

TODAY = dt.date.today()


@kept("units")
def who_reads(conn: Connection) -> str:
    """The database role and allowed units this connection's transaction reads with."""
    return str(
        conn.scalar(
            text(
                "SELECT current_user || ':' "
                "|| coalesce(current_setting('app.allowed_units', true), '')"
            )
        )
    )


@pytest.fixture
def keeping(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Answers kept (the suite runs with keeping off), and none left from before or after."""
    monkeypatch.setattr(get_settings(), "cache_units_s", 60.0)
    monkeypatch.setattr(get_settings(), "cache_data_s", 60.0)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wards(demo_db: Engine) -> tuple[str, str]:
    """Two wards valid today."""
    with demo_db.connect() as conn:
        codes = list(
            conn.scalars(
                text(
                    "SELECT code FROM admin_unit WHERE level = 'ward' AND valid_from <= :d "
                    "AND (valid_to IS NULL OR valid_to > :d) ORDER BY code LIMIT 2"
                ),
                {"d": TODAY},
            )
        )
    return codes[0], codes[1]


def _read(who: Scope | None) -> str:
    with scope(who), get_engine().connect() as conn:
        return who_reads(conn)


def test_each_scope_gets_the_answer_read_through_its_own_role(keeping, wards) -> None:
    first, second = wards
    public = _read(Scope.public())
    ward = _read(Scope.ward([first]))
    other_ward = _read(Scope.ward([second]))
    official = _read(None)
    assert public.endswith("_public:")
    assert ward.endswith(f"_ward:{first}")
    assert other_ward.endswith(f"_ward:{second}")
    assert official.split(":")[0] == get_engine().url.username
    # Asked again, each gets its own kept answer back, never another scope's.
    assert _read(Scope.ward([first])) == ward
    assert _read(Scope.public()) == public
    assert _read(None) == official


def test_a_ward_caller_never_receives_a_unit_kept_for_the_public(keeping, wards) -> None:
    first, second = wards
    with scope(Scope.public()), get_engine().connect() as conn:
        assert unit_by_code(conn, second, TODAY).code == second  # now kept for the public
        assert root_unit(conn, TODAY).level == "city"
    with scope(Scope.ward([first])), get_engine().connect() as conn:
        with pytest.raises(UnknownUnit):  # row-level security hides the other ward
            unit_by_code(conn, second, TODAY)
        with pytest.raises(UnknownUnit):  # and the city above it
            root_unit(conn, TODAY)
        assert unit_by_code(conn, first, TODAY).code == first


def test_the_public_never_receives_a_view_kept_for_a_ward(keeping, wards) -> None:
    first, _ = wards
    with scope(Scope.ward([first])), get_engine().connect() as conn:
        ward_view = unit_view(conn, unit_by_code(conn, first, TODAY), TODAY)
    with scope(Scope.public()), get_engine().connect() as conn:
        public_view = unit_view(conn, unit_by_code(conn, first, TODAY), TODAY)
    with scope(Scope.public()), get_engine().connect() as conn:
        cache.clear()
        fresh = unit_view(conn, unit_by_code(conn, first, TODAY), TODAY)
    # A ward has no children: its view is its siblings, which only the public may all see.
    assert len(ward_view.shown["features"]) == 1
    assert len(public_view.shown["features"]) > 1
    assert public_view.shown == fresh.shown


def test_the_key_is_the_scope_the_transaction_began_with_not_the_context(keeping, wards) -> None:
    """An official's connection read with the owner's rights: a context switched to the public
    afterwards does not make its answer the public's."""
    first, _ = wards
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))  # the transaction begins with the owner's rights
        with scope(Scope.public()):
            owners = who_reads(conn)
    assert owners.split(":")[0] == get_engine().url.username
    assert _read(Scope.public()).endswith("_public:")
    with scope(Scope.ward([first])), get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
        with scope(None):
            assert who_reads(conn).endswith(f"_ward:{first}")
    assert _read(None) == owners


def test_nothing_is_kept_when_keeping_is_off(wards, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "cache_units_s", 0.0)
    cache.clear()
    with scope(Scope.public()), get_engine().connect() as conn:
        unit_by_code(conn, wards[0], TODAY)
    assert all(not store.entries for store in cache._STORES.values())
