"""Readings pushed by sensors: their tokens, and the checks a batch passes before it is written.

A token reads ``<sensor code>.<secret>`` (the code percent-encoded: headers are ASCII). Only
the SHA-256 digest of the secret is stored (``sensor_token``, migration 0006) and compared in
constant time, as for personal API tokens (:mod:`geodata.accounts.tokens`, which says why a
fast hash is enough). The code in front lets the server find the one row to compare without scanning
every sensor's digest.

A token speaks for one sensor: a batch may only carry that sensor's readings (an item may name
it, or leave it out). A compromised device can then only forge its own data.

A batch is checked whole before anything is written: every bad item is reported (index, field,
reason) and nothing is stored. A good batch goes through
:func:`geodata.monitoring.readings.write_readings` in the caller's transaction, whole or not at all,
with the hours it touched queued for the rollups; the server's refresher (``routes.api``) rolls
the queue up every few seconds, so the dashboard and the kiosk show a push within one of their
refreshes. Readings already stored (same sensor, quantity and time) are left as they are: re-sending
a batch is harmless.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Connection, text

from geodata.accounts.tokens import TokenRefused, digest, new_secret, secret_matches, split_token
from geodata.errors import GeodataError
from geodata.monitoring.readings import DroppedMonthWrite, Reading, write_readings

# Fields an item may carry; anything else is refused, so a misspelt field is not silently lost.
ITEM_FIELDS = ("sensor", "quantity", "unit", "value", "observed_at", "quality")
QUALITIES = (0, 1, 2)  # good, suspect, bad (bad readings are stored but left out of rollups)


class SensorTokenError(GeodataError):
    """A token request that cannot be done (unknown sensor, no token yet, one already)."""


@dataclass(frozen=True)
class ItemError:
    """One problem with one item of a batch: where (index, field), why (reason) and the values
    a message needs."""

    index: int
    field: str
    reason: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


class BatchRejected(GeodataError):
    """A batch with bad items; nothing of it was written."""

    def __init__(self, errors: list[ItemError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the batch; nothing was written")


@dataclass(frozen=True)
class SensorIdentity:
    """The sensor a valid token speaks for."""

    id: int
    code: str


@dataclass(frozen=True)
class IngestResult:
    """How many readings came, how many were new (the rest were already stored)."""

    received: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


@dataclass(frozen=True)
class Limits:
    """How far a reading's time may lie from now."""

    clock_skew: dt.timedelta = dt.timedelta(minutes=5)
    max_age: dt.timedelta = dt.timedelta(days=30)


def _sensor_id(conn: Connection, code: str) -> int:
    found = conn.scalar(text("SELECT id FROM sensor WHERE code = :c"), {"c": code})
    if found is None:
        raise SensorTokenError(f"no sensor with code {code!r}")
    return int(found)


def _token_text(code: str, secret: str) -> str:
    # A header carries ASCII only, and codes may not be ASCII ("demo-art-Quốclộ1A-000").
    return f"{quote(code, safe='')}.{secret}"


def add_token(conn: Connection, code: str) -> str:
    """Give an existing sensor its first token; the token is returned once and never stored."""
    sensor_id = _sensor_id(conn, code)
    secret = new_secret()
    inserted = conn.execute(
        text(
            "INSERT INTO sensor_token (sensor_id, secret_sha256) VALUES (:s, :d) "
            "ON CONFLICT (sensor_id) DO NOTHING"
        ),
        {"s": sensor_id, "d": digest(secret)},
    ).rowcount
    if not inserted:
        raise SensorTokenError(f"sensor {code!r} already has a token; use rotate-token")
    return _token_text(code, secret)


def rotate_token(conn: Connection, code: str) -> str:
    """Replace a sensor's token: the old one stops working when this transaction commits."""
    secret = new_secret()
    updated = conn.execute(
        text("UPDATE sensor_token SET secret_sha256 = :d, rotated_at = now() WHERE sensor_id = :s"),
        {"s": _sensor_id(conn, code), "d": digest(secret)},
    ).rowcount
    if not updated:
        raise SensorTokenError(f"sensor {code!r} has no token yet; use add")
    return _token_text(code, secret)


def set_token_disabled(conn: Connection, code: str, disabled: bool = True) -> None:
    """Refuse (or accept again) the pushes of a sensor; its readings and token stay."""
    updated = conn.execute(
        text("UPDATE sensor_token SET disabled = :d WHERE sensor_id = :s"),
        {"s": _sensor_id(conn, code), "d": disabled},
    ).rowcount
    if not updated:
        raise SensorTokenError(f"sensor {code!r} has no token")


def authenticate_sensor(conn: Connection, token: str | None) -> SensorIdentity:
    """The sensor this token speaks for; TokenRefused otherwise (reasons: missing, malformed,
    unknown_sensor, no_token, wrong_secret, disabled; the subject is the sensor's code).

    The token row is read ``FOR SHARE``: a rotation or a disabling committed before a batch is
    written takes effect for that batch, and one that comes later waits for it."""
    quoted, secret = split_token(token)
    code = unquote(quoted)[
        :200
    ]  # it goes to the audit log: a bound value, but not an unbounded one
    sensor_id = conn.scalar(text("SELECT id FROM sensor WHERE code = :c"), {"c": code})
    row = (
        conn.execute(
            text("SELECT secret_sha256, disabled FROM sensor_token WHERE sensor_id = :s FOR SHARE"),
            {"s": sensor_id},
        ).one_or_none()
        if sensor_id is not None
        else None
    )
    # Compared whatever was found, so an unknown sensor takes as long as a wrong secret.
    matches = secret_matches(bytes(row.secret_sha256) if row else None, secret)
    if sensor_id is None:
        raise TokenRefused("unknown_sensor", code)
    if row is None:
        raise TokenRefused("no_token", code)
    if not matches:
        raise TokenRefused("wrong_secret", code)
    if row.disabled:
        raise TokenRefused("disabled", code)
    return SensorIdentity(int(sensor_id), code)


@dataclass(frozen=True)
class _Quantity:
    id: int
    unit: str
    min_value: float
    max_value: float
    measured: bool


def _quantities(conn: Connection, sensor_id: int) -> dict[str, _Quantity]:
    rows = conn.execute(
        text(
            """
            SELECT q.code, q.id, q.unit, q.min_value, q.max_value,
                   sq.sensor_id IS NOT NULL AS measured
            FROM quantity q
            LEFT JOIN sensor_quantity sq ON sq.quantity_id = q.id AND sq.sensor_id = :s
            """
        ),
        {"s": sensor_id},
    ).all()
    return {r.code: _Quantity(r.id, r.unit, r.min_value, r.max_value, r.measured) for r in rows}


def _known_sensors(conn: Connection, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    return set(
        conn.scalars(text("SELECT code FROM sensor WHERE code = ANY(:c)"), {"c": list(codes)})
    )


def _text_field(item: dict[str, Any], name: str, index: int, errors: list[ItemError]) -> str | None:
    value = item.get(name)
    if value is None:
        errors.append(ItemError(index, name, "missing"))
        return None
    if not isinstance(value, str):
        errors.append(ItemError(index, name, "not_text"))
        return None
    return value


def _number(value: Any) -> float | None:
    # JSON true/false arrive as bool, a subclass of int: not a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def validate_batch(
    conn: Connection,
    sensor: SensorIdentity,
    items: list[Any],
    now: dt.datetime,
    limits: Limits,
) -> tuple[list[Reading], list[ItemError]]:
    """The readings of a batch, and every problem found in it (the readings only count when
    there is none)."""
    quantities = _quantities(conn, sensor.id)
    # A name with a NUL in it is no sensor's code (and PostgreSQL text cannot hold one).
    named = {
        i["sensor"] for i in items
        if isinstance(i, dict) and isinstance(i.get("sensor"), str) and "\x00" not in i["sensor"]
    }  # fmt: skip
    known = _known_sensors(conn, named - {sensor.code})
    earliest, latest = now - limits.max_age, now + limits.clock_skew
    readings: list[Reading] = []
    errors: list[ItemError] = []
    seen: dict[tuple[int, dt.datetime], tuple[int, float]] = {}
    for index, item in enumerate(items):
        before = len(errors)
        if not isinstance(item, dict):
            errors.append(ItemError(index, "", "not_object"))
            continue
        errors.extend(
            ItemError(index, str(k), "unknown_field") for k in item if k not in ITEM_FIELDS
        )
        named_sensor = item.get("sensor", sensor.code)
        if not isinstance(named_sensor, str):
            errors.append(ItemError(index, "sensor", "not_text"))
        elif named_sensor != sensor.code:
            reason = "other_sensor" if named_sensor in known else "unknown_sensor"
            errors.append(ItemError(index, "sensor", reason, {"sensor": named_sensor}))
        code = _text_field(item, "quantity", index, errors)
        quantity = quantities.get(code) if code is not None else None
        if code is not None and quantity is None:
            errors.append(ItemError(index, "quantity", "unknown_quantity", {"quantity": code}))
        elif code is not None and quantity is not None and not quantity.measured:
            errors.append(ItemError(index, "quantity", "not_measured", {"quantity": code}))
            quantity = None  # its unit and range say nothing more about this sensor's mistake
        unit = _text_field(item, "unit", index, errors)
        if unit is not None and quantity is not None and unit != quantity.unit:
            errors.append(
                ItemError(index, "unit", "wrong_unit", {"unit": unit, "expected": quantity.unit})
            )
        if "value" not in item or item["value"] is None:
            errors.append(ItemError(index, "value", "missing"))
            value = None
        else:
            value = _number(item["value"])
            if value is None or not math.isfinite(value):
                errors.append(ItemError(index, "value", "not_number"))
                value = None
            elif quantity is not None and not quantity.min_value <= value <= quantity.max_value:
                errors.append(
                    ItemError(index, "value", "out_of_range",
                              {"value": value, "min": quantity.min_value,
                               "max": quantity.max_value})
                )  # fmt: skip
        stamp = _text_field(item, "observed_at", index, errors)
        observed_at = _moment(stamp) if stamp is not None else None
        if stamp is not None and observed_at is None:
            errors.append(ItemError(index, "observed_at", "not_time", {"value": stamp}))
        elif observed_at is not None and observed_at > latest:
            errors.append(ItemError(index, "observed_at", "in_future", {"value": stamp}))
        elif observed_at is not None and observed_at < earliest:
            errors.append(
                ItemError(index, "observed_at", "too_old",
                          {"value": stamp, "days": limits.max_age.days})
            )  # fmt: skip
        quality = item.get("quality", 0)
        if isinstance(quality, bool) or quality not in QUALITIES:
            errors.append(ItemError(index, "quality", "bad_quality", {"value": quality}))
        if len(errors) > before or quantity is None or value is None or observed_at is None:
            continue
        key = (quantity.id, observed_at)
        first = seen.setdefault(key, (index, value))
        if first[1] != value:
            # The same moment twice with two values: which one is true cannot be guessed.
            errors.append(ItemError(index, "observed_at", "conflict", {"other": first[0]}))
            continue
        readings.append(Reading(sensor.id, quantity.id, observed_at, value, int(quality)))
    return readings, errors


def ingest(
    conn: Connection,
    token: str | None,
    items: list[Any],
    limits: Limits,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Check the token and the batch, then store it and queue its hours for the rollups, in the
    caller's transaction. Raises TokenRefused or BatchRejected (and writes nothing)."""
    sensor = authenticate_sensor(conn, token)
    readings, errors = validate_batch(conn, sensor, items, now or dt.datetime.now(dt.UTC), limits)
    if errors:
        raise BatchRejected(errors)
    try:
        # Rolled up by the server's refresher within seconds, with every other push since.
        written = write_readings(conn, readings, queue_rollups=True)
    except DroppedMonthWrite as exc:  # raised before anything is written
        raise BatchRejected(_in_dropped_months(items, exc.months)) from None
    return IngestResult(received=len(items), inserted=written.inserted)


def _in_dropped_months(items: list[Any], months: list[dt.date]) -> list[ItemError]:
    """The items (all valid) in ``months``, whose readings retention dropped: a push there would
    roll its hours up again from a few readings and replace what they held. Only possible when
    the ingestion window was widened after the drop (the retention settings refuse it otherwise)."""
    dropped = {f"{month:%Y-%m}" for month in months}
    errors = []
    for index, item in enumerate(items):
        stamp = item["observed_at"]
        moment = _moment(stamp)  # every item passed the checks: a time with its offset
        month = f"{moment.astimezone(dt.UTC):%Y-%m}" if moment is not None else ""
        if month in dropped:
            errors.append(
                ItemError(index, "observed_at", "dropped_month", {"value": stamp, "month": month})
            )
    return errors
