"""The map layers, choropleth values, KPIs and series (geodata.monitoring.layers) on a small
hand-made set.

The demo city (no demo monitoring) plus, in Ninh Kiều (916, ward 91609) unless said otherwise:

- gauge ``g-nk`` (Báo động 1.70/1.90/2.00 m) at 1.95 m from T0 to T0+3h, 1.50 m a day before
  AT; gauge ``g-cd`` in Cờ Đỏ (925) at 1.00 m (its levels are 1.20/1.40/1.60 m);
- air station ``air-nk``: PM2.5 35 µg/m³ from T0 for 3 h (NowCast VN_AQI 70 from T0+1h; the
  first hour lacks two of the last three) and 15 µg/m³ for the 3 h up to a day before AT (30);
- an arterial with detector ``det-nk`` (free flow 50 km/h) at 20 km/h from T0 (ratio 0.4,
  congested) and at 45 km/h a day before AT (0.9), and a zig-zag local street without detector;
- an inundated area from T0-1h to T0+2h; flood reports 1 h and 3 h before T0 and one 30 h before;
- a collision open from T0-1h to T0+1h, a camera;
- a health station in Ninh Kiều and a primary school in Cờ Đỏ.

T0 is 2026-10-15 03:00 UTC (10:00 in Cần Thơ); "now" for KPIs is AT = T0 + 2h.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from geodata.demo.sample import write_sample
from geodata.monitoring import layers
from geodata.monitoring.coverage import compute_coverage
from geodata.monitoring.readings import Reading, write_readings
from geodata.settings import get_settings
from tests.dbutil import truncate_all

UTC = dt.UTC
H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 10, 15, 3, 0, tzinfo=UTC)
AT = T0 + 2 * H
DAY_BEFORE = AT - 24 * H
Q = {"water_level": 1, "pm25": 3, "speed": 9}
NINH_KIEU_BBOX = (105.76, 10.02, 105.78, 10.04)
CO_DO_BBOX = (105.40, 10.08, 105.50, 10.16)


@dataclass(frozen=True)
class Town:
    """Ids of the units and of the hand-made features."""

    city: int
    ninh_kieu: int
    co_do: int
    ward: int  # the Ninh Kiều ward everything there stands in
    ids: dict[str, int]


def _point(conn: Connection, table: str, code: str, lon: float, lat: float, **cols: Any) -> int:
    """Insert a point row; ``table`` and the column names come from this module only."""
    names = ", ".join(cols)
    values = ", ".join(f":{c}" for c in cols)
    return int(
        conn.scalar(
            text(
                f"INSERT INTO {table} (code, source, geom, {names}) VALUES (:code, 'test', "
                f"ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {values}) RETURNING id"
            ),
            {"code": code, "lon": lon, "lat": lat, **cols},
        )
    )


def _sensor(conn: Connection, code: str, kind: str, lon: float, lat: float, **cols: Any) -> int:
    return _point(conn, "sensor", code, lon, lat, name=f"Trạm {code}", kind=kind, **cols)


def _every_5_min(sensor: int, quantity: str, start: dt.datetime, value: float, n: int = 12):
    return [
        Reading(sensor, Q[quantity], start + k * dt.timedelta(minutes=5), value) for k in range(n)
    ]


def _segment(
    conn: Connection, code: str, road_class: str, coords: list[tuple[float, float]]
) -> int:
    wkt = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in coords) + ")"
    return int(
        conn.scalar(
            text(
                """
                INSERT INTO road_segment (code, source, name, road_class, free_flow_kmh,
                                          length_m, geom)
                SELECT :code, 'test', :name, :road_class, 50, ST_Length(g::geography), g
                FROM (SELECT ST_GeomFromText(:wkt, 4326) AS g) AS src
                RETURNING id
                """
            ),
            {"code": code, "name": f"Đường {code}", "road_class": road_class, "wkt": wkt},
        )
    )


def _inundation(
    conn: Connection, code: str, lon: float, lat: float, start: dt.datetime, end: dt.datetime | None
) -> int:
    return int(
        conn.scalar(
            text(
                """
                INSERT INTO inundation_area (code, source, geom, depth_m, started_at, ended_at)
                VALUES (:code, 'test', ST_Multi(ST_Buffer(
                          ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 150)::geometry),
                        0.3, :start, :end)
                RETURNING id
                """
            ),
            {"code": code, "lon": lon, "lat": lat, "start": start, "end": end},
        )
    )


def _unit_id(conn: Connection, code: str) -> int:
    return int(conn.scalar(text("SELECT id FROM admin_unit WHERE code = :c"), {"c": code}))


@pytest.fixture(scope="module")
def town(engine: Engine) -> Town:
    truncate_all(engine)
    write_sample()
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        ids["g-nk"] = _sensor(
            conn, "g-nk", "river_gauge", 105.770, 10.030, alert_1=1.7, alert_2=1.9, alert_3=2.0
        )
        ids["g-cd"] = _sensor(
            conn, "g-cd", "canal_gauge", 105.450, 10.120, alert_1=1.2, alert_2=1.4, alert_3=1.6
        )
        ids["air-nk"] = _sensor(conn, "air-nk", "air_station", 105.771, 10.031)
        ids["art"] = _segment(conn, "art", "arterial", [(105.765, 10.03), (105.769, 10.03)])
        # A zig-zag of 21 vertices, 1 m off a straight line: simplification straightens it.
        zigzag = [(105.771 + 0.0002 * k, 10.028 + (0.00001 if k % 2 else 0)) for k in range(21)]
        ids["loc"] = _segment(conn, "loc", "local", zigzag)
        ids["det-nk"] = _sensor(
            conn, "det-nk", "traffic_detector", 105.767, 10.030, road_segment_id=ids["art"]
        )
        ids["flood"] = _inundation(conn, "flood", 105.772, 10.034, T0 - H, T0 + 2 * H)
        for code, when in (("r-1h", T0 - H), ("r-3h", T0 - 3 * H), ("r-30h", T0 - 30 * H)):
            ids[code] = _point(
                conn, "flood_report", code, 105.772, 10.034, reported_at=when, depth_cm=20,
                description=f"Ngập {code}",
            )  # fmt: skip
        ids["crash"] = _point(
            conn, "traffic_incident", "crash", 105.768, 10.030, kind="collision", severity=2,
            started_at=T0 - H, ended_at=T0 + H,
        )  # fmt: skip
        ids["cam"] = _point(conn, "camera", "cam", 105.766, 10.030, name="Camera cầu Cái Khế")
        ids["hs"] = _point(
            conn, "facility", "hs", 105.770, 10.032, kind="health_station",
            name="Trạm y tế phường", capacity=20,
        )  # fmt: skip
        ids["school"] = _point(
            conn, "facility", "school", 105.450, 10.122, kind="primary_school",
            name="Trường tiểu học Cờ Đỏ", capacity=500,
        )  # fmt: skip
        # Two batches, in the order they would arrive.
        write_readings(
            conn,
            [
                *_every_5_min(ids["g-nk"], "water_level", DAY_BEFORE, 1.5),
                *_every_5_min(ids["g-cd"], "water_level", DAY_BEFORE, 1.0),
                *_every_5_min(ids["air-nk"], "pm25", DAY_BEFORE - 2 * H, 15.0, n=36),
                *_every_5_min(ids["det-nk"], "speed", DAY_BEFORE, 45.0),
            ],
        )
        write_readings(
            conn,
            [
                *_every_5_min(ids["g-nk"], "water_level", T0, 1.95, n=36),
                *_every_5_min(ids["g-cd"], "water_level", T0, 1.0, n=36),
                *_every_5_min(ids["air-nk"], "pm25", T0, 35.0, n=36),
                *_every_5_min(ids["det-nk"], "speed", T0, 20.0, n=36),
            ],
        )
        town = Town(
            city=_unit_id(conn, "92"),
            ninh_kieu=_unit_id(conn, "916"),
            co_do=_unit_id(conn, "925"),
            ward=int(
                conn.scalar(
                    text(
                        "SELECT id FROM admin_unit WHERE level = 'ward' AND "
                        "ST_Covers(geom, ST_SetSRID(ST_MakePoint(105.77, 10.03), 4326))"
                    )
                )
            ),
            ids=ids,
        )
    return town


@pytest.fixture
def conn(town: Town, engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back at the end: nothing a test writes outlives it."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch):
    """Set the feature cap of map requests for one test."""

    def set_cap(n: int) -> None:
        monkeypatch.setattr(get_settings(), "max_features", n)

    return set_cap


def _codes(collection: dict[str, Any]) -> list[str]:
    return [f["properties"].get("code") or f["properties"]["id"] for f in collection["features"]]


def _ids(collection: dict[str, Any]) -> list[int]:
    return [f["properties"]["id"] for f in collection["features"]]


def _vertices(geometry: dict[str, Any]) -> int:
    def count(coords: Any) -> int:
        return 1 if isinstance(coords[0], float | int) else sum(count(c) for c in coords)

    return count(geometry["coordinates"])


# --- latest hour -------------------------------------------------------------------------------


def test_latest_hour_is_the_newest_indicator_hour_at_or_before_the_moment(
    conn: Connection,
) -> None:
    assert layers.latest_hour(conn, T0 + dt.timedelta(minutes=30)) == T0
    assert layers.latest_hour(conn, T0 + H) == T0 + H
    assert layers.latest_hour(conn, T0 + 48 * H) == T0 + 2 * H
    assert layers.latest_hour(conn, T0 - 3 * H) == DAY_BEFORE
    assert layers.latest_hour(conn, DAY_BEFORE - 3 * H) is None


# --- flood gauges ------------------------------------------------------------------------------


def test_a_gauge_shows_in_its_district_and_city_but_not_in_another_district(
    conn: Connection, town: Town
) -> None:
    assert _codes(layers.flood_gauges_geojson(conn, town.ninh_kieu, T0)) == ["g-nk"]
    assert _codes(layers.flood_gauges_geojson(conn, town.ward, T0)) == ["g-nk"]
    assert sorted(_codes(layers.flood_gauges_geojson(conn, town.city, T0))) == ["g-cd", "g-nk"]
    assert _codes(layers.flood_gauges_geojson(conn, town.co_do, T0)) == ["g-cd"]


def test_a_gauge_carries_the_hours_alert_level_and_what_its_popup_shows(
    conn: Connection, town: Town
) -> None:
    (feature,) = layers.flood_gauges_geojson(conn, town.ninh_kieu, T0 + dt.timedelta(minutes=40))[
        "features"
    ]
    assert feature["geometry"] == {"type": "Point", "coordinates": [105.77, 10.03]}
    props = feature["properties"]
    assert props["level"] == 2 and props["max_level_m"] == pytest.approx(1.95)
    assert (props["alert_1"], props["alert_2"], props["alert_3"]) == (1.7, 1.9, 2.0)
    assert props["name"] == "Trạm g-nk" and props["kind"] == "river_gauge"
    assert props["id"] == town.ids["g-nk"]


def test_a_gauge_shows_the_level_of_the_hour_asked_for(conn: Connection, town: Town) -> None:
    def level(at: dt.datetime) -> Any:
        (feature,) = layers.flood_gauges_geojson(conn, town.ninh_kieu, at)["features"]
        return feature["properties"]["level"]

    assert level(DAY_BEFORE) == 0
    assert level(T0 + 2 * H + dt.timedelta(minutes=59)) == 2
    # An hour without readings: the gauge is still drawn, with no level.
    assert level(T0 + 5 * H) is None


def test_an_inactive_gauge_is_not_drawn(conn: Connection, town: Town) -> None:
    conn.execute(text("UPDATE sensor SET active = false WHERE code = 'g-nk'"))
    assert _codes(layers.flood_gauges_geojson(conn, town.city, T0)) == ["g-cd"]


# --- inundation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (T0 - H - dt.timedelta(seconds=1), False),
        (T0 - H, True),  # started ≤ at
        (T0 + H, True),
        (T0 + 2 * H - dt.timedelta(seconds=1), True),
        (T0 + 2 * H, False),  # at < ended
    ],
)
def test_an_area_is_under_water_from_its_start_until_its_end(
    conn: Connection, town: Town, at: dt.datetime, shown: bool
) -> None:
    found = _ids(layers.inundation_geojson(conn, town.ninh_kieu, at, 0.0))
    assert found == ([town.ids["flood"]] if shown else [])


def test_an_area_that_has_not_ended_stays_under_water(conn: Connection, town: Town) -> None:
    conn.execute(text("UPDATE inundation_area SET ended_at = NULL"))
    assert _ids(layers.inundation_geojson(conn, town.ninh_kieu, T0 + 90 * H, 0.0)) == [
        town.ids["flood"]
    ]


def test_inundation_is_filtered_by_unit(conn: Connection, town: Town) -> None:
    assert _ids(layers.inundation_geojson(conn, town.city, T0, 0.0)) == [town.ids["flood"]]
    assert _ids(layers.inundation_geojson(conn, town.ward, T0, 0.0)) == [town.ids["flood"]]
    assert _ids(layers.inundation_geojson(conn, town.co_do, T0, 0.0)) == []


def test_inundation_is_simplified_to_the_tolerance_and_carries_depth_and_times(
    conn: Connection, town: Town
) -> None:
    (exact,) = layers.inundation_geojson(conn, town.ninh_kieu, T0, 0.0)["features"]
    (coarse,) = layers.inundation_geojson(conn, town.ninh_kieu, T0, 0.0005)["features"]
    # (GEOS may hand a one-part MultiPolygon back as a Polygon: both draw the same.)
    assert exact["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert 4 <= _vertices(coarse["geometry"]) < _vertices(exact["geometry"])
    props = exact["properties"]
    assert props["kind"] == "inundation" and props["depth_m"] == pytest.approx(0.3)
    assert dt.datetime.fromisoformat(props["started_at"]) == T0 - H
    assert dt.datetime.fromisoformat(props["ended_at"]) == T0 + 2 * H


def test_inundation_is_capped_newest_first(conn: Connection, town: Town, cap) -> None:
    newer = _inundation(conn, "flood-2", 105.773, 10.035, T0 - dt.timedelta(minutes=30), None)
    assert len(_ids(layers.inundation_geojson(conn, town.ninh_kieu, T0, 0.0))) == 2
    cap(1)
    assert _ids(layers.inundation_geojson(conn, town.ninh_kieu, T0, 0.0)) == [newer]


# --- flood reports -----------------------------------------------------------------------------


def test_reports_of_the_last_24_hours_are_shown_newest_first(conn: Connection, town: Town) -> None:
    assert _ids(layers.flood_reports_geojson(conn, town.ninh_kieu, T0)) == [
        town.ids["r-1h"],
        town.ids["r-3h"],
    ]
    # Reports after the moment asked for are not shown either.
    assert _ids(layers.flood_reports_geojson(conn, town.ninh_kieu, T0 - 2 * H)) == [
        town.ids["r-3h"]
    ]
    assert _ids(layers.flood_reports_geojson(conn, town.ninh_kieu, T0 - 30 * H)) == [
        town.ids["r-30h"]
    ]
    assert _ids(layers.flood_reports_geojson(conn, town.ninh_kieu, T0, hours=48)) == [
        town.ids["r-1h"],
        town.ids["r-3h"],
        town.ids["r-30h"],
    ]


def test_a_report_exactly_24_hours_old_has_dropped_off(conn: Connection, town: Town) -> None:
    at = T0 - H + 24 * H
    assert town.ids["r-1h"] not in _ids(layers.flood_reports_geojson(conn, town.ninh_kieu, at))
    assert town.ids["r-1h"] in _ids(
        layers.flood_reports_geojson(conn, town.ninh_kieu, at - dt.timedelta(seconds=1))
    )


def test_reports_are_filtered_by_unit_capped_and_carry_their_popup(
    conn: Connection, town: Town, cap
) -> None:
    assert len(_ids(layers.flood_reports_geojson(conn, town.city, T0))) == 2
    assert _ids(layers.flood_reports_geojson(conn, town.co_do, T0)) == []
    feature = layers.flood_reports_geojson(conn, town.ward, T0)["features"][0]
    props = feature["properties"]
    assert props["kind"] == "report" and props["depth_cm"] == 20
    assert props["description"] == "Ngập r-1h"
    assert dt.datetime.fromisoformat(props["reported_at"]) == T0 - H
    cap(1)
    assert _ids(layers.flood_reports_geojson(conn, town.city, T0)) == [town.ids["r-1h"]]


# --- air ---------------------------------------------------------------------------------------


def test_an_air_station_shows_the_hours_aqi_and_pollutant_means(
    conn: Connection, town: Town
) -> None:
    (feature,) = layers.air_stations_geojson(conn, town.ninh_kieu, AT)["features"]
    props = feature["properties"]
    assert props["code"] == "air-nk" and props["name"] == "Trạm air-nk"
    assert props["aqi"] == 70 and props["dominant"] == "pm25"
    assert props["category"] == "moderate"
    assert props["means"] == {"pm25": 35.0}


def test_an_air_station_shows_no_aqi_in_an_hour_nowcast_cannot_rate(
    conn: Connection, town: Town
) -> None:
    (feature,) = layers.air_stations_geojson(conn, town.ninh_kieu, T0)["features"]
    assert feature["properties"]["aqi"] is None
    assert feature["properties"]["means"] == {"pm25": 35.0}
    (later,) = layers.air_stations_geojson(conn, town.ninh_kieu, T0 + 10 * H)["features"]
    assert later["properties"]["aqi"] is None and later["properties"]["means"] is None


def test_air_stations_are_filtered_by_unit(conn: Connection, town: Town) -> None:
    assert _codes(layers.air_stations_geojson(conn, town.city, AT)) == ["air-nk"]
    assert _codes(layers.air_stations_geojson(conn, town.ward, AT)) == ["air-nk"]
    assert layers.air_stations_geojson(conn, town.co_do, AT) == layers.EMPTY


# --- traffic -----------------------------------------------------------------------------------


def _traffic(
    conn: Connection,
    unit: int,
    at: dt.datetime = T0,
    bbox: tuple[float, float, float, float] = NINH_KIEU_BBOX,
    zoom: float = 15,
    tolerance: float = 0.0,
) -> dict[str, Any]:
    return layers.traffic_geojson(conn, unit, at, bbox, zoom, tolerance)


def test_below_the_all_roads_zoom_only_arterials_are_drawn(conn: Connection, town: Town) -> None:
    city_view = _traffic(conn, town.ninh_kieu, zoom=layers.ALL_ROADS_ZOOM - 0.5)
    assert _ids(city_view) == [town.ids["art"]]
    street_view = _traffic(conn, town.ninh_kieu, zoom=layers.ALL_ROADS_ZOOM)
    assert _ids(street_view) == [town.ids["art"], town.ids["loc"]]


def test_roads_are_filtered_by_the_view_and_the_unit(conn: Connection, town: Town) -> None:
    assert len(_ids(_traffic(conn, town.city))) == 2
    assert len(_ids(_traffic(conn, town.ward))) == 2
    assert _ids(_traffic(conn, town.co_do)) == []
    assert _ids(_traffic(conn, town.city, bbox=CO_DO_BBOX)) == []
    # A view holding only the local street's end.
    assert _ids(_traffic(conn, town.city, bbox=(105.774, 10.027, 105.776, 10.029))) == [
        town.ids["loc"]
    ]


def test_a_measured_road_carries_the_hours_speed_ratio(conn: Connection, town: Town) -> None:
    features = {f["id"]: f["properties"] for f in _traffic(conn, town.ninh_kieu)["features"]}
    arterial, local = features[town.ids["art"]], features[town.ids["loc"]]
    assert arterial["ratio"] == pytest.approx(0.4) and arterial["speed_kmh"] == 20.0
    assert arterial["road_class"] == "arterial" and arterial["name"] == "Đường art"
    assert arterial["free_flow_kmh"] == 50
    assert local["ratio"] is None and local["speed_kmh"] is None
    before = {
        f["id"]: f["properties"] for f in _traffic(conn, town.ninh_kieu, DAY_BEFORE)["features"]
    }
    assert before[town.ids["art"]]["ratio"] == pytest.approx(0.9)
    unmeasured = {
        f["id"]: f["properties"] for f in _traffic(conn, town.ninh_kieu, T0 + 9 * H)["features"]
    }
    assert unmeasured[town.ids["art"]]["ratio"] is None


def test_roads_are_simplified_to_the_tolerance(conn: Connection, town: Town) -> None:
    def local_street(tolerance: float) -> dict[str, Any]:
        features = _traffic(conn, town.ninh_kieu, tolerance=tolerance)["features"]
        return next(f["geometry"] for f in features if f["id"] == town.ids["loc"])

    assert _vertices(local_street(0.0)) == 21
    assert _vertices(local_street(0.0001)) == 2


def test_roads_are_capped_measured_roads_first(conn: Connection, town: Town, cap) -> None:
    cap(1)
    assert _ids(_traffic(conn, town.ninh_kieu)) == [town.ids["art"]]


def test_incidents_show_while_open_and_cameras_always(conn: Connection, town: Town) -> None:
    def kinds(at: dt.datetime, unit: int = town.ninh_kieu) -> list[str]:
        return sorted(
            f["properties"]["kind"]
            for f in layers.traffic_points_geojson(conn, unit, at)["features"]
        )

    assert kinds(T0) == ["camera", "incident"]
    assert kinds(T0 - H) == ["camera", "incident"]
    assert kinds(T0 - H - dt.timedelta(seconds=1)) == ["camera"]
    assert kinds(T0 + H) == ["camera"]
    assert kinds(T0, town.city) == ["camera", "incident"]
    assert kinds(T0, town.co_do) == []


def test_incident_and_camera_points_carry_their_popup(conn: Connection, town: Town) -> None:
    points = {
        f["properties"]["kind"]: f
        for f in layers.traffic_points_geojson(conn, town.ward, T0)["features"]
    }
    incident = points["incident"]["properties"]
    assert incident["id"] == town.ids["crash"] and incident["incident"] == "collision"
    assert incident["severity"] == 2
    assert dt.datetime.fromisoformat(incident["started_at"]) == T0 - H
    assert points["camera"]["properties"]["name"] == "Camera cầu Cái Khế"
    assert points["camera"]["geometry"]["coordinates"] == [105.766, 10.03]


# --- facilities --------------------------------------------------------------------------------


def test_facilities_are_filtered_by_unit_and_kind(conn: Connection, town: Town) -> None:
    hs, school = town.ids["hs"], town.ids["school"]
    assert _ids(layers.facilities_geojson(conn, town.city, None)) == [hs, school]
    assert _ids(layers.facilities_geojson(conn, town.ninh_kieu, None)) == [hs]
    assert _ids(layers.facilities_geojson(conn, town.co_do, None)) == [school]
    assert _ids(layers.facilities_geojson(conn, town.city, "primary_school")) == [school]
    assert _ids(layers.facilities_geojson(conn, town.ninh_kieu, "primary_school")) == []


def test_facilities_are_capped_and_carry_their_popup(conn: Connection, town: Town, cap) -> None:
    feature = layers.facilities_geojson(conn, town.ninh_kieu, "health_station")["features"][0]
    assert feature["properties"] == {
        "id": town.ids["hs"],
        "kind": "health_station",
        "name": "Trạm y tế phường",
        "capacity": 20,
    }
    cap(1)
    assert _ids(layers.facilities_geojson(conn, town.city, None)) == [town.ids["hs"]]


# --- choropleth --------------------------------------------------------------------------------


def test_choropleth_worst_aqi_per_unit(conn: Connection, town: Town) -> None:
    units = [town.city, town.ninh_kieu, town.ward, town.co_do]
    assert layers.choropleth_values(conn, units, "aqi_max", AT) == {
        town.city: 70.0,
        town.ninh_kieu: 70.0,
        town.ward: 70.0,
        town.co_do: None,  # no air station there
    }
    assert layers.choropleth_values(conn, units, "aqi_max", DAY_BEFORE)[town.city] == 30.0


def test_choropleth_gauges_above_alert_per_unit(conn: Connection, town: Town) -> None:
    units = [town.city, town.ninh_kieu, town.co_do]
    assert layers.choropleth_values(conn, units, "gauges_above_alert", T0) == {
        town.city: 1.0,
        town.ninh_kieu: 1.0,
        town.co_do: 0.0,  # Cờ Đỏ's gauge is below its own level I
    }
    assert layers.choropleth_values(conn, units, "gauges_above_alert", DAY_BEFORE) == {
        town.city: 0.0,
        town.ninh_kieu: 0.0,
        town.co_do: 0.0,
    }


def test_choropleth_congested_share_per_unit(conn: Connection, town: Town) -> None:
    units = [town.city, town.ninh_kieu, town.co_do]
    assert layers.choropleth_values(conn, units, "congested_share", T0 + H) == {
        town.city: 1.0,
        town.ninh_kieu: 1.0,
        town.co_do: None,  # nothing measured
    }
    assert layers.choropleth_values(conn, units, "congested_share", DAY_BEFORE)[town.city] == 0.0


def test_choropleth_of_an_hour_without_data_is_empty(conn: Connection, town: Town) -> None:
    assert layers.choropleth_values(conn, [town.city], "aqi_max", T0 + 30 * H) == {town.city: None}


def test_choropleth_coverage_reads_the_computed_share(conn: Connection, town: Town) -> None:
    # One populated cell next to the health station (2,000 m): Ninh Kiều is fully served by it,
    # and has no primary school within 1,000 m.
    conn.execute(
        text(
            "INSERT INTO population_cell (source, geom, population) VALUES "
            "('test', ST_MakeEnvelope(105.7705, 10.0305, 105.7715, 10.0315, 4326), 400)"
        )
    )
    compute_coverage(conn, dt.date(2026, 10, 15))
    units = [town.city, town.ninh_kieu, town.co_do]
    assert layers.choropleth_values(conn, units, "coverage", AT) == {
        town.city: 1.0,
        town.ninh_kieu: 1.0,
        town.co_do: None,  # nobody lives there in this data set
    }
    assert layers.choropleth_values(conn, units, "coverage", AT, "primary_school") == {
        town.city: 0.0,
        town.ninh_kieu: 0.0,
        town.co_do: None,
    }


def test_choropleth_coverage_from_stored_rows(conn: Connection, town: Town) -> None:
    conn.execute(
        text(
            "INSERT INTO coverage (admin_unit_id, facility_kind, population, covered) VALUES "
            "(:nk, 'health_station', 1000, 250), (:cd, 'health_station', 0, 0)"
        ),
        {"nk": town.ninh_kieu, "cd": town.co_do},
    )
    assert layers.choropleth_values(
        conn, [town.city, town.ninh_kieu, town.co_do], "coverage", AT
    ) == {town.city: None, town.ninh_kieu: 0.25, town.co_do: None}


@pytest.mark.parametrize("indicator", ["aqi", "population; DROP TABLE sensor", ""])
def test_an_unknown_indicator_is_refused(conn: Connection, town: Town, indicator: str) -> None:
    with pytest.raises(ValueError, match="unknown indicator"):
        layers.choropleth_values(conn, [town.city], indicator, AT)


# --- KPIs and series ---------------------------------------------------------------------------


def test_unit_kpis_give_the_value_now_and_a_day_before(conn: Connection, town: Town) -> None:
    conn.execute(
        text(
            "INSERT INTO coverage (admin_unit_id, facility_kind, population, covered) VALUES "
            "(:nk, 'health_station', 1000, 250)"
        ),
        {"nk": town.ninh_kieu},
    )
    kpis = {k.key: k for k in layers.unit_kpis(conn, town.ninh_kieu, AT + dt.timedelta(minutes=20))}
    gauges = kpis["gauges_above_alert"]
    assert (gauges.value, gauges.previous) == (1, 0)
    assert gauges.detail == {"gauges": 1, "max_level": 2}
    aqi = kpis["aqi_max"]
    assert (aqi.value, aqi.previous) == (70, 30)
    assert aqi.detail["sensor"] == "Trạm air-nk" and aqi.detail["dominant"] == "pm25"
    congestion = kpis["congested_share"]
    assert (congestion.value, congestion.previous) == (pytest.approx(1.0), pytest.approx(0.0))
    assert kpis["coverage:health_station"].value == pytest.approx(0.25)
    assert kpis["coverage:hospital"].value is None  # not computed
    assert {k for k in kpis if k.startswith("coverage:")} == {
        "coverage:hospital",
        "coverage:health_station",
        "coverage:primary_school",
        "coverage:lower_secondary_school",
        "coverage:upper_secondary_school",
        "coverage:clean_water",
    }


def test_unit_kpis_of_a_unit_without_sensors_are_empty(conn: Connection, town: Town) -> None:
    kpis = {k.key: k for k in layers.unit_kpis(conn, town.co_do, AT)}
    assert kpis["aqi_max"].value is None and kpis["aqi_max"].previous is None
    assert kpis["congested_share"].value is None
    assert (kpis["gauges_above_alert"].value, kpis["gauges_above_alert"].previous) == (0, 0)


def test_unit_kpis_can_look_back_another_span(conn: Connection, town: Town) -> None:
    kpis = {k.key: k for k in layers.unit_kpis(conn, town.ninh_kieu, AT, hours_back=2)}
    # Two hours before AT is T0: the gauge was already above alert, NowCast had no AQI yet.
    assert kpis["gauges_above_alert"].previous == 1
    assert kpis["aqi_max"].previous is None


def test_sensor_series_are_hourly_means_inside_the_window(conn: Connection, town: Town) -> None:
    assert layers.sensor_series(conn, town.ids["g-nk"], T0, T0 + H) == {
        "water_level": [(T0, pytest.approx(1.95)), (T0 + H, pytest.approx(1.95))]
    }
    whole = layers.sensor_series(conn, town.ids["g-nk"], DAY_BEFORE, AT)
    assert [hour for hour, _ in whole["water_level"]] == [DAY_BEFORE, T0, T0 + H, T0 + 2 * H]
    assert whole["water_level"][0][1] == pytest.approx(1.5)
    assert layers.sensor_series(conn, town.ids["air-nk"], T0, AT) == {
        "pm25": [(T0 + k * H, pytest.approx(35.0)) for k in range(3)]
    }
    assert layers.sensor_series(conn, town.ids["g-nk"], T0 + 5 * H, T0 + 9 * H) == {}


def test_unit_series_are_the_hourly_unit_indicators_inside_the_window(
    conn: Connection, town: Town
) -> None:
    series = layers.unit_series(conn, town.ninh_kieu, T0, T0 + H)
    assert set(series) == {"gauges_above_alert", "congested_share", "aqi_max"}
    assert series["gauges_above_alert"] == [(T0, 1), (T0 + H, 1)]
    assert series["congested_share"] == [(T0, pytest.approx(1.0)), (T0 + H, pytest.approx(1.0))]
    assert series["aqi_max"] == [(T0 + H, 70)]  # no AQI in the first hour
    day = layers.unit_series(conn, town.ninh_kieu, DAY_BEFORE, AT)
    assert [hour for hour, _ in day["gauges_above_alert"]] == [DAY_BEFORE, T0, T0 + H, T0 + 2 * H]
    assert layers.unit_series(conn, town.co_do, T0, AT).keys() == {"gauges_above_alert"}


def test_a_road_with_two_detectors_is_drawn_once(conn: Connection, town: Town) -> None:
    second = _sensor(
        conn, "det-nk-2", "traffic_detector", 105.768, 10.030, road_segment_id=town.ids["art"]
    )
    write_readings(conn, _every_5_min(second, "speed", T0, 30.0))
    ids = _ids(_traffic(conn, town.ninh_kieu))
    assert sorted(ids) == sorted(set(ids))


def test_incident_and_camera_points_are_capped(conn: Connection, town: Town, cap) -> None:
    _point(conn, "camera", "cam-2", 105.767, 10.031, name="Camera 2")
    cap(1)
    assert len(layers.traffic_points_geojson(conn, town.ninh_kieu, T0)["features"]) == 1
