"""Test fixtures: a throw-away PostGIS database per test run, made from the set-up's template.

The suite needs DATABASE_URL pointing at a PostgreSQL server whose role may create databases
(`make test` provides it). Tests never mock the database.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.dbutil import truncate_all
from tests.servers import gunicorn

_BASE_URL = os.environ.get("DATABASE_URL")
if not _BASE_URL:
    raise pytest.UsageError("DATABASE_URL is not set: run the suite with `make test`")

_TEST_DB = f"cantho_test_{uuid.uuid4().hex[:8]}"
TEST_URL = make_url(_BASE_URL).set(database=_TEST_DB).render_as_string(hide_password=False)
# Everything imported from here on (settings, engine, the Dash app) sees the throw-away database.
os.environ["DATABASE_URL"] = TEST_URL
os.environ.setdefault("CANTHO_TILE_URL", "")  # no tile requests from tests: the network is closed
# No rollup refresher thread in the test process: tests drain the queue when they mean to. The
# gunicorn servers started below run one, as production does.
os.environ["CANTHO_ROLLUP_INTERVAL_S"] = "0"


def _admin_engine() -> Engine:
    return create_engine(_BASE_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The migrated throw-away database, dropped at the end of the run."""
    from geodata.db import get_engine
    from geodata.migrate import upgrade

    admin = _admin_engine()
    with admin.connect() as conn:
        has_template = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = 'cantho_template'")
        )
        template = " TEMPLATE cantho_template" if has_template else ""
        conn.execute(text(f'CREATE DATABASE "{_TEST_DB}"{template}'))
    try:
        upgrade(database_url=TEST_URL)
        yield get_engine()
    finally:
        get_engine().dispose()
        _drop_test_database(admin)
        admin.dispose()


def _drop_test_database(admin: Engine) -> None:
    """Drop the throw-away database, whatever is still connected to it.

    FORCE ends our own stray sessions (servers started by tests); it may not end an autovacuum
    worker, which belongs to the superuser, but a plain DROP cancels those itself: try both.
    """
    for _ in range(40):
        for force in (" WITH (FORCE)", ""):
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEST_DB}"{force}'))
                return
            except DBAPIError:
                time.sleep(0.25)
    raise RuntimeError(f"could not drop the test database {_TEST_DB}")


@pytest.fixture
def empty_db(engine: Engine) -> Engine:
    """The database with no data in it."""
    truncate_all(engine)
    return engine


@pytest.fixture
def demo_db(engine: Engine) -> Engine:
    """The database holding exactly the default demo data set."""
    from geodata.sample import write_sample

    truncate_all(engine)
    write_sample()
    return engine


@pytest.fixture
def monitored_db(engine: Engine) -> Engine:
    """The demo city with two days of monitoring data, facilities and coverage, ending now."""
    from geodata.sample import write_sample

    truncate_all(engine)
    write_sample(days=2, services=True)
    return engine


@pytest.fixture(scope="module")
def server(engine) -> Iterator[str]:
    """gunicorn with two workers against the test database; its base URL. Its rollup refresher
    runs, as in production, every half second."""
    with gunicorn({"CANTHO_ROLLUP_INTERVAL_S": "0.5"}) as (base, _):
        yield base


def pytest_setup_options():  # type: ignore[no-untyped-def]
    """Headless Chromium options for dash_duo (the machines have no screen)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--window-size=1400,900",
    ):
        options.add_argument(arg)
    return options
