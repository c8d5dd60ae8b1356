"""Test fixtures: a throw-away PostGIS database per test run, made from the set-up's template.

The suite needs DATABASE_URL pointing at a PostgreSQL server whose role may create databases
(`make test` provides it). Tests never mock the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from geodata.ops.dbadmin import create_database, database_url, drop_database
from tests.dbutil import truncate_all
from tests.servers import gunicorn

_BASE_URL = os.environ.get("DATABASE_URL", "")
if not _BASE_URL:
    raise pytest.UsageError("DATABASE_URL is not set: run the suite with `make test`")

_TEST_DB = f"cantho_test_{uuid.uuid4().hex[:8]}"
TEST_URL = database_url(_BASE_URL, _TEST_DB)
# Everything imported from here on (settings, engine, the Dash app) sees the throw-away database.
os.environ["DATABASE_URL"] = TEST_URL
os.environ.setdefault("CANTHO_TILE_URL", "")  # no tile requests from tests: the network is closed
# No rollup refresher thread in the test process: tests drain the queue when they mean to. The
# gunicorn servers started below run one, as production does.
os.environ["CANTHO_ROLLUP_INTERVAL_S"] = "0"
# No answers kept between calls (geodata/monitoring/cache.py): tests change the data and read it
# back at once, in this process and in the servers they start. tests/geodata/monitoring/
# test_cache.py turns keeping on where it is the subject.
os.environ["CANTHO_CACHE_UNITS_S"] = "0"
os.environ["CANTHO_CACHE_DATA_S"] = "0"
# No backups from the worker the tests run: in a checkout where `make backup` was run, it would
# back up the shared cluster. tests/geodata/backup/ names its own private cluster and schedule.
os.environ["CANTHO_BACKUP_FULL_DAYS"] = "0"
os.environ["CANTHO_BACKUP_DIFF_HOURS"] = "0"
os.environ["CANTHO_BACKUP_FILES_INTERVAL_S"] = "0"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The migrated throw-away database, dropped at the end of the run."""
    from geodata.db import get_engine
    from geodata.ops.migrate import upgrade

    create_database(_BASE_URL, _TEST_DB, replace=False)
    try:
        upgrade(database_url=TEST_URL)
        yield get_engine()
    finally:
        get_engine().dispose()
        drop_database(_BASE_URL, _TEST_DB)


@pytest.fixture
def empty_db(engine: Engine) -> Engine:
    """The database with no data in it."""
    truncate_all(engine)
    return engine


@pytest.fixture
def demo_db(engine: Engine) -> Engine:
    """The database holding exactly the default demo data set."""
    from geodata.demo.sample import write_sample

    truncate_all(engine)
    write_sample()
    return engine


@pytest.fixture
def monitored_db(engine: Engine) -> Engine:
    """The demo city with two days of monitoring data, facilities and coverage, ending now."""
    from geodata.demo.sample import write_sample

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
