"""Feature importers: facilities, roads, sensors, flood zones and population from agency files.

Every format (GeoJSON, Shapefile, GeoPackage, CSV with lon/lat or WKT) and CRS (WGS 84, VN-2000
UTM 48N, the provincial VN-2000 TM zone) goes through the real importer into the real database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import LineString, MultiLineString, Point, box
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.errors import ImportRejected
from geodata.importing.importers import FeatureOptions, FeatureSummary, load_features
from tests.geofiles import geojson_file

# Cần Thơ's provincial VN-2000 3° TM zone (central meridian 105°45′, k = 0.9999) with the published
# 7-parameter shift to WGS 84 (../shared/CANTHO.md).
VN2000_TM_CANTHO = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,"
    "0.252906278 +units=m +no_defs"
)
GEOD = pyproj.Geod(ellps="WGS84")

# In Ninh Kiều, Cái Răng and Bình Thủy of the demo city.
HOSPITAL = (105.7800, 10.0330)
SCHOOL = (105.7700, 10.0250)
WATER = (105.7650, 10.0300)


def load(command: str, path: Path, **options: Any) -> FeatureSummary:
    return load_features(command, FeatureOptions(path=path, **options))


def rejected(command: str, path: Path, **options: Any) -> str:
    """Load a file that must be refused; the message."""
    with pytest.raises(ImportRejected) as info:
        load(command, path, **options)
    message = str(info.value)
    assert str(path) in message and "nothing was written" in message
    return message


def frame(rows: list[dict[str, Any]], crs: Any = 4326) -> gpd.GeoDataFrame:
    """Rows with lon/lat geometry, in ``crs``."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_crs(crs)


def facilities_rows() -> list[dict[str, Any]]:
    return [
        {"ID": "BV01", "TEN_CS": "Bệnh viện A", "LOAI": "hospital", "QUY_MO": 300,
         "geometry": Point(*HOSPITAL)},
        {"ID": "TH01", "TEN_CS": "Trường Tiểu học B", "LOAI": "Trường tiểu học", "QUY_MO": 600,
         "geometry": Point(*SCHOOL)},
        {"ID": "NS01", "TEN_CS": "Điểm cấp nước C", "LOAI": "clean_water", "QUY_MO": None,
         "geometry": Point(*WATER)},
    ]  # fmt: skip


def rows_of(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def counts(engine: Engine) -> dict[str, int]:
    tables = ("facility", "road_segment", "sensor", "sensor_quantity", "inundation_area",
              "population_cell", "coverage")  # fmt: skip
    return {t: rows_of(engine, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def facilities(engine: Engine, source: str) -> dict[str, Any]:
    rows = rows_of(
        engine,
        "SELECT f.code, f.name, f.kind, f.capacity, f.source, ST_X(f.geom) AS lon, "
        "ST_Y(f.geom) AS lat, u.code AS unit_code FROM facility f "
        "LEFT JOIN admin_unit u ON u.id = f.admin_unit_id WHERE f.source = :s",
        s=source,
    )
    return {r.code: r for r in rows}


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


MAPPING = {"code": "ID", "name": "TEN_CS", "kind": "LOAI", "capacity": "QUY_MO"}


# --- good files ----------------------------------------------------------------------------------


def test_geojson_facilities_are_stored_with_kind_unit_and_coverage(
    demo_db: Engine, tmp_path: Path
) -> None:
    path = geojson_file(tmp_path / "co_so.geojson", facilities_rows())

    summary = load("facilities", path, fields=MAPPING, source="Sở Y tế")

    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    stored = facilities(demo_db, "Sở Y tế")
    assert stored["BV01"].name == "Bệnh viện A"
    assert stored["BV01"].capacity == 300
    assert stored["TH01"].kind == "primary_school"  # given by its Vietnamese name
    assert stored["NS01"].capacity is None
    assert (stored["BV01"].lon, stored["BV01"].lat) == pytest.approx(HOSPITAL)
    assert all(f.unit_code is not None for f in stored.values())  # the ward they lie in
    assert summary.coverage_rows is not None and summary.coverage_rows > 0
    assert "coverage:  recomputed" in summary.describe()


def test_csv_with_lon_lat_columns_and_mapped_fields_via_the_command_line(
    demo_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "truong.csv"
    path.write_text(
        "MA;TEN_CS;LOAI;KINH_DO;VI_DO\n"
        f"TH9;Trường Tiểu học X;primary_school;{SCHOOL[0]};{SCHOOL[1]}\n"
        f"TH10;Trường THCS Y;lower_secondary_school;{WATER[0]};{WATER[1]}\n",
        encoding="utf-8",
    )

    status = main(
        ["load", "facilities", str(path), "--field", "code=MA", "--field", "name=TEN_CS",
         "--field", "kind=LOAI", "--source", "edu", "--quiet"]
    )  # fmt: skip

    assert status == 0
    assert "added:     2" in capsys.readouterr().out
    stored = facilities(demo_db, "edu")
    assert (stored["TH9"].lon, stored["TH9"].lat) == pytest.approx(SCHOOL)
    assert stored["TH10"].kind == "lower_secondary_school"


def test_shapefile_in_vn2000_utm_48n_lands_where_it_should(demo_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "co_so.shp"
    frame(facilities_rows(), crs="EPSG:3405").to_file(path)  # writes the .prj

    load("facilities", path, fields=MAPPING)

    stored = facilities(demo_db, "co_so.shp")
    assert metres_between((stored["BV01"].lon, stored["BV01"].lat), HOSPITAL) < 1.0


def test_geopackage_roads_in_the_provincial_vn2000_tm_zone(demo_db: Engine, tmp_path: Path) -> None:
    road = LineString([(105.760, 10.030), (105.770, 10.032), (105.775, 10.036)])
    rows = [
        {"MA_DUONG": "R1", "TEN": "Đường Mậu Thân", "CAP": "Arterial", "geometry": road},
        # Two pieces that join end to end are one line.
        {"MA_DUONG": "R2", "TEN": None, "CAP": "local",
         "geometry": MultiLineString([[(105.70, 10.05), (105.705, 10.05)],
                                      [(105.705, 10.05), (105.71, 10.052)]])},
    ]  # fmt: skip
    path = tmp_path / "duong.gpkg"
    frame(rows, crs=pyproj.CRS.from_proj4(VN2000_TM_CANTHO)).to_file(path, layer="duong")

    summary = load("roads", path, fields={"code": "MA_DUONG", "road_class": "CAP"})

    assert summary.added == 2
    stored = {
        r.code: r
        for r in rows_of(
            demo_db,
            "SELECT code, name, road_class, free_flow_kmh, length_m, admin_unit_id, "
            "ST_AsText(ST_StartPoint(geom)) AS start, ST_X(ST_StartPoint(geom)) AS x, "
            "ST_Y(ST_StartPoint(geom)) AS y FROM road_segment WHERE source = 'duong.gpkg'",
        )
    }
    r1 = stored["R1"]
    assert (r1.road_class, r1.free_flow_kmh, r1.name) == ("arterial", 50.0, "Đường Mậu Thân")
    assert metres_between((r1.x, r1.y), (105.760, 10.030)) < 1.0
    geodesic = sum(
        metres_between(a, b) for a, b in zip(road.coords, list(road.coords)[1:], strict=False)
    )
    assert r1.length_m == pytest.approx(geodesic, rel=1e-3)
    assert r1.admin_unit_id is not None
    assert stored["R2"].free_flow_kmh == 30.0  # the class's default


def test_sensors_with_quantities_and_alert_levels_from_a_geopackage(
    demo_db: Engine, tmp_path: Path
) -> None:
    rows = [
        {"code": "g-cantho", "name": "Trạm Cần Thơ", "kind": "river_gauge", "alert_1": 1.7,
         "alert_2": 1.9, "alert_3": 2.0, "quantities": None, "geometry": Point(*HOSPITAL)},
        {"code": "air-1", "name": "Quan trắc 1", "kind": "air_station", "alert_1": None,
         "alert_2": None, "alert_3": None, "quantities": "pm25; pm10",
         "geometry": Point(105.77, 10.03)},
    ]  # fmt: skip
    path = tmp_path / "tram.gpkg"
    frame(rows).to_file(path)

    load("sensors", path)

    stored = {
        r.code: r
        for r in rows_of(
            demo_db,
            "SELECT s.code, s.kind, s.alert_1, s.alert_2, s.alert_3, s.active, s.admin_unit_id, "
            "array_agg(q.code ORDER BY q.code) AS quantities FROM sensor s "
            "JOIN sensor_quantity sq ON sq.sensor_id = s.id "
            "JOIN quantity q ON q.id = sq.quantity_id "
            "WHERE s.source = 'tram.gpkg' GROUP BY s.id",
        )
    }
    gauge = stored["g-cantho"]
    assert (gauge.alert_1, gauge.alert_2, gauge.alert_3) == (1.7, 1.9, 2.0)
    assert gauge.quantities == ["water_level"]  # the kind's default
    assert gauge.active is True and gauge.admin_unit_id is not None
    assert stored["air-1"].quantities == ["pm10", "pm25"]


def _off_the_bank(engine: Engine, metres: float) -> tuple[float, float]:
    """A point ``metres`` off Hưng Lợi's edge on the Hậu river's side, outside every unit."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                """
                WITH edge AS (
                    SELECT ST_ClosestPoint(u.geom, far) AS p, far FROM admin_unit u,
                           (SELECT ST_SetSRID(ST_MakePoint(105.80, 10.06), 4326) AS far) f
                    WHERE u.name = 'Hưng Lợi')
                SELECT ST_X(q), ST_Y(q) FROM (SELECT ST_Project(p::geography, :m,
                    ST_Azimuth(p, far))::geometry AS q FROM edge) x
                """
            ),
            {"m": metres},
        ).one()
        assert not conn.scalar(
            text("SELECT count(*) FROM admin_unit WHERE ST_Covers(geom, ST_Point(:x, :y, 4326))"),
            {"x": lon, "y": lat},
        ), "the test point must lie outside every unit"
    return lon, lat


def _gauge_file(tmp_path: Path, *points: tuple[str, tuple[float, float]]) -> Path:
    rows = [
        {"code": code, "name": f"Trạm {code}", "kind": "river_gauge", "alert_1": 1.7,
         "alert_2": 1.9, "alert_3": 2.0, "quantities": None, "geometry": Point(*where)}
        for code, where in points
    ]  # fmt: skip
    path = tmp_path / "song.gpkg"
    frame(rows).to_file(path)
    return path


def _stored(engine: Engine, code: str) -> Any:
    return rows_of(
        engine,
        "SELECT ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, u.name AS unit FROM sensor s "
        "LEFT JOIN admin_unit u ON u.id = s.admin_unit_id WHERE s.code = :c",
        c=code,
    )[0]


def test_a_gauge_just_off_the_bank_is_loaded_where_it_is_and_reported_with_the_nearest_unit(
    demo_db: Engine, tmp_path: Path
) -> None:
    given = _off_the_bank(demo_db, 40)
    summary = load("sensors", _gauge_file(tmp_path, ("g-song", given)))

    assert summary.added == 1 and len(summary.outside) == 1
    note = summary.outside[0]
    assert "'g-song'" in note and "Hưng Lợi (ward)" in note and "40 m outside" in note
    assert "--snap-within 4" in note  # the distance that would place it, rounded up
    stored = _stored(demo_db, "g-song")
    assert (stored.lon, stored.lat) == pytest.approx(given, abs=1e-9)  # the agency's position
    assert stored.unit is None
    assert "outside every admin unit: 1" in summary.describe()


def test_snap_within_places_a_near_gauge_just_inside_its_unit_and_the_map_shows_it(
    demo_db: Engine, tmp_path: Path
) -> None:
    from geodata.monitoring import layers

    near, far = _off_the_bank(demo_db, 40), _off_the_bank(demo_db, 400)
    summary = load(
        "sensors", _gauge_file(tmp_path, ("g-near", near), ("g-far", far)), snap_within_m=100
    )

    notes = {code: n for n in summary.outside for code in ("g-near", "g-far") if f"'{code}'" in n}
    assert "placed just inside" in notes["g-near"] and "--snap-within 100" in notes["g-near"]
    assert "counts in no unit" in notes["g-far"]  # 400 m: further than asked, left alone
    moved = _stored(demo_db, "g-near")
    assert moved.unit == "Hưng Lợi"
    assert 39 < metres_between(near, (moved.lon, moved.lat)) < 43  # onto the edge, a metre in
    assert _stored(demo_db, "g-far").unit is None
    with demo_db.connect() as conn:
        ninh_kieu = conn.scalar(text("SELECT id FROM admin_unit WHERE code = '916'"))
        drawn = layers.flood_gauges_geojson(conn, ninh_kieu, dt.datetime.now(dt.UTC))
    codes = {f["properties"]["code"] for f in drawn["features"]}
    assert "g-near" in codes and "g-far" not in codes


def test_sensors_inside_their_units_are_not_reported(demo_db: Engine, tmp_path: Path) -> None:
    summary = load("sensors", _gauge_file(tmp_path, ("g-bo", HOSPITAL)), snap_within_m=100)
    assert summary.outside == [] and "outside" not in summary.describe()
    assert _stored(demo_db, "g-bo").unit is not None


def test_flood_zones_from_csv_with_wkt_and_local_times(demo_db: Engine, tmp_path: Path) -> None:
    zone = box(105.76, 10.02, 105.77, 10.03)
    path = tmp_path / "ngap.csv"
    path.write_text(
        "code,depth_m,started_at,ended_at,wkt\n"
        f'Z1,0.35,2026-10-15 18:00,2026-10-15T22:30+07:00,"{zone.wkt}"\n',
        encoding="utf-8",
    )

    load("flood-zones", path)

    (row,) = rows_of(
        demo_db,
        "SELECT depth_m, started_at, ended_at, GeometryType(geom) AS geom_type, "
        "ST_Equals(geom, ST_Multi(ST_GeomFromText(:w, 4326))) AS same FROM inundation_area",
        w=zone.wkt,
    )
    assert row.depth_m == pytest.approx(0.35)
    assert row.started_at.isoformat() == "2026-10-15T11:00:00+00:00"  # 18:00 in Cần Thơ
    assert (row.ended_at - row.started_at).total_seconds() == 4.5 * 3600
    assert (row.geom_type, row.same) == ("MULTIPOLYGON", True)


def test_population_cells_replace_the_sources_grid_and_coverage_follows(
    demo_db: Engine, tmp_path: Path
) -> None:
    cells = [
        {"DAN_SO": 1200, "geometry": box(105.775, 10.030, 105.780, 10.035)},
        {"DAN_SO": 800, "geometry": box(105.780, 10.030, 105.785, 10.035)},
    ]
    path = tmp_path / "dan_so.shp"
    frame(cells, crs="EPSG:3405").to_file(path)
    before = counts(demo_db)

    first = load("population", path, source="GSO grid")
    second = load("population", path, source="GSO grid")

    assert (first.added, first.removed) == (2, 0)
    assert (second.added, second.removed) == (2, 2)
    assert counts(demo_db)["population_cell"] == before["population_cell"] + 2
    total = rows_of(
        demo_db, "SELECT sum(population) FROM population_cell WHERE source = 'GSO grid'"
    )
    assert total[0][0] == 2000
    # The rollup counts the new residents: the city's population grew by the file's 2,000.
    (city,) = rows_of(
        demo_db,
        "SELECT c.population FROM coverage c JOIN admin_unit u ON u.id = c.admin_unit_id "
        "WHERE u.level = 'city' AND c.facility_kind = 'hospital'",
    )
    others = rows_of(
        demo_db,
        "SELECT coalesce(sum(population), 0) FROM population_cell WHERE source <> 'GSO grid'",
    )[0][0]
    assert city.population == pytest.approx(others + 2000)


# --- re-import and dry run -----------------------------------------------------------------------


def test_reimporting_the_same_file_updates_instead_of_duplicating(
    demo_db: Engine, tmp_path: Path
) -> None:
    path = geojson_file(tmp_path / "co_so.geojson", facilities_rows())
    load("facilities", path, fields=MAPPING)
    before = counts(demo_db)

    again = load("facilities", path, fields=MAPPING)
    assert counts(demo_db) == before
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)

    changed = facilities_rows()
    changed[0]["TEN_CS"] = "Bệnh viện A (mới)"
    changed[1]["geometry"] = Point(105.771, 10.026)
    summary = load("facilities", geojson_file(path, changed), fields=MAPPING)

    assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 1)
    assert counts(demo_db) == before
    stored = facilities(demo_db, "co_so.geojson")
    assert stored["BV01"].name == "Bệnh viện A (mới)"
    assert (stored["TH01"].lon, stored["TH01"].lat) == pytest.approx((105.771, 10.026))


def test_dry_run_reports_what_would_change_and_writes_nothing(
    demo_db: Engine, tmp_path: Path
) -> None:
    path = geojson_file(tmp_path / "co_so.geojson", facilities_rows())
    before = counts(demo_db)
    coverage_before = rows_of(demo_db, "SELECT * FROM coverage ORDER BY 1, 2")

    summary = load("facilities", path, fields=MAPPING, dry_run=True)

    assert summary.added == 3
    assert summary.describe().startswith("Dry run: 3 facility(s)")
    assert counts(demo_db) == before
    assert rows_of(demo_db, "SELECT * FROM coverage ORDER BY 1, 2") == coverage_before


def test_a_code_held_by_another_source_is_refused_and_a_prefix_keeps_them_apart(
    demo_db: Engine, tmp_path: Path
) -> None:
    load("facilities", geojson_file(tmp_path / "a.geojson", facilities_rows()), fields=MAPPING)
    other = geojson_file(tmp_path / "b.geojson", facilities_rows())

    message = rejected("facilities", other, fields=MAPPING)
    assert "feature 1 (code 'BV01'): code 'BV01' already belongs to source 'a.geojson'" in message

    load("facilities", other, fields=MAPPING, code_prefix="b-")
    assert set(facilities(demo_db, "b.geojson")) == {"b-BV01", "b-TH01", "b-NS01"}


# --- bad files -----------------------------------------------------------------------------------


def test_every_bad_feature_is_named_with_its_field_and_reason_and_nothing_is_written(
    demo_db: Engine, tmp_path: Path
) -> None:
    rows = facilities_rows()
    rows[0]["LOAI"] = "bakery"
    rows[1]["TEN_CS"] = "  "
    rows[2]["QUY_MO"] = -5
    rows.append({**rows[0], "ID": "TH01", "LOAI": "hospital"})  # a duplicate code
    rows.append({**rows[0], "ID": "X9", "LOAI": "hospital", "geometry": None})
    path = geojson_file(tmp_path / "bad.geojson", rows)
    before = counts(demo_db)

    message = rejected("facilities", path, fields=MAPPING)

    assert "feature 2 (code 'TH01'): field 'TEN_CS' (name) is empty" in message
    assert "feature 3 (code 'NS01'): field 'QUY_MO' (capacity) is negative: -5" in message
    assert "features 2 and 4 (code 'TH01'): duplicate code" in message
    assert "feature 5 (code 'X9'): has no geometry" in message
    assert counts(demo_db) == before

    # Once the feature-level problems are gone, the kind is checked against facility_kind.
    rows = facilities_rows()
    rows[0]["LOAI"] = "bakery"
    message = rejected("facilities", geojson_file(path, rows), fields=MAPPING)
    assert "feature 1 (code 'BV01'): kind 'bakery' is not a facility kind" in message
    assert counts(demo_db) == before


def test_vn2000_metres_declared_as_wgs84_are_refused_with_the_likely_cause(
    demo_db: Engine, tmp_path: Path
) -> None:
    metres = frame(facilities_rows(), crs="EPSG:3405").set_crs(4326, allow_override=True)
    path = tmp_path / "wrong_crs.gpkg"
    metres.to_file(path)

    message = rejected("facilities", path, fields=MAPPING)

    assert "3 of 3 feature(s) lie outside the Cần Thơ region" in message
    assert "look like projected metres" in message and "--crs" in message
    # Stating the real CRS loads it.
    load("facilities", path, fields=MAPPING, crs="EPSG:3405")
    assert len(facilities(demo_db, "wrong_crs.gpkg")) == 3


def test_csv_rows_with_bad_coordinates_or_wrong_geometry_are_named(
    demo_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "tram.csv"
    path.write_text(
        "code,name,kind,lon,lat\n"
        "s1,Trạm 1,river_gauge,105.78,10.04\n"
        "s2,Trạm 2,river_gauge,abc,10.04\n"
        "s3,Trạm 3,weather_vane,105.77,10.03\n"
        "s4,Trạm 4,river_gauge,,10.03\n",
        encoding="utf-8",
    )
    before = counts(demo_db)

    message = rejected("sensors", path)

    assert "row 2 (code 's2'): field 'lon'/'lat' (coordinates): is not a number: 'abc'" in message
    assert "row 3 (code 's3'): field 'kind' (kind) 'weather_vane' is not one of" in message
    assert "row 4 (code 's4'): field 'lon' (coordinate) is empty" in message
    assert counts(demo_db) == before


def test_sensor_alert_levels_out_of_order_and_unknown_quantities_are_refused(
    demo_db: Engine, tmp_path: Path
) -> None:
    rows = [
        {"code": "g1", "name": "G1", "kind": "river_gauge", "alert_1": 2.0, "alert_2": 1.8,
         "alert_3": 2.2, "quantities": None, "geometry": Point(105.78, 10.04)},
    ]  # fmt: skip
    message = rejected("sensors", geojson_file(tmp_path / "g.geojson", rows))
    assert "feature 1 (code 'g1'): alert level 1 (2) is above alert level 2 (1.8)" in message

    rows[0].update(alert_1=1.7, quantities="water_level,salinity")
    message = rejected("sensors", geojson_file(tmp_path / "g.geojson", rows))
    assert "feature 1 (code 'g1'): unknown quantity 'salinity'" in message
    assert counts(demo_db)["sensor"] == 0


def test_lines_polygons_and_points_must_be_what_the_table_holds(
    demo_db: Engine, tmp_path: Path
) -> None:
    zone = {"code": "Z1", "depth_m": 0.2, "started_at": "2026-10-15T18:00:00+07:00",
            "geometry": Point(105.77, 10.03)}  # fmt: skip
    message = rejected("flood-zones", geojson_file(tmp_path / "z.geojson", [zone]))
    assert "feature 1 (code 'Z1'): geometry is a Point, not a polygon" in message

    road = {"code": "R1", "road_class": "local",
            "geometry": MultiLineString([[(105.70, 10.05), (105.705, 10.05)],
                                         [(105.72, 10.05), (105.725, 10.052)]])}  # fmt: skip
    message = rejected("roads", geojson_file(tmp_path / "r.geojson", [road]))
    assert "feature 1 (code 'R1'): geometry is a MultiLineString" in message

    zone.update(geometry=box(105.76, 10.02, 105.77, 10.03), ended_at="2026-10-15T17:00:00+07:00")
    message = rejected("flood-zones", geojson_file(tmp_path / "z.geojson", [zone]))
    assert "field 'ended_at' (ended_at) 2026-10-15T17:00:00+07:00 is not after" in message


def test_missing_fields_are_reported_with_what_the_file_has(
    demo_db: Engine, tmp_path: Path
) -> None:
    rows = [{k: v for k, v in row.items() if k != "LOAI"} for row in facilities_rows()]
    path = geojson_file(tmp_path / "co_so.geojson", rows)

    message = rejected("facilities", path, fields={"name": "TEN", "colour": "MAU"})

    assert "field 'TEN' (--field name=…) is not in the file" in message
    assert "--field colour=…: facilities have no attribute 'colour'" in message
    assert "no kind field found (tried kind, loai, type, loai_hinh)" in message
    assert "pass --field kind=COLUMN" in message


def test_the_command_line_reports_a_refusal_and_exits_2(
    demo_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("code,name,kind,lon,lat\n", encoding="utf-8")

    assert main(["load", "sensors", str(path), "--quiet"]) == 2
    assert "the file holds no rows" in capsys.readouterr().err
    assert main(["load", "sensors", str(path), "--field", "nonsense"]) == 2
