"""The database's own wall: a transaction in a caller's scope reads only what that caller may see,
whatever SQL it runs (reader roles, privileges and row-level security, migration 0005)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from geodata.db import Scope, scope
from geodata.demo.sample import write_sample
from tests.dbutil import truncate_all

NINH_KIEU, CO_DO = "916", "925"
WARD = Scope.ward([NINH_KIEU])

# Per table: SQL for the admin unit codes a row belongs to, to compare with what a scope sees.
ROWS_BY_PLACE = {
    "sensor": "SELECT count(*) FROM sensor s",
    "road_segment": "SELECT count(*) FROM road_segment s",
    "facility": "SELECT count(*) FROM facility s",
    "flood_report": "SELECT count(*) FROM flood_report s",
    "inundation_area": "SELECT count(*) FROM inundation_area s",
    "traffic_incident": "SELECT count(*) FROM traffic_incident s",
    "camera": "SELECT count(*) FROM camera s",
    "population_cell": "SELECT count(*) FROM population_cell s",
}


@pytest.fixture(scope="module")
def monitored_db(engine: Engine) -> Engine:
    """Two days of demo monitoring data, made once: these tests only read (and audit)."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    with engine.begin() as conn:  # a citizen's report in Ninh Kiều, whatever the demo's weather
        conn.execute(
            text(
                "INSERT INTO flood_report (code, source, geom, reported_at, depth_cm, description) "
                "VALUES ('test-report', 'test', ST_SetSRID(ST_MakePoint(105.775, 10.03), 4326), "
                "now() - interval '1 hour', 40, 'Nước ngập tới đầu gối')"
            )
        )
    return engine


def _outside(table: str) -> str:
    """Rows of ``table`` that touch no part of Ninh Kiều (as the owner computes it)."""
    return (
        f"SELECT count(*) FROM {table} s WHERE NOT ST_Intersects(s.geom, "
        f"(SELECT ST_Union(geom) FROM admin_unit WHERE code = '{NINH_KIEU}'))"
    )


def test_a_ward_scope_reads_only_its_units_and_what_lies_in_them(monitored_db) -> None:
    with monitored_db.connect() as conn:
        everything = {t: conn.scalar(text(sql)) for t, sql in ROWS_BY_PLACE.items()}
        outside = {t: conn.scalar(text(_outside(t))) for t in ROWS_BY_PLACE}
        own_sensors = set(
            conn.scalars(
                text(
                    "SELECT s.id FROM sensor s, admin_unit u WHERE u.code = :c "
                    "AND ST_Intersects(u.geom, s.geom)"
                ),
                {"c": NINH_KIEU},
            )
        )
    with scope(WARD), monitored_db.connect() as conn:
        assert conn.scalar(text("SELECT current_user")).endswith("_ward")
        codes = set(conn.scalars(text("SELECT code FROM admin_unit")))
        seen = {t: conn.scalar(text(sql)) for t, sql in ROWS_BY_PLACE.items()}
        hourly = set(conn.scalars(text("SELECT DISTINCT sensor_id FROM reading_hourly")))
        raw = set(conn.scalars(text("SELECT DISTINCT sensor_id FROM reading")))
        indicator_units = set(
            conn.scalars(
                text(
                    "SELECT DISTINCT u.code FROM unit_indicator i "
                    "JOIN admin_unit u ON u.id = i.admin_unit_id"
                )
            )
        )
        hidden_indicators = conn.scalar(
            text(
                "SELECT count(*) FROM unit_indicator i WHERE NOT EXISTS "
                "(SELECT 1 FROM admin_unit u WHERE u.id = i.admin_unit_id)"
            )
        )
    assert NINH_KIEU in codes and CO_DO not in codes and "92" not in codes
    assert all(code.startswith(NINH_KIEU) for code in codes)
    for table in ROWS_BY_PLACE:
        # Everything not outside is seen, nothing outside is (the demo has both kinds of rows).
        assert seen[table] == everything[table] - outside[table], table
    assert outside["sensor"] > 0 and seen["sensor"] > 0
    assert hourly == own_sensors and raw == own_sensors
    assert indicator_units and all(code.startswith(NINH_KIEU) for code in indicator_units)
    assert hidden_indicators == 0


def test_a_ward_scope_without_units_reads_nothing(monitored_db) -> None:
    with scope(Scope.ward([])), monitored_db.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM admin_unit")) == 0
        assert conn.scalar(text("SELECT count(*) FROM sensor")) == 0
        assert conn.scalar(text("SELECT count(*) FROM reading_daily")) == 0


@pytest.mark.parametrize("table", ["flood_report", "app_user", "app_user_unit", "audit_log"])
def test_the_public_scope_may_not_read_reports_accounts_or_the_audit_log(monitored_db, table):
    with (
        scope(Scope.public()),
        monitored_db.connect() as conn,
        pytest.raises(ProgrammingError, match="permission denied"),
    ):
        conn.execute(text(f"SELECT * FROM {table} LIMIT 1"))


def test_the_public_scope_reads_the_public_tables_whole_and_only_counts_reports(
    monitored_db,
) -> None:
    counts = "SELECT (SELECT count(*) FROM admin_unit), (SELECT count(*) FROM sensor), " \
        "(SELECT count(*) FROM road_segment), count_flood_reports(" \
        "(SELECT geom FROM admin_unit WHERE code = '92'), '-infinity', 'infinity')"  # fmt: skip
    with monitored_db.connect() as conn:
        as_owner = tuple(conn.execute(text(counts)).one())
        reports = conn.scalar(text("SELECT count(*) FROM flood_report"))
    with scope(Scope.public()), monitored_db.connect() as conn:
        assert tuple(conn.execute(text(counts)).one()) == as_owner
    assert as_owner[3] == reports > 0


@pytest.mark.parametrize("reader", [Scope.public(), WARD])
def test_readers_cannot_change_data_but_may_append_to_the_audit_log(monitored_db, reader) -> None:
    with scope(reader), monitored_db.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("UPDATE sensor SET name = 'x'"))
        conn.rollback()
        conn.execute(
            text("INSERT INTO audit_log (action, outcome) VALUES ('test_reader', 'denied')")
        )
        conn.commit()
    with monitored_db.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'test_reader'"))


def test_a_scope_ends_with_its_transaction_on_a_pooled_connection(monitored_db) -> None:
    with monitored_db.connect() as conn:
        owner = conn.scalar(text("SELECT current_user"))
        units = conn.scalar(text("SELECT count(*) FROM admin_unit"))
    with scope(WARD), monitored_db.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM admin_unit")) < units
    # The pool hands the same connection back: no role or setting of the ward remains.
    with monitored_db.connect() as conn:
        assert conn.scalar(text("SELECT current_user")) == owner
        assert conn.scalar(text("SELECT current_setting('app.allowed_units', true)")) in ("", None)
        assert conn.scalar(text("SELECT count(*) FROM admin_unit")) == units
