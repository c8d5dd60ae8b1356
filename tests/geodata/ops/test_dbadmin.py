"""Whole databases made and dropped on the real cluster: from the set-up's template, dropped with a
session still in them, names refused unless plain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from geodata.ops.dbadmin import (
    TEMPLATE,
    create_database,
    database_exists,
    database_url,
    drop_database,
)


@pytest.fixture
def base_url(engine: Engine) -> str:
    """The run's throw-away database: the admin connections go through it."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def name(base_url: str) -> Iterator[str]:
    """A name no database has; whatever the test made under it is dropped afterwards."""
    made = f"{make_url(base_url).database}_dbadmin_{uuid.uuid4().hex[:8]}"
    yield made
    drop_database(base_url, made)


def _scalars(url: str, sql: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text(sql)))
    finally:
        engine.dispose()


def test_a_new_database_is_a_copy_of_the_template_and_a_connected_session_does_not_stop_the_drop(
    base_url: str, name: str
) -> None:
    url = create_database(base_url, name, replace=False)
    assert url == database_url(base_url, name)
    assert database_exists(base_url, name)
    # The template's extensions (the app role could not install them), and no migration yet.
    # (Not compared with the template's own list: a session in the template would make every
    # CREATE DATABASE from it fail meanwhile, a concurrent test run's included.)
    if database_exists(base_url, TEMPLATE):
        extensions = _scalars(url, "SELECT extname FROM pg_extension")
        assert {"postgis", "btree_gist"} <= extensions
    tables = _scalars(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert "alembic_version" not in tables
    assert "sensor" not in tables

    # A client still in it (a server a benchmark forgot, say) does not keep it alive.
    stray = create_engine(url)
    conn = stray.connect()
    try:
        conn.execute(text("SELECT 1"))
        drop_database(base_url, name)
    finally:
        conn.invalidate()
        stray.dispose()
    assert not database_exists(base_url, name)


def test_creating_an_existing_database_replaces_it_or_fails(base_url: str, name: str) -> None:
    url = create_database(base_url, name, replace=False)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE left_behind (n int)"))
    finally:
        engine.dispose()
    with pytest.raises(ProgrammingError, match="already exists"):
        create_database(base_url, name, replace=False)
    assert "left_behind" in _scalars(url, "SELECT tablename FROM pg_tables")

    create_database(base_url, name, replace=True)
    assert "left_behind" not in _scalars(url, "SELECT tablename FROM pg_tables")


def test_dropping_a_missing_database_does_nothing(base_url: str, name: str) -> None:
    assert not database_exists(base_url, name)
    drop_database(base_url, name)
    assert not database_exists(base_url, name)


@pytest.mark.parametrize(
    "bad",
    ['x"; DROP DATABASE cantho; --', "Cantho", "two words", "", "1st", "a" * 64, "đà_nẵng"],
)
def test_a_name_that_is_not_a_plain_identifier_is_refused_before_any_sql(
    base_url: str, bad: str
) -> None:
    for call in (
        lambda: create_database(base_url, bad, replace=True),
        lambda: drop_database(base_url, bad),
        lambda: database_url(base_url, bad),
    ):
        with pytest.raises(ValueError, match="not a plain database name"):
            call()


def test_a_keyword_is_a_name_too(base_url: str) -> None:
    keyword = "select"  # unquoted, CREATE DATABASE select would be a syntax error
    create_database(base_url, keyword, replace=False)
    try:
        assert database_exists(base_url, keyword)
    finally:
        drop_database(base_url, keyword)
    assert not database_exists(base_url, keyword)
