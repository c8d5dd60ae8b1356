"""The public kiosk's callbacks, called as plain functions on the demo city with monitoring data."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from typing import Any

import pytest
from dash import no_update
from sqlalchemy import create_engine, text

from callbacks import kiosk
from callbacks.kiosk import (
    FRAME_OUTPUTS,
    KIOSK_LAYERS,
    OUTPUTS,
    PAGE_OUTPUTS,
    parse_kiosk_search,
    schedule,
    show_step,
    step_number,
    step_outputs,
)
from geodata.monitoring import catalogue, layers
from geodata.monitoring.queries import children, root_unit

STEPS = 20  # Cần Thơ and its 9 districts, each with flooding and air quality


def _json(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False, default=lambda c: c.to_plotly_json())


def _title(out: dict[str, Any]) -> tuple[str, str]:
    """The unit and the layer in the title bar."""
    return out["unit"][0].children, out["layer"].children


def _names(out: dict[str, Any]) -> set[str]:
    """The units the map draws, by name."""
    return {f["properties"]["name"] for f in out["units"]["features"]}


def _drawn(out: dict[str, Any]) -> dict[str, int]:
    """How many features each map part draws."""
    return {part.name: len(out[part.name]["features"]) for part in kiosk.PARTS}


# --- the URL ------------------------------------------------------------------------------------


def test_a_bare_kiosk_url_turns_every_20_seconds_through_flooding_and_air_in_vietnamese() -> None:
    assert parse_kiosk_search("") == parse_kiosk_search(None)
    assert parse_kiosk_search("") == kiosk.KioskRequest(20, ("flood", "air"), "vi")


def test_the_url_sets_the_period_the_layers_and_their_order_and_the_language() -> None:
    req = parse_kiosk_search("?rotate=45&layers=traffic,Services,flood&lang=both")
    assert req == kiosk.KioskRequest(45, ("traffic", "services", "flood"), "both")
    assert parse_kiosk_search("?layers=air&layers=air,flood").layers == ("air", "flood")


@pytest.mark.parametrize(
    ("search", "rotate"),
    [("?rotate=0", 2), ("?rotate=-5", 2), ("?rotate=999999", 3600), ("?rotate=soon", 20)],
)
def test_a_period_out_of_range_or_malformed_is_bounded_or_the_default(search, rotate) -> None:
    assert parse_kiosk_search(search).rotate == rotate


# "reports" is a theme now: the figures of citizens' reports, never the reports (see below).
@pytest.mark.parametrize(
    "forged", ["citizen-reports", "flood_reports", "users", "'; DROP TABLE x; --"]
)
def test_a_forged_or_unknown_layer_is_ignored(forged: str) -> None:
    assert parse_kiosk_search(f"?layers={forged}").layers == ("flood", "air")
    assert parse_kiosk_search(f"?layers={forged},traffic").layers == ("traffic",)


def test_an_unknown_language_is_vietnamese() -> None:
    assert parse_kiosk_search("?lang=fr").lang == "vi"
    assert parse_kiosk_search("?lang=EN").lang == "en"


# --- the schedule -------------------------------------------------------------------------------


def test_the_step_follows_from_the_clock_alone() -> None:
    at = dt.datetime(2026, 11, 26, 14, 0, 0, tzinfo=dt.UTC).timestamp()
    assert step_number(at, 20) == step_number(at + 19.99, 20) == int(at) // 20
    assert step_number(at + 20, 20) == step_number(at, 20) + 1
    assert step_number(at, 3) != step_number(at + 3, 3)


def test_a_turn_shows_the_city_then_each_district_each_with_each_layer() -> None:
    assert schedule(["city", "A", "B"], ["flood", "air"]) == [
        ("city", "flood"), ("city", "air"), ("A", "flood"), ("A", "air"),
        ("B", "flood"), ("B", "air"),
    ]  # fmt: skip


def test_each_step_shows_its_unit_and_layer_in_turn(monitored_db) -> None:
    with monitored_db.connect() as conn:
        city = root_unit(conn, dt.date.today())
        districts = [d.name for d in children(conn, city, dt.date.today())]
    titles = [_title(step_outputs(n, "?layers=flood,air", None)) for n in range(STEPS)]
    expected = [(name, layer) for name in [city.name, *districts]
                for layer in ("Ngập lụt", "Chất lượng không khí")]  # fmt: skip
    assert titles == expected
    # The schedule goes round: step 20 is step 0 again, and any step number is a step.
    assert _title(step_outputs(STEPS, "", None)) == _title(step_outputs(0, "", None))
    assert _title(step_outputs(-1, "", None)) == expected[-1]
    assert _title(step_outputs(10**9 * STEPS + 3, "", None)) == expected[3]


def test_the_step_is_the_same_for_the_same_clock_whoever_asks(monitored_db) -> None:
    first = step_outputs(123_456, "?rotate=20&layers=traffic,services", None)
    again = step_outputs(123_456, "?rotate=20&layers=traffic,services", None)
    assert _title(first) == _title(again)
    assert _drawn(first) == _drawn(again)


def test_the_map_draws_the_step_unit_s_units_each_marked_with_the_step(monitored_db) -> None:
    with monitored_db.connect() as conn:
        city = root_unit(conn, dt.date.today())
        districts = children(conn, city, dt.date.today())
        wards = {w.name for w in children(conn, districts[0], dt.date.today())}
    assert _names(step_outputs(0, "", None)) == {d.name for d in districts}
    district = step_outputs(2, "", None)  # the first district, flooding
    assert _title(district)[0] == districts[0].name and _names(district) == wards
    # The browser shows a frame once the units of its own step are drawn (assets/kiosk.js).
    assert district["units"]["kiosk_step"] == 2
    assert {f["properties"]["kiosk_step"] for f in district["units"]["features"]} == {2}


def test_a_step_goes_into_the_frame_the_browser_names_and_leaves_the_other_on_screen(
    monitored_db,
) -> None:
    out = show_step({"step": 2, "frame": "b"}, "", None)
    assert set(out) == set(OUTPUTS)
    assert {key for key, value in out.items() if value is no_update} == {
        f"{name}@a" for name in FRAME_OUTPUTS
    }
    assert _title({"unit": out["unit@b"], "layer": out["layer@b"]}) == _title(
        step_outputs(2, "", None)
    )
    assert out["units@b"]["kiosk_step"] == 2 and out["offline"] is True
    into_a = show_step({"step": 3, "frame": "a"}, "", None)
    assert into_a["units@b"] is no_update and into_a["units@a"]["kiosk_step"] == 3


# --- what is shown ------------------------------------------------------------------------------


def test_each_layer_draws_its_own_parts_and_nothing_else(monitored_db) -> None:
    flood = step_outputs(0, "?layers=flood", None)
    assert _drawn(flood)["gauges"] == 8
    assert _drawn(flood)["air"] == _drawn(flood)["roads"] == _drawn(flood)["facilities"] == 0
    air = step_outputs(0, "?layers=air", None)
    assert _drawn(air) == {"gauges": 0, "inundation": 0, "air": 9, "roads": 0, "facilities": 0}
    services = step_outputs(0, "?layers=services", None)
    assert _drawn(services)["facilities"] > 0 and _drawn(services)["gauges"] == 0


def test_the_traffic_layer_draws_arterials_only_even_for_a_district(monitored_db) -> None:
    for number in range(10):  # the city and every district
        traffic = step_outputs(number, "?layers=traffic", None)["roads"]
        assert {f["properties"]["road_class"] for f in traffic["features"]} <= {"arterial"}
    assert step_outputs(0, "?layers=traffic", None)["roads"]["features"]


def test_only_public_layers_exist_and_citizens_reports_never_leave_the_server(
    monitored_db,
) -> None:
    # The catalogue's themes, and the figures of citizens' reports, which draw no layer.
    assert set(KIOSK_LAYERS) <= {*catalogue.themes(), "reports"}
    assert not kiosk.parts_of("reports")
    # Every layer the kiosk draws is a public one of the catalogue; citizens' reports are not.
    assert {p.name for p in kiosk.PARTS} == {"gauges", "inundation", "air", "roads", "facilities"}
    assert all(p.info.visibility == "public" for p in kiosk.PARTS)
    with monitored_db.begin() as conn:
        city = root_unit(conn, dt.date.today())
        at = layers.latest_hour(conn, dt.datetime.now(dt.UTC))
        # A report of our own in the hour shown: the demo's showers may have made none lately.
        conn.execute(
            text(
                "INSERT INTO flood_report (code, source, geom, reported_at, depth_cm, description) "
                "VALUES ('test-report', 'test', ST_SetSRID(ST_MakePoint(105.775, 10.03), 4326), "
                ":at - interval '30 minutes', 40, 'Nước ngập tới đầu gối trước nhà')"
            ),
            {"at": at},
        )
        reports = layers.flood_reports_geojson(conn, city.id, at)
    assert reports["features"]  # there are reports to leak
    for number in range(STEPS):
        out = _json(step_outputs(number, "?layers=flood,air,traffic,services,reports", None))
        assert '"kind": "report"' not in out and "description" not in out
        assert "reported_at" not in out
        assert "Phản ánh ngập của người dân" not in out  # nor a legend row for them


def test_the_key_figures_are_the_layer_s_in_large_cards(monitored_db) -> None:
    flood = _json(step_outputs(0, "?layers=flood", None)["kpis"])
    assert "Trạm vượt báo động" in flood and "Diện tích đang ngập" in flood
    assert "AQI cao nhất" not in flood
    air = _json(step_outputs(0, "?layers=air", None)["kpis"])
    assert "AQI cao nhất" in air and "Trạm vượt báo động" not in air
    services = _json(step_outputs(0, "?layers=services", None)["kpis"])
    assert services.count("Độ phủ:") == 6


def test_the_legend_explains_what_is_drawn_and_only_that(monitored_db) -> None:
    flood = _json(step_outputs(0, "?layers=flood", None)["legend"])
    assert "Trạm đo mực nước" in flood and "Vùng ngập" in flood and "Báo động III" in flood
    assert "Chỉ số VN_AQI" not in flood
    traffic = _json(step_outputs(0, "?layers=traffic", None)["legend"])
    assert "Tình trạng giao thông" in traffic
    assert "Camera" not in traffic and "Sự cố giao thông" not in traffic
    services = _json(step_outputs(0, "?layers=services", None)["legend"])
    assert "Trạm y tế" in services and "ngoài bán kính phục vụ" not in services


def test_the_foot_says_when_the_data_came_and_that_it_is_demo_data(monitored_db) -> None:
    out = step_outputs(0, "", None)
    status = _json(out["status"])
    assert "Cập nhật lúc" in status and "Số liệu lúc" in status and "Dữ liệu minh họa" in status
    assert out["last_good"]["time"] in status and out["last_good"]["step"] == 0
    assert out["offline"] is True


def test_in_english_a_step_is_wholly_in_english(monitored_db) -> None:
    out = step_outputs(1, "?lang=en", None)
    assert _title(out) == ("Cần Thơ", "Air quality")
    assert "Updated at" in _json(out["status"]) and "Legend" in _json(out["legend"])
    assert "Worst AQI" in _json(out["kpis"]) and "Cập nhật" not in _json(out)


def test_with_both_languages_every_step_is_in_vietnamese_and_english_side_by_side(
    monitored_db,
) -> None:
    """A viewer reads every step in their language: nothing takes turns."""
    for number in range(STEPS):
        out = step_outputs(number, "?lang=both&layers=flood,air", None)
        parts = {key: _json(out[key]) for key in ("unit", "layer", "kpis", "legend", "status")}
        assert "Quận" in parts["unit"] or "Huyện" in parts["unit"] or "Thành phố" in parts["unit"]
        assert "district" in parts["unit"] or "City" in parts["unit"]
        flood = number % 2 == 0
        assert ("Ngập lụt" in parts["layer"] and "Flooding" in parts["layer"]) is flood
        assert "Chất lượng không khí" in parts["layer"] or flood
        assert "Air quality" in parts["layer"] or flood
        key_figure = ("Trạm vượt báo động", "Gauges above alert") if flood else (
            "AQI cao nhất", "Worst AQI")  # fmt: skip
        assert all(text in parts["kpis"] for text in key_figure)
        assert "Chú giải" in parts["legend"] and "Legend" in parts["legend"]
        assert "Cập nhật lúc" in parts["status"] and "Updated at" in parts["status"]
        assert "Số liệu lúc" in parts["status"] and "Data at" in parts["status"]
    # A figure is written once, the Vietnamese way; each text in both languages, Vietnamese
    # first, each marked with its language.
    city = step_outputs(0, "?lang=both&layers=flood", None)
    flooded = _json(city["kpis"])
    assert " km²" in flooded and '"lang": "en"' in flooded
    value = re.search(r'"children": "([^"]*km²)"', flooded)
    assert value and "," in value.group(1) and "." not in value.group(1)
    assert flooded.index("Diện tích đang ngập") < flooded.index("Area under water")


def test_a_unit_without_a_station_says_so_on_its_card_instead_of_no_data_yet(
    monitored_db,
) -> None:
    seen = {"flood": set(), "air": set()}
    for number in range(STEPS):
        out = step_outputs(number, "?layers=flood,air", None)
        layer = "flood" if number % 2 == 0 else "air"
        stations = out["gauges" if layer == "flood" else "air"]["features"]
        cards = _json(out["kpis"])
        assert ("Không có trạm đo" in cards) is (not stations), (_title(out), cards)
        assert "Chưa có số liệu" not in cards or stations
        seen[layer].add(bool(stations))
    # Districts with gauges and districts without: the test shows both cases (every district
    # of the demo city has an air station; tests/layouts/test_kiosk.py covers the air card).
    assert seen["flood"] == {True, False} and seen["air"] == {True}
    english = step_outputs(4, "?layers=flood,air&lang=en", None)
    if not english["gauges"]["features"]:
        assert "No station here" in _json(english["kpis"])


# --- faults -------------------------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """The kiosk's engine pointed at a port nothing listens on: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = create_engine(f"postgresql+psycopg://kiosk@127.0.0.1:{port}/cantho?connect_timeout=2")
    monkeypatch.setattr(kiosk, "reading", dead.connect)  # reads: the replica or the primary
    yield
    dead.dispose()


def test_with_the_database_down_the_screen_keeps_its_data_and_says_since_when(
    monitored_db, database_down
) -> None:
    last_good = {"step": 41, "steps": STEPS, "time": "14:05", "banner": "…"}
    out = step_outputs(42, "", last_good)
    assert set(out) == set(FRAME_OUTPUTS) | set(PAGE_OUTPUTS)
    kept = {key for key, value in out.items() if value is no_update}
    assert kept == set(out) - {"banner", "offline"}  # the data and the last-good time stay
    assert out["offline"] is False
    assert out["banner"] == "Mất kết nối — dữ liệu lúc 14:05"
    assert step_outputs(43, "?lang=en", last_good)["banner"] == "Connection lost — data from 14:05"
    both = step_outputs(43, "?lang=both", last_good)["banner"]
    assert both == "Mất kết nối — dữ liệu lúc 14:05\nConnection lost — data from 14:05"
    # Neither frame changes: the one on screen stays, and so does the one behind it.
    into_b = show_step({"step": 42, "frame": "b"}, "", last_good)
    assert {key for key, value in into_b.items() if value is not no_update} == {
        "banner",
        "offline",
    }


def test_with_the_database_down_from_the_start_the_banner_says_it_is_trying_again(
    monitored_db, database_down
) -> None:
    out = step_outputs(0, "", None)
    assert out["offline"] is False and out["banner"] == "Mất kết nối — đang thử kết nối lại"
    forged = step_outputs(0, "", {"time": "<script>", "steps": "x"})
    assert forged["banner"] == "Mất kết nối — đang thử kết nối lại"


def test_the_next_step_after_the_database_returns_clears_the_banner(
    monitored_db, database_down, monkeypatch
) -> None:
    last_good = {"step": 4, "steps": STEPS, "time": "09:30", "banner": ""}
    assert step_outputs(5, "", last_good)["offline"] is False
    monkeypatch.undo()  # the database is back
    back = step_outputs(6, "", last_good)
    assert back["offline"] is True and back["banner"] == ""
    assert back["last_good"]["step"] == 6 and back["last_good"]["time"] != "09:30"
    assert back["units"]["features"]


def test_a_city_without_units_at_the_date_says_so_and_keeps_the_screen(empty_db) -> None:
    out = step_outputs(0, "", None)
    assert out["offline"] is False and "Chưa có đơn vị hành chính" in out["banner"]
    assert out["units"] is no_update


# --- the figures of citizens' reports ----------------------------------------------------------


def test_the_reports_slide_shows_the_unit_s_figures_in_large_cards_and_nothing_else(
    demo_db,
) -> None:
    from tests.reports_set import DESCRIPTION, add_report_set

    add_report_set(demo_db)
    # Step 1 of "?layers=flood,reports" is the city with the reports' figures.
    out = step_outputs(1, "?layers=flood,reports&lang=both", None)
    assert "Phản ánh của người dân" in _json(out["layer"]) and "Citizens' reports" in _json(
        out["layer"]
    )
    cards = _json(out["kpis"])
    for shown in ("Phản ánh tiếp nhận", "Reports received", "Quá hạn", "75 %",
                  "Giải quyết đúng hạn", "Thời gian giải quyết (trung vị)", "3,7/5"):  # fmt: skip
        assert shown in cards, shown
    assert cards.count('"kpi-card report-figure small"') == len(kiosk.KIOSK_FIGURES)
    assert "trend-week" in _json(out["legend"])
    # Public figures only: no report, no description, no sender, no map points.
    everything = _json(out)
    assert DESCRIPTION not in everything and "Nguyễn Thị Lan" not in everything
    assert "0901234567" not in everything and '"kind": "citizen_report"' not in everything
    assert all(not out[x.name]["features"] for x in kiosk.PARTS)


def test_the_reports_slide_of_a_district_without_reports_says_so(demo_db) -> None:
    out = step_outputs(3, "?layers=flood,reports", None)  # the first district, no reports
    cards = _json(out["kpis"])
    assert "chưa có phản ánh đến hạn" in cards and "%" not in cards
    assert "Chưa có phản ánh nào trong thời gian này." in _json(out["legend"])


# --- public warnings above everything -------------------------------------------------------------


def test_the_kiosk_shows_public_warnings_in_force_above_every_step(demo_db) -> None:
    from callbacks.kiosk import show_warnings
    from geodata.alerts.evaluate import evaluate
    from geodata.alerts.rules import add_rule

    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    assert show_warnings(None, "?lang=both") == ([], True)  # none: the band is hidden
    with demo_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit_indicator (admin_unit_id, indicator, period, period_start, value)"
                " SELECT id, 'aqi_max', 'hour', :h, v FROM admin_unit, (VALUES (240)) x(v)"
                " WHERE code = '919' AND level = 'district'"
            ),
            {"h": hour},
        )
        add_rule(conn, "Không khí xấu", "unit_aqi", 151, 140, public=True)
        add_rule(conn, "Nội bộ", "unit_aqi", 100, 90)  # staff only: never on the kiosk
        evaluate(conn, hour + dt.timedelta(minutes=5))
    lines, hidden = show_warnings(None, "?lang=both")
    assert hidden is False and len(lines) == 1
    assert lines[0].children == (
        "⚠ Chất lượng không khí Rất xấu tại Cái Răng (VN_AQI 240)\n"
        "⚠ Air quality Very bad in Cái Răng (VN_AQI 240)"
    )
    (english,), _ = show_warnings(None, "?lang=en")
    assert english.children == "⚠ Air quality Very bad in Cái Răng (VN_AQI 240)"
