"""The public kiosk's callbacks, called as plain functions on the demo city with monitoring data."""

from __future__ import annotations

import datetime as dt
import json
import socket
from typing import Any

import pytest
from dash import no_update
from sqlalchemy import create_engine, text

from callbacks import kiosk
from callbacks.kiosk import (
    KIOSK_LAYERS,
    OUTPUTS,
    parse_kiosk_search,
    schedule,
    show_step,
    step_language,
    step_number,
)
from domain import themes
from geodata.monitoring import layers
from geodata.monitoring.queries import children, root_unit

STEPS = 20  # Cần Thơ and its 9 districts, each with flooding and air quality


def _json(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False, default=lambda c: c.to_plotly_json())


def _title(out: dict[str, Any]) -> tuple[str, str]:
    """The unit and the layer in the title bar."""
    return out["unit"][0].children, out["layer"].children


def _drawn(out: dict[str, Any]) -> dict[str, int]:
    """How many features each map part draws."""
    return {part: len(out[part]["features"]) for part in kiosk.PARTS}


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


@pytest.mark.parametrize("forged", ["reports", "flood_reports", "users", "'; DROP TABLE x; --"])
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


def test_with_both_languages_the_steps_take_turns_and_each_step_is_seen_in_both() -> None:
    first_turn = [step_language(n, STEPS, "both") for n in range(STEPS)]
    assert first_turn == ["vi", "en"] * 10
    second_turn = [step_language(n, STEPS, "both") for n in range(STEPS, 2 * STEPS)]
    assert second_turn == ["en", "vi"] * 10  # step 0's unit and layer, now in English
    assert [step_language(n, 7, "both") for n in range(4)] == ["vi", "en", "vi", "en"]
    assert {step_language(n, STEPS, "en") for n in range(50)} == {"en"}


def test_each_step_shows_its_unit_and_layer_in_turn(monitored_db) -> None:
    with monitored_db.connect() as conn:
        city = root_unit(conn, dt.date.today())
        districts = [d.name for d in children(conn, city, dt.date.today())]
    titles = [_title(show_step(n, "?layers=flood,air", None)) for n in range(STEPS)]
    expected = [(name, layer) for name in [city.name, *districts]
                for layer in ("Ngập lụt", "Chất lượng không khí")]  # fmt: skip
    assert titles == expected
    # The schedule goes round: step 20 is step 0 again, and any step number is a step.
    assert _title(show_step(STEPS, "", None)) == _title(show_step(0, "", None))
    assert _title(show_step(-1, "", None)) == expected[-1]
    assert _title(show_step(10**9 * STEPS + 3, "", None)) == expected[3]


def test_the_step_is_the_same_for_the_same_clock_whoever_asks(monitored_db) -> None:
    first = show_step(123_456, "?rotate=20&layers=traffic,services", None)
    again = show_step(123_456, "?rotate=20&layers=traffic,services", None)
    assert _title(first) == _title(again)
    assert _drawn(first) == _drawn(again)


def test_the_map_fits_the_step_unit_and_draws_its_units(monitored_db) -> None:
    city = show_step(0, "", None)
    district = show_step(2, "", None)
    assert len(city["units"]["features"]) == 9  # the districts
    assert district["units"]["features"] and district["units"] != city["units"]
    (south, west), (north, east) = district["viewport"]["bounds"]
    (c_south, c_west), (c_north, c_east) = city["viewport"]["bounds"]
    assert c_south <= south < north <= c_north and c_west <= west < east <= c_east


# --- what is shown ------------------------------------------------------------------------------


def test_each_layer_draws_its_own_parts_and_nothing_else(monitored_db) -> None:
    flood = show_step(0, "?layers=flood", None)
    assert _drawn(flood)["gauges"] == 8
    assert _drawn(flood)["air"] == _drawn(flood)["traffic"] == _drawn(flood)["facilities"] == 0
    air = show_step(0, "?layers=air", None)
    assert _drawn(air) == {"gauges": 0, "inundation": 0, "air": 9, "traffic": 0, "facilities": 0}
    services = show_step(0, "?layers=services", None)
    assert _drawn(services)["facilities"] > 0 and _drawn(services)["gauges"] == 0


def test_the_traffic_layer_draws_arterials_only_even_for_a_district(monitored_db) -> None:
    for number in range(10):  # the city and every district
        traffic = show_step(number, "?layers=traffic", None)["traffic"]
        assert {f["properties"]["road_class"] for f in traffic["features"]} <= {"arterial"}
    assert show_step(0, "?layers=traffic", None)["traffic"]["features"]


def test_only_public_layers_exist_and_citizens_reports_never_leave_the_server(
    monitored_db,
) -> None:
    assert set(KIOSK_LAYERS) <= set(themes.LAYERS)
    assert set(kiosk.PARTS) == {p for layer in KIOSK_LAYERS.values() for p in layer.parts}
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
        out = _json(show_step(number, "?layers=flood,air,traffic,services,reports", None))
        assert '"kind": "report"' not in out and "description" not in out
        assert "reported_at" not in out
        assert "Phản ánh ngập của người dân" not in out  # nor a legend row for them


def test_the_key_figures_are_the_layer_s_in_large_cards(monitored_db) -> None:
    flood = _json(show_step(0, "?layers=flood", None)["kpis"])
    assert "Trạm vượt báo động" in flood and "Diện tích đang ngập" in flood
    assert "AQI cao nhất" not in flood
    air = _json(show_step(0, "?layers=air", None)["kpis"])
    assert "AQI cao nhất" in air and "Trạm vượt báo động" not in air
    services = _json(show_step(0, "?layers=services", None)["kpis"])
    assert services.count("Độ phủ:") == 6


def test_the_legend_explains_what_is_drawn_and_only_that(monitored_db) -> None:
    flood = _json(show_step(0, "?layers=flood", None)["legend"])
    assert "Trạm đo mực nước" in flood and "Vùng ngập" in flood and "Báo động III" in flood
    assert "Chỉ số VN_AQI" not in flood
    traffic = _json(show_step(0, "?layers=traffic", None)["legend"])
    assert "Tình trạng giao thông" in traffic
    assert "Camera" not in traffic and "Sự cố giao thông" not in traffic
    services = _json(show_step(0, "?layers=services", None)["legend"])
    assert "Trạm y tế" in services and "ngoài bán kính phục vụ" not in services


def test_the_foot_says_when_the_data_came_and_that_it_is_demo_data(monitored_db) -> None:
    out = show_step(0, "", None)
    status = _json(out["status"])
    assert "Cập nhật lúc" in status and "Số liệu lúc" in status and "Dữ liệu minh họa" in status
    assert out["last_good"]["time"] in status and out["last_good"]["step"] == 0
    assert out["offline"] is True and out["lang"] == "vi"


def test_with_both_languages_a_step_in_english_is_wholly_in_english(monitored_db) -> None:
    out = show_step(1, "?lang=both", None)
    assert out["lang"] == "en" and _title(out) == ("Cần Thơ", "Air quality")
    assert "Updated at" in _json(out["status"]) and "Legend" in _json(out["legend"])
    assert show_step(0, "?lang=both", None)["lang"] == "vi"


# --- faults -------------------------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """The kiosk's engine pointed at a port nothing listens on: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = create_engine(f"postgresql+psycopg://kiosk@127.0.0.1:{port}/cantho?connect_timeout=2")
    monkeypatch.setattr(kiosk, "get_engine", lambda: dead)
    yield
    dead.dispose()


def test_with_the_database_down_the_screen_keeps_its_data_and_says_since_when(
    monitored_db, database_down
) -> None:
    last_good = {"step": 41, "steps": STEPS, "time": "14:05", "banner": "…"}
    out = show_step(42, "", last_good)
    assert set(out) == set(OUTPUTS)
    kept = {key for key, value in out.items() if value is no_update}
    assert kept == set(OUTPUTS) - {"banner", "offline"}  # the data and the last-good time stay
    assert out["offline"] is False
    assert out["banner"] == "Mất kết nối — dữ liệu lúc 14:05"
    english = show_step(43, "?lang=both", last_good)
    assert english["banner"] == "Connection lost — data from 14:05"


def test_with_the_database_down_from_the_start_the_banner_says_it_is_trying_again(
    monitored_db, database_down
) -> None:
    out = show_step(0, "", None)
    assert out["offline"] is False and out["banner"] == "Mất kết nối — đang thử kết nối lại"
    forged = show_step(0, "", {"time": "<script>", "steps": "x"})
    assert forged["banner"] == "Mất kết nối — đang thử kết nối lại"


def test_the_next_step_after_the_database_returns_clears_the_banner(
    monitored_db, database_down, monkeypatch
) -> None:
    last_good = {"step": 4, "steps": STEPS, "time": "09:30", "banner": ""}
    assert show_step(5, "", last_good)["offline"] is False
    monkeypatch.undo()  # the database is back
    back = show_step(6, "", last_good)
    assert back["offline"] is True and back["banner"] == ""
    assert back["last_good"]["step"] == 6 and back["last_good"]["time"] != "09:30"
    assert back["units"]["features"]


def test_a_city_without_units_at_the_date_says_so_and_keeps_the_screen(empty_db) -> None:
    out = show_step(0, "", None)
    assert out["offline"] is False and "Chưa có đơn vị hành chính" in out["banner"]
    assert out["units"] is no_update
