"""Sensor tokens and the checks on a pushed batch, against the real database (no HTTP here)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.monitoring.ingest import (
    BatchRejected,
    Limits,
    TokenRefused,
    add_token,
    authenticate_sensor,
    ingest,
    rotate_token,
    set_token_disabled,
)
from tests.dbutil import make_sensor

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
LIMITS = Limits(clock_skew=dt.timedelta(minutes=5), max_age=dt.timedelta(days=30))


@pytest.fixture
def sensor(empty_db: Engine) -> tuple[str, str]:
    """A sensor with a token: (code, token)."""
    code = make_sensor(empty_db)
    with empty_db.begin() as conn:
        return code, add_token(conn, code)


def _item(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "quantity": "pm25",
        "unit": "µg/m³",
        "value": 35.5,
        "observed_at": (NOW - dt.timedelta(minutes=10)).isoformat(),
    }
    item.update(changes)
    return {k: v for k, v in item.items() if v is not ...}


def _ingest(engine: Engine, token: str, items: list[object]):
    with engine.begin() as conn:
        return ingest(conn, token, items, LIMITS, NOW)


def _reasons(engine: Engine, token: str, items: list[object]) -> list[tuple[int, str, str]]:
    with pytest.raises(BatchRejected) as caught:
        _ingest(engine, token, items)
    return [(e.index, e.field, e.reason) for e in caught.value.errors]


def _count(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM reading r JOIN sensor s ON s.id = r.sensor_id "
                    "WHERE s.code = :c"
                ),
                {"c": code},
            )
        )


def test_only_a_sha256_digest_of_the_secret_is_stored(sensor, empty_db) -> None:
    code, token = sensor
    assert token.startswith(code + ".")
    secret = token.rpartition(".")[2]
    with empty_db.connect() as conn:
        stored = conn.scalar(text("SELECT secret_sha256 FROM sensor_token"))
        row = conn.execute(text("SELECT * FROM sensor_token")).one()
    assert bytes(stored) == hashlib.sha256(secret.encode()).digest()
    assert secret not in repr(tuple(row))


def test_a_good_token_names_its_sensor(sensor, empty_db) -> None:
    code, token = sensor
    with empty_db.connect() as conn:
        assert authenticate_sensor(conn, token).code == code


def test_a_sensor_code_that_is_not_ascii_still_makes_a_usable_token(empty_db) -> None:
    code = make_sensor(empty_db) + "-Quốclộ1A"
    with empty_db.begin() as conn:
        conn.execute(text("INSERT INTO sensor (code, source, geom, name, kind) SELECT :c, "
                          "source, geom, name, kind FROM sensor LIMIT 1"), {"c": code})  # fmt: skip
        token = add_token(conn, code)
    assert token.isascii()
    with empty_db.connect() as conn:
        assert authenticate_sensor(conn, token).code == code


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("no-dot-in-it", "malformed"),
        ("nosuchsensor.secret", "unknown_sensor"),
    ],
)
def test_tokens_that_name_no_sensor_are_refused(empty_db, token, reason) -> None:
    with empty_db.connect() as conn, pytest.raises(TokenRefused) as caught:
        authenticate_sensor(conn, token)
    assert caught.value.reason == reason


def test_a_wrong_secret_a_sensor_without_token_and_a_disabled_sensor_are_refused(
    sensor, empty_db
) -> None:
    code, token = sensor
    untokened = make_sensor(empty_db)
    cases = [(code + ".wrong", "wrong_secret"), (untokened + ".x", "no_token")]
    for bad, reason in cases:
        with empty_db.connect() as conn, pytest.raises(TokenRefused) as caught:
            authenticate_sensor(conn, bad)
        assert caught.value.reason == reason
    with empty_db.begin() as conn:
        set_token_disabled(conn, code)
    with empty_db.connect() as conn, pytest.raises(TokenRefused) as caught:
        authenticate_sensor(conn, token)
    assert caught.value.reason == "disabled"
    with empty_db.begin() as conn:
        set_token_disabled(conn, code, disabled=False)
    with empty_db.connect() as conn:
        assert authenticate_sensor(conn, token).code == code


def test_a_rotated_token_replaces_the_old_one(sensor, empty_db) -> None:
    code, old = sensor
    with empty_db.begin() as conn:
        new = rotate_token(conn, code)
    assert new != old
    with empty_db.connect() as conn:
        assert authenticate_sensor(conn, new).code == code
        with pytest.raises(TokenRefused) as caught:
            authenticate_sensor(conn, old)
    assert caught.value.reason == "wrong_secret"


def test_a_good_batch_is_stored_and_counted(sensor, empty_db) -> None:
    code, token = sensor
    items = [_item(), _item(quantity="pm10", value=50)]
    result = _ingest(empty_db, token, items)
    assert (result.received, result.inserted, result.duplicates) == (2, 2, 0)
    assert _count(empty_db, code) == 2


def test_the_same_batch_again_writes_nothing_new(sensor, empty_db) -> None:
    code, token = sensor
    items = [_item(), _item(quantity="pm10", value=50)]
    _ingest(empty_db, token, items)
    again = _ingest(empty_db, token, items)
    assert (again.inserted, again.duplicates) == (0, 2)
    assert _count(empty_db, code) == 2


FUTURE = (NOW + dt.timedelta(minutes=6)).isoformat()
SKEWED = (NOW + dt.timedelta(minutes=4)).isoformat()
OLD = (NOW - dt.timedelta(days=30, minutes=1)).isoformat()


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        ("not an object", "", "not_object"),
        (_item(quantity="temperature"), "quantity", "unknown_quantity"),
        (_item(quantity="water_level", unit="m", value=1.2), "quantity", "not_measured"),
        (_item(unit="mg/m³"), "unit", "wrong_unit"),
        (_item(value=-0.1), "value", "out_of_range"),
        (_item(value=1000.5), "value", "out_of_range"),
        (_item(value="35"), "value", "not_number"),
        (_item(value=True), "value", "not_number"),
        (_item(value=float("nan")), "value", "not_number"),
        (_item(observed_at=FUTURE), "observed_at", "in_future"),
        (_item(observed_at=OLD), "observed_at", "too_old"),
        (_item(observed_at="2026-11-27T10:00:00"), "observed_at", "not_time"),  # no offset
        (_item(observed_at="yesterday"), "observed_at", "not_time"),
        (_item(quantity=...), "quantity", "missing"),
        (_item(unit=...), "unit", "missing"),
        (_item(value=...), "value", "missing"),
        (_item(observed_at=...), "observed_at", "missing"),
        (_item(quantity=3), "quantity", "not_text"),
        (_item(quality=7), "quality", "bad_quality"),
        (_item(colour="red"), "colour", "unknown_field"),
        (_item(sensor="nosuchsensor"), "sensor", "unknown_sensor"),
    ],
)
def test_a_bad_item_is_named_and_nothing_of_the_batch_is_written(
    sensor, empty_db, bad, field, reason
) -> None:
    code, token = sensor
    good = _item(observed_at=(NOW - dt.timedelta(minutes=20)).isoformat())
    assert _reasons(empty_db, token, [good, bad]) == [(1, field, reason)]
    assert _count(empty_db, code) == 0


def test_a_batch_may_not_carry_another_sensors_readings(sensor, empty_db) -> None:
    code, token = sensor
    other = make_sensor(empty_db)
    assert _reasons(empty_db, token, [_item(sensor=other)]) == [(0, "sensor", "other_sensor")]
    assert _count(empty_db, other) == _count(empty_db, code) == 0


def test_an_item_may_name_its_own_sensor(sensor, empty_db) -> None:
    code, token = sensor
    assert _ingest(empty_db, token, [_item(sensor=code)]).inserted == 1


def test_a_reading_a_little_ahead_of_the_server_clock_is_taken(sensor, empty_db) -> None:
    _, token = sensor
    assert _ingest(empty_db, token, [_item(observed_at=SKEWED)]).inserted == 1


def test_the_same_moment_twice_with_two_values_is_a_conflict(sensor, empty_db) -> None:
    _, token = sensor
    items = [_item(value=10), _item(value=10), _item(value=11)]
    assert _reasons(empty_db, token, items) == [(2, "observed_at", "conflict")]


def test_every_problem_of_every_item_is_reported(sensor, empty_db) -> None:
    _, token = sensor
    items = [_item(unit="ppm", value=5000), _item(), _item(observed_at=FUTURE)]
    assert _reasons(empty_db, token, items) == [
        (0, "unit", "wrong_unit"),
        (0, "value", "out_of_range"),
        (2, "observed_at", "in_future"),
    ]


def test_the_command_line_adds_rotates_and_disables_tokens(empty_db, capsys) -> None:
    code = make_sensor(empty_db)
    assert main(["sensors", "add", code]) == 0
    token = capsys.readouterr().out.strip()
    with empty_db.connect() as conn:
        assert authenticate_sensor(conn, token).code == code
    assert main(["sensors", "add", code]) == 2  # one token per sensor: rotate it instead
    assert "rotate-token" in capsys.readouterr().err
    assert main(["sensors", "rotate-token", code]) == 0
    new = capsys.readouterr().out.strip()
    assert main(["sensors", "disable", code]) == 0
    for refused in (token, new):
        with empty_db.connect() as conn, pytest.raises(TokenRefused):
            authenticate_sensor(conn, refused)
    assert main(["sensors", "add", "nosuchsensor"]) == 2
    assert "no sensor" in capsys.readouterr().err
    with empty_db.connect() as conn:
        changes = conn.scalars(
            text("SELECT detail->>'change' FROM audit_log WHERE action = 'sensor_token' "
                 "AND detail->>'sensor' = :c ORDER BY id"), {"c": code}
        ).all()  # fmt: skip
    assert changes == ["add", "rotate", "disable"]


def test_pushes_leave_every_unit_indicator_as_a_full_recompute_would(monitored_db) -> None:
    """A push recomputes only the units covering its sensor (the cheap path); recomputing
    every unit for the same periods afterwards must change nothing."""
    from geodata.monitoring.readings import drain_rollup_queue, refresh_unit_indicators

    hour = (NOW - dt.timedelta(hours=1)).replace(minute=0, second=0)
    with monitored_db.connect() as conn:
        sensors = conn.execute(
            text("SELECT DISTINCT ON (s.kind) s.code, q.code, q.unit, q.min_value, q.max_value "
                 "FROM sensor s JOIN sensor_quantity sq ON sq.sensor_id = s.id "
                 "JOIN quantity q ON q.id = sq.quantity_id ORDER BY s.kind, s.code, q.id")
        ).all()  # fmt: skip
    assert len(sensors) >= 3  # gauges, air stations, traffic detectors at least
    for code, quantity, unit, low, high in sensors:
        with monitored_db.begin() as conn:
            token = add_token(conn, code)
        # The top of its range: alert levels, AQI and congestion all move.
        items = [{"quantity": quantity, "unit": unit, "value": high if quantity != "speed" else low,
                  "observed_at": (hour + dt.timedelta(seconds=30 + k)).isoformat()}
                 for k in range(3)]  # fmt: skip
        assert _ingest(monitored_db, token, items).inserted == 3
    with monitored_db.begin() as conn:
        assert drain_rollup_queue(conn) == len(sensors)  # one queued hour per sensor
    snapshot = "SELECT admin_unit_id, indicator, period, period_start, value, detail FROM "
    with monitored_db.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE before ON COMMIT DROP AS " + snapshot
                          + "unit_indicator"))  # fmt: skip
        for bucket, start in (("hour", hour), ("day", None)):
            conn.execute(
                text(f"CREATE TEMP TABLE touched_{bucket} ON COMMIT DROP AS SELECT DISTINCT "
                     f"period_start AS {bucket} FROM unit_indicator WHERE period = :p "
                     "AND (CAST(:s AS timestamptz) IS NULL OR period_start = :s)"),
                {"p": bucket, "s": start},
            )  # fmt: skip
        refresh_unit_indicators(conn)  # every unit, as if from scratch
        changed = conn.execute(
            text(f"({snapshot} unit_indicator EXCEPT {snapshot} before) UNION ALL "
                 f"({snapshot} before EXCEPT {snapshot} unit_indicator)")
        ).all()  # fmt: skip
        assert conn.scalar(text("SELECT count(*) FROM before WHERE period_start = :h"),
                           {"h": hour})  # fmt: skip
    assert changed == []
