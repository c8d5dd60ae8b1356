"""Alert rules: what each kind watches, the checks a rule must pass, and storing them.

A rule fires when its value crosses ``fire_at`` and stays there ``pending_s`` seconds; it clears
when the value is back past ``clear_at``, a separate line on the safe side, so a value hovering
at the first does not flap. Every kind's value, and its range:

==================  =====================================================  =========  ======
kind                value (per subject)                                    range      fires
==================  =====================================================  =========  ======
gauge_level         a gauge's observed Báo động level (0 below I)          0–3        above
gauge_forecast      the highest level forecast within ``hours`` (≤ 72)     0–3        above
unit_aqi            a unit's worst station VN_AQI                          0–500      above
unit_congestion     share of a unit's measured roads congested             0–1        above
unit_coverage       share of a unit's people within reach of ``facility``  0–1        below
road_congestion     a measured road segment's speed / free-flow speed      0–2        below
report_cluster      the most citizens' flood reports within ``radius_m``   1–1000     above
                    of each other in the last ``window_min`` minutes, in
                    a unit
backup_age          hours since the newest good base backup finished       0–8760     above
                    (8760 when there is none)
wal_archive         1 while WAL archiving does not keep up, else 0         0–1        above
==================  =====================================================  =========  ======

Unit kinds watch the units one level below the city (or ``level``) valid on the day, within
the rule's scope; gauge kinds the gauges standing in it; road congestion the road segments with
a detector that cross it. The backup kinds watch the system itself (``geodata.health``), whatever
the scope: never a public warning, and for officials only (their alerts have no place).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geodata.errors import GeodataError
from geodata.settings import get_settings


class RuleRefused(GeodataError):
    """A rule that cannot be stored: ``field`` at fault, ``reason`` (a catalog key's last
    part) and its ``values``, for the page to say it in the reader's language; the message is
    the command line's."""

    def __init__(self, field: str, reason: str, message: str, **values: object) -> None:
        self.field = field
        self.reason = reason
        self.values = values
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Kind:
    low: float
    high: float
    below: bool = False  # fires when the value falls below fire_at
    params: dict[str, tuple[float, float]] = field(default_factory=dict)


KINDS: dict[str, Kind] = {
    "gauge_level": Kind(0, 3),
    "gauge_forecast": Kind(0, 3, params={"hours": (1, 72)}),
    "unit_aqi": Kind(0, 500),
    "unit_congestion": Kind(0, 1),
    "unit_coverage": Kind(0, 1, below=True),
    "road_congestion": Kind(0, 2, below=True),
    "report_cluster": Kind(1, 1000, params={"radius_m": (10, 5000), "window_min": (5, 1440)}),
    "backup_age": Kind(0, 8760),
    "wal_archive": Kind(0, 1),
}
# Kinds whose subject is the system (the database cluster), not a place.
SYSTEM_KINDS = ("backup_age", "wal_archive")
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "gauge_forecast": {"hours": 48},
    "report_cluster": {"radius_m": 300, "window_min": 60},
}


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    kind: str
    fire_at: float
    clear_at: float
    pending_s: int
    unit_codes: tuple[str, ...]
    params: dict[str, Any]
    public: bool
    enabled: bool

    @property
    def below(self) -> bool:
        return KINDS[self.kind].below

    def fires(self, value: float) -> bool:
        return value <= self.fire_at if self.below else value >= self.fire_at

    def clears(self, value: float) -> bool:
        return value > self.clear_at if self.below else value < self.clear_at


def check(
    name: str,
    kind: str,
    fire_at: float,
    clear_at: float,
    pending_s: int,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The rule's parameters with the kind's defaults, or RuleRefused naming the field."""
    if not name.strip():
        raise RuleRefused("name", "name_empty", "a rule needs a name")
    if kind not in KINDS:
        raise RuleRefused("kind", "kind_unknown", f"{kind!r} is not one of {', '.join(KINDS)}",
                          kind=kind)  # fmt: skip
    spec = KINDS[kind]
    for label, value in (("fire_at", fire_at), ("clear_at", clear_at)):
        if not spec.low <= value <= spec.high:
            raise RuleRefused(
                label, "out_of_range",
                f"{value:g} is outside {kind}'s range {spec.low:g}–{spec.high:g}",
                value=value, low=spec.low, high=spec.high,
            )  # fmt: skip
    if spec.below and clear_at < fire_at:
        raise RuleRefused(
            "clear_at", "clear_below",
            f"{kind} fires below {fire_at:g}, so it must clear at or above it, not at {clear_at:g}",
            fire=fire_at, clear=clear_at,
        )  # fmt: skip
    if not spec.below and clear_at > fire_at:
        raise RuleRefused(
            "clear_at", "clear_above",
            f"{kind} fires at {fire_at:g} or more, so it must clear at or below it, "
            f"not at {clear_at:g}",
            fire=fire_at, clear=clear_at,
        )  # fmt: skip
    if pending_s < 0:
        raise RuleRefused("pending_s", "pending_negative", f"{pending_s} is negative")
    merged = {**DEFAULT_PARAMS.get(kind, {}), **params}
    allowed = set(spec.params) | ({"facility"} if kind == "unit_coverage" else set()) | {"level"}
    if unknown := set(merged) - allowed:
        names = ", ".join(sorted(unknown))
        raise RuleRefused("params", "param_unknown", f"{kind} takes no {names}", names=names)
    for key, (low, high) in spec.params.items():
        given = merged.get(key)
        if not isinstance(given, int | float) or not low <= given <= high:
            raise RuleRefused(
                f"params.{key}", "param_out_of_range", f"{given!r} is outside {low:g}–{high:g}",
                low=low, high=high,
            )  # fmt: skip
    if kind == "unit_coverage" and not isinstance(merged.get("facility"), str):
        raise RuleRefused("params.facility", "facility_missing",
                          "unit_coverage needs a facility kind")  # fmt: skip
    return merged


# The public are warned (CAP feed, kiosk) of flood at Báo động II or more, observed or
# forecast, and of air "Xấu" (VN_AQI 151) or worse; nothing else is a public warning.
PUBLIC_FROM = {"gauge_level": 2.0, "gauge_forecast": 2.0, "unit_aqi": 151.0}


def add_rule(
    conn: Connection,
    name: str,
    kind: str,
    fire_at: float,
    clear_at: float,
    *,
    pending_s: int = 0,
    unit_codes: tuple[str, ...] = (),
    params: dict[str, Any] | None = None,
    public: bool = False,
    created_by: str | None = None,
) -> int:
    """Store a checked rule; its id. Unknown unit codes and facility kinds are refused."""
    merged = check(name, kind, fire_at, clear_at, pending_s, params or {})
    if public and (kind not in PUBLIC_FROM or fire_at < PUBLIC_FROM[kind]):
        raise RuleRefused(
            "public", "not_public",
            "only flood at Báo động II or more (gauge_level, gauge_forecast ≥ 2) and "
            "VN_AQI ≥ 151 (unit_aqi) are public warnings",
        )  # fmt: skip
    if unit_codes and kind in SYSTEM_KINDS:
        raise RuleRefused("unit_codes", "system_scope",
                          f"{kind} watches the system itself: it takes no unit codes")  # fmt: skip
    if unit_codes:
        known = set(
            conn.scalars(
                text("SELECT DISTINCT code FROM admin_unit WHERE code = ANY(:codes)"),
                {"codes": list(unit_codes)},
            )
        )
        if missing := [c for c in unit_codes if c not in known]:
            codes = ", ".join(missing)
            raise RuleRefused("unit_codes", "unit_unknown", f"no unit has the code {codes}",
                              codes=codes)  # fmt: skip
    if kind == "unit_coverage" and not conn.scalar(
        text("SELECT EXISTS (SELECT 1 FROM facility_kind WHERE code = :k)"),
        {"k": merged["facility"]},
    ):
        raise RuleRefused("params.facility", "facility_unknown",
                          f"no facility kind {merged['facility']!r}",
                          facility=merged["facility"])  # fmt: skip
    values = {
        "name": name.strip(), "kind": kind, "fire": fire_at, "clear": clear_at,
        "pending": pending_s, "codes": list(unit_codes), "params": json.dumps(merged),
        "public": public, "by": created_by,
    }  # fmt: skip
    rule_id = conn.scalar(
        text(
            """
            INSERT INTO alert_rule (name, kind, fire_at, clear_at, pending_s, unit_codes,
                                    params, public, created_by)
            VALUES (:name, :kind, :fire, :clear, :pending, :codes, CAST(:params AS jsonb),
                    :public, :by)
            RETURNING id
            """
        ),
        values,
    )
    return int(rule_id)


# Who made the rules the system makes itself (``add_default_rules``).
SYSTEM = "system"


def add_default_rules(conn: Connection) -> list[int]:
    """The backup rules every installation starts with, each added only when no rule of its
    kind exists (enabled or not: an official who switched one off keeps it off): the newest
    good backup older than the setting ``backup_max_age_h``, and WAL archiving not keeping up
    for 10 minutes. Their ids."""
    max_age = get_settings().backup_max_age_h
    defaults = (
        (f"Sao lưu quá hạn (bản tốt gần nhất quá {max_age:g} giờ)", "backup_age",
         max_age, max_age, 0),
        ("Lưu trữ WAL không theo kịp trong 10 phút", "wal_archive", 1.0, 1.0, 600),
    )  # fmt: skip
    added = []
    # One adder at a time: two workers starting together must not both add them.
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('cantho.default_rules'))"))
    for name, kind, fire, clear, pending in defaults:
        if conn.scalar(text("SELECT EXISTS (SELECT 1 FROM alert_rule WHERE kind = :k)"),
                       {"k": kind}):  # fmt: skip
            continue
        added.append(add_rule(conn, name, kind, fire, clear, pending_s=pending,
                              created_by=SYSTEM))  # fmt: skip
    return added


def rules(conn: Connection, enabled_only: bool = False) -> list[Rule]:
    rows = conn.execute(
        text(
            "SELECT id, name, kind, fire_at, clear_at, pending_s, unit_codes, params, public, "
            "enabled FROM alert_rule WHERE enabled OR NOT :only ORDER BY id"
        ),
        {"only": enabled_only},
    ).all()
    return [
        Rule(r.id, r.name, r.kind, r.fire_at, r.clear_at, r.pending_s, tuple(r.unit_codes),
             dict(r.params), r.public, r.enabled)
        for r in rows
    ]  # fmt: skip


def set_enabled(conn: Connection, rule_id: int, enabled: bool) -> None:
    done = conn.execute(
        text("UPDATE alert_rule SET enabled = :on, updated_at = now() WHERE id = :id"),
        {"on": enabled, "id": rule_id},
    ).rowcount
    if not done:
        raise RuleRefused("id", "rule_unknown", f"no rule has the id {rule_id}", id=rule_id)
