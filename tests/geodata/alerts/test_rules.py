"""Alert rules as data: what may be stored, and the clear refusals of what may not."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from geodata.alerts.rules import RuleRefused, add_rule, rules, set_enabled


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM alert_rule")))


def test_a_rule_is_stored_with_its_kinds_defaults(demo_db) -> None:
    with demo_db.begin() as conn:
        rule_id = add_rule(conn, "Lũ sắp tới", "gauge_forecast", 2, 1, unit_codes=("916",))
        (rule,) = rules(conn)
    assert (rule.id, rule.kind, rule.unit_codes, rule.params) == (
        rule_id, "gauge_forecast", ("916",), {"hours": 48},
    )  # fmt: skip
    assert rule.fires(2) and not rule.fires(1.9) and rule.clears(0.9) and not rule.clears(1)


def test_coverage_fires_below_its_line_and_clears_above_the_other(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Thiếu trạm y tế", "unit_coverage", 0.5, 0.6,
                 params={"facility": "health_station"})  # fmt: skip
        (rule,) = rules(conn)
    assert rule.fires(0.5) and not rule.fires(0.55) and rule.clears(0.61)


@pytest.mark.parametrize(
    ("args", "params", "message"),
    [
        (("unit_aqi", 150, 160), {}, "clear_at: unit_aqi fires at 150 or more, so it must clear"),
        (
            ("unit_coverage", 0.6, 0.5),
            {"facility": "health_station"},
            "clear_at: unit_coverage fires below 0.6, so it must clear at or above it",
        ),
        (("unit_aqi", 600, 100), {}, "fire_at: 600 is outside unit_aqi's range 0–500"),
        (("gauge_level", 2, -1), {}, "clear_at: -1 is outside gauge_level's range 0–3"),
        (("unit_congestion", 1.5, 0.5), {}, "fire_at: 1.5 is outside unit_congestion's range"),
        (("gauge_forecast", 2, 1), {"hours": 100}, "params.hours: 100 is outside 1–72"),
        (("report_cluster", 3, 2), {"radius_m": 1}, "params.radius_m: 1 is outside 10–5000"),
        (("report_cluster", 3, 2), {"colour": "red"}, "params: report_cluster takes no colour"),
        (("unit_coverage", 0.5, 0.6), {}, "params.facility: unit_coverage needs a facility"),
        (("unit_coverage", 0.5, 0.6), {"facility": "spaceport"}, "no facility kind 'spaceport'"),
        (("weather", 1, 0), {}, "kind: 'weather' is not one of gauge_level"),
    ],
)
def test_a_rule_out_of_order_or_out_of_range_is_refused_and_nothing_stored(
    demo_db, args, params, message
) -> None:
    with pytest.raises(RuleRefused, match=message.replace("(", r"\(")), demo_db.begin() as conn:
        add_rule(conn, "Sai", *args, params=params)
    assert _count(demo_db) == 0


def test_a_scope_naming_an_unknown_unit_is_refused(demo_db) -> None:
    refused = pytest.raises(RuleRefused, match="unit_codes: no unit has the code 99999")
    with refused, demo_db.begin() as conn:
        add_rule(conn, "Sai", "unit_aqi", 150, 140, unit_codes=("916", "99999"))
    assert _count(demo_db) == 0


def test_a_rule_can_be_switched_off_and_on_and_an_unknown_id_is_refused(demo_db) -> None:
    with demo_db.begin() as conn:
        rule_id = add_rule(conn, "AQI xấu", "unit_aqi", 151, 140)
        set_enabled(conn, rule_id, False)
        assert rules(conn, enabled_only=True) == []
        set_enabled(conn, rule_id, True)
        assert [r.id for r in rules(conn, enabled_only=True)] == [rule_id]
    with pytest.raises(RuleRefused, match="no rule has the id 0"), demo_db.begin() as conn:
        set_enabled(conn, 0, False)
