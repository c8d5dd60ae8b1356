"""The boundary importer: agency files → admin_unit, all or nothing, with errors that say where."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely import unary_union
from shapely.geometry import Polygon, box
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.errors import ImportRejected
from geodata.importing.load import BoundaryOptions, LoadSummary, load_boundaries
from geodata.importing.names import normalize_name
from tests.geofiles import geojson_file

# Cần Thơ's provincial VN-2000 3° TM zone (central meridian 105°45′, k = 0.9999) as a PROJ string
# with the published 7-parameter shift, and as the ESRI .prj an agency's software writes for it.
VN2000_TM_CANTHO = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,"
    "0.252906278 +units=m +no_defs"
)
VN2000_TM_CANTHO_PRJ = (
    'PROJCS["VN_2000_TM3_105_45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)

CITY = {"code": "92", "name": "Thành phố Cần Thơ", "geometry": box(105.60, 9.95, 105.85, 10.10)}
NINH_KIEU = {"code": "916", "name": "Quận Ninh Kiều", "geometry": box(105.74, 10.00, 105.80, 10.06)}
BINH_THUY = {"code": "918", "name": "Quận Bình Thủy", "geometry": box(105.68, 10.03, 105.74, 10.09)}
CAI_RANG = {"code": "919", "name": "Quận Cái Răng", "geometry": box(105.74, 9.96, 105.80, 10.00)}
DISTRICTS = [NINH_KIEU, BINH_THUY, CAI_RANG]
# Inside the city but in none of the districts above.
NOWHERE = box(105.62, 9.96, 105.64, 9.98)

GEOD = pyproj.Geod(ellps="WGS84")


# --- helpers -------------------------------------------------------------------------------------


def frame(rows: Sequence[dict[str, Any]], crs: Any = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([dict(r) for r in rows], geometry="geometry", crs=crs)


def load(path: Path, level: str, **options: Any) -> LoadSummary:
    return load_boundaries(BoundaryOptions(path=path, level=level, **options))


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """Every row of admin_unit, geometry included, to prove a refused import wrote nothing."""
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT id, code, name, name_norm, unit_type, level, parent_id, valid_from, "
                    "valid_to, population, area_km2, source, ST_AsBinary(geom), created_at "
                    "FROM admin_unit ORDER BY id"
                )
            )
        ]


def units(engine: Engine, level: str) -> dict[str, dict[str, Any]]:
    """The current units of a level by code, with the parent's code and the geometry."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.*, p.code AS parent_code, ST_AsBinary(u.geom) AS wkb, "
                "GeometryType(u.geom) AS geom_type, ST_SRID(u.geom) AS srid, "
                "ST_IsValid(u.geom) AS is_valid "
                "FROM admin_unit u LEFT JOIN admin_unit p ON p.id = u.parent_id "
                "WHERE u.level = :level AND u.valid_to IS NULL"
            ),
            {"level": level},
        ).mappings()
        return {row["code"]: dict(row) for row in rows}


def farthest_corner_m(stored_wkb: bytes, expected: Polygon) -> float:
    """How far (m) the worst corner of ``expected`` is from the nearest stored vertex."""
    stored = shapely.get_coordinates(shapely.from_wkb(stored_wkb))
    worst = 0.0
    for lon, lat in expected.exterior.coords:
        _, _, dists = GEOD.inv([lon] * len(stored), [lat] * len(stored), stored[:, 0], stored[:, 1])
        worst = max(worst, min(dists))
    return worst


def rejected(path: Path, level: str, **options: Any) -> str:
    """Load a file that must be refused; the message."""
    with pytest.raises(ImportRejected) as info:
        load(path, level, **options)
    message = str(info.value)
    assert str(path) in message
    assert "nothing was written" in message
    return message


@pytest.fixture
def districts_db(empty_db: Engine, tmp_path: Path) -> Engine:
    """The city and three districts, loaded through the importer itself."""
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city")
    load(geojson_file(tmp_path / "districts.geojson", DISTRICTS), "district")
    return empty_db


# --- good files ----------------------------------------------------------------------------------


def test_geojson_districts_are_stored_with_name_type_parent_area_and_source(
    empty_db: Engine, tmp_path: Path
) -> None:
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city")
    nfd_rows = [{**d, "name": unicodedata.normalize("NFD", d["name"])} for d in DISTRICTS]

    summary = load(geojson_file(tmp_path / "districts.geojson", nfd_rows), "district")

    assert (summary.added, summary.replaced, summary.ended, summary.repaired) == (3, 0, 0, 0)
    assert summary.parents_by_overlap == 3
    assert "added:    3" in summary.describe()
    stored = units(empty_db, "district")
    ninh_kieu = stored["916"]
    assert ninh_kieu["name"] == unicodedata.normalize("NFC", "Quận Ninh Kiều")
    assert ninh_kieu["name_norm"] == normalize_name("Ninh Kiều")
    assert ninh_kieu["unit_type"] == "Quận"
    assert ninh_kieu["parent_code"] == "92"
    assert ninh_kieu["valid_from"] == dt.date.today()
    assert ninh_kieu["valid_to"] is None
    assert ninh_kieu["source"] == "districts.geojson"
    assert (ninh_kieu["geom_type"], ninh_kieu["srid"]) == ("MULTIPOLYGON", 4326)
    geodesic_km2 = abs(GEOD.geometry_area_perimeter(NINH_KIEU["geometry"])[0]) / 1e6
    assert ninh_kieu["area_km2"] == pytest.approx(geodesic_km2, rel=2e-3)
    assert units(empty_db, "city")["92"]["parent_id"] is None


def test_shapefile_with_upper_case_vietnamese_fields_is_loaded(
    districts_db: Engine, tmp_path: Path
) -> None:
    rows = [
        {
            "MA": "31117",
            "TEN": "Phường Tân An",
            "DAN_SO": 21500,
            "LOAI": "Phường",
            "geometry": box(105.775, 10.025, 105.785, 10.035),
        },
        {
            "MA": "31120",
            "TEN": "An Bình",
            "DAN_SO": 30200,
            "LOAI": "Phường",
            "geometry": box(105.745, 10.005, 105.755, 10.015),
        },
    ]
    path = tmp_path / "wards.shp"
    frame(rows).to_file(path)

    summary = load(path, "ward", population_field="dan_so", type_field="LOAI", source="GSO 2024")

    assert summary.added == 2
    stored = units(districts_db, "ward")
    assert stored["31120"]["name"] == "An Bình"
    assert stored["31120"]["unit_type"] == "Phường"  # from the type field: the name has no prefix
    assert stored["31117"]["population"] == 21500
    assert stored["31117"]["source"] == "GSO 2024"
    assert stored["31117"]["parent_code"] == "916"


def test_geopackage_in_vn2000_utm_is_loaded_from_the_layer_named(
    districts_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "cantho.gpkg"
    ward = box(105.70, 10.05, 105.71, 10.06)
    frame([{"code": "31150", "name": "Phường Bùi Hữu Nghĩa", "geometry": ward}]).to_crs(
        "EPSG:3405"
    ).to_file(path, layer="phuong_xa")
    frame([{"code": "x", "name": "Sông Hậu", "geometry": box(105.8, 10.0, 105.81, 10.01)}]).to_file(
        path, layer="song"
    )
    before = snapshot(districts_db)

    message = rejected(path, "ward")
    assert "'phuong_xa', 'song'" in message and "--layer" in message
    assert snapshot(districts_db) == before

    summary = load(path, "ward", layer="phuong_xa")
    assert summary.added == 1
    stored = units(districts_db, "ward")["31150"]
    assert stored["parent_code"] == "918"
    assert farthest_corner_m(stored["wkb"], ward) < 1.0


def test_vn2000_provincial_tm_shapefile_lands_within_metres_of_its_true_place(
    districts_db: Engine, tmp_path: Path
) -> None:
    ward = box(105.765, 10.015, 105.775, 10.025)
    path = tmp_path / "phuong_tm.shp"
    # Coordinates made with the published 7-parameter shift; the .prj as agency software writes it.
    frame([{"ma": "31135", "ten": "Phường Xuân Khánh", "geometry": ward}]).to_crs(
        VN2000_TM_CANTHO
    ).to_file(path)
    path.with_suffix(".prj").write_text(VN2000_TM_CANTHO_PRJ)

    load(path, "ward")

    stored = units(districts_db, "ward")["31135"]
    assert farthest_corner_m(stored["wkb"], ward) < 5.0
    assert stored["parent_code"] == "916"


def test_geopackage_in_vn2000_geographic_is_shifted_to_wgs84(
    districts_db: Engine, tmp_path: Path
) -> None:
    ward = box(105.765, 10.015, 105.775, 10.025)
    path = tmp_path / "vn2000.gpkg"
    in_vn2000 = frame([{"code": "31135", "name": "Xuân Khánh", "geometry": ward}]).to_crs(4756)
    assert farthest_corner_m(in_vn2000.geometry[0].wkb, ward) > 100  # the datum shift is real
    in_vn2000.to_file(path)

    load(path, "ward")

    assert farthest_corner_m(units(districts_db, "ward")["31135"]["wkb"], ward) < 1.0


def test_file_without_crs_is_refused_unless_crs_is_passed(
    districts_db: Engine, tmp_path: Path
) -> None:
    ward = box(105.765, 10.015, 105.775, 10.025)
    path = tmp_path / "no_prj.shp"
    frame([{"ma": "31135", "ten": "Xuân Khánh", "geometry": ward}]).to_crs(
        VN2000_TM_CANTHO
    ).to_file(path)
    path.with_suffix(".prj").unlink()
    before = snapshot(districts_db)

    message = rejected(path, "ward")
    assert "declares no coordinate reference system" in message and "--crs" in message
    assert snapshot(districts_db) == before

    load(path, "ward", crs=VN2000_TM_CANTHO)
    assert farthest_corner_m(units(districts_db, "ward")["31135"]["wkb"], ward) < 1.0


def test_crs_option_overrides_a_geojson_that_wrongly_claims_wgs84(
    districts_db: Engine, tmp_path: Path
) -> None:
    ward = box(105.765, 10.015, 105.775, 10.025)
    in_metres = gpd.GeoSeries([ward], crs=4326).to_crs("EPSG:3405")[0]
    rows = [{"ma": "31135", "ten": "Xuân Khánh", "geometry": in_metres}]
    path = geojson_file(tmp_path / "metres.geojson", rows)

    load(path, "ward", crs="EPSG:3405")

    assert farthest_corner_m(units(districts_db, "ward")["31135"]["wkb"], ward) < 1.0


# --- parents -------------------------------------------------------------------------------------


def test_ward_parent_is_found_by_code_before_geometry(districts_db: Engine, tmp_path: Path) -> None:
    # The ward lies in Ninh Kiều, but the file says its parent is 919: the official code wins.
    rows = [
        {
            "code": "31120",
            "name": "An Bình",
            "ma_quan": 919,
            "geometry": box(105.745, 10.005, 105.755, 10.015),
        }
    ]

    summary = load(geojson_file(tmp_path / "w.geojson", rows), "ward", parent_field="ma_quan")

    assert summary.parents_by_code == 1
    assert units(districts_db, "ward")["31120"]["parent_code"] == "919"


def test_ward_parent_is_found_by_name_spelled_differently(
    districts_db: Engine, tmp_path: Path
) -> None:
    # Old tone placement ("Thuỷ"), NFD, lower-case prefix: still Quận Bình Thủy (918), even
    # though the ward lies in Ninh Kiều: a name match comes before the overlap.
    spelled = unicodedata.normalize("NFD", "quận Bình Thuỷ")
    assert spelled != BINH_THUY["name"]
    rows = [
        {
            "code": "31144",
            "name": "Phường Long Hòa",
            "quan": spelled,
            "geometry": box(105.745, 10.005, 105.755, 10.015),
        }
    ]

    summary = load(geojson_file(tmp_path / "w.geojson", rows), "ward", parent_field="quan")

    assert summary.parents_by_name == 1
    assert units(districts_db, "ward")["31144"]["parent_code"] == "918"


def test_ward_parent_is_the_district_it_overlaps_most(districts_db: Engine, tmp_path: Path) -> None:
    # Three quarters in Ninh Kiều (lat 10.00–10.03), one quarter in Cái Răng (9.99–10.00).
    rows = [
        {"code": "31153", "name": "Phường Hưng Lợi", "geometry": box(105.76, 9.99, 105.77, 10.03)}
    ]

    summary = load(geojson_file(tmp_path / "w.geojson", rows), "ward")

    assert summary.parents_by_overlap == 1
    assert units(districts_db, "ward")["31153"]["parent_code"] == "916"


# --- bad files: refused, named, and nothing written ----------------------------------------------


def test_broken_json_is_refused_with_the_readers_reason_and_nothing_is_written(
    districts_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ')
    before = snapshot(districts_db)

    message = rejected(path, "ward")

    assert "broken JSON at line 1, column 64" in message
    assert snapshot(districts_db) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "the file is empty (0 bytes)"),
        ('{"type": "FeatureCollection", "features": []}', "holds no features"),
    ],
    ids=["zero-bytes", "zero-features"],
)
def test_empty_file_is_refused_and_nothing_is_written(
    districts_db: Engine, tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text(content)
    before = snapshot(districts_db)

    assert reason in rejected(path, "ward")
    assert snapshot(districts_db) == before


def test_metres_declared_as_wgs84_are_refused_and_nothing_is_written(
    districts_db: Engine, tmp_path: Path
) -> None:
    in_metres = gpd.GeoSeries([NINH_KIEU["geometry"]], crs=4326).to_crs("EPSG:3405")[0]
    path = geojson_file(tmp_path / "districts_utm.geojson", [{**NINH_KIEU, "geometry": in_metres}])
    before = snapshot(districts_db)

    message = rejected(path, "district")

    assert "feature 1 (code '916')" in message
    assert "lies outside the region" in message
    assert "coordinates look like projected metres" in message
    assert "EPSG:3405" in message and "declares EPSG:4326" in message and "--crs" in message
    assert snapshot(districts_db) == before


def test_self_intersecting_polygon_is_refused_under_strict(
    districts_db: Engine, tmp_path: Path
) -> None:
    bow_tie = Polygon([(105.75, 10.0), (105.79, 10.04), (105.79, 10.0), (105.75, 10.04)])
    path = geojson_file(tmp_path / "bowtie.geojson", [CAI_RANG, {**NINH_KIEU, "geometry": bow_tie}])
    before = snapshot(districts_db)

    message = rejected(path, "district", strict=True)

    assert "feature 2 (code '916'): invalid geometry: Self-intersection" in message
    assert "feature 1" not in message
    assert snapshot(districts_db) == before


def test_self_intersecting_polygon_is_repaired_and_reported_without_strict(
    districts_db: Engine, tmp_path: Path
) -> None:
    bow_tie = Polygon([(105.75, 10.0), (105.79, 10.04), (105.79, 10.0), (105.75, 10.04)])
    path = geojson_file(tmp_path / "bowtie.geojson", [CAI_RANG, {**NINH_KIEU, "geometry": bow_tie}])

    summary = load(path, "district")

    assert summary.repaired == 1
    assert "feature 2 (code '916')" in summary.repairs[0]
    assert "Self-intersection" in summary.repairs[0]
    assert "Self-intersection" in summary.describe()
    stored = units(districts_db, "district")["916"]
    assert stored["is_valid"] and stored["geom_type"] == "MULTIPOLYGON"
    assert len(shapely.from_wkb(stored["wkb"]).geoms) == 2  # the two triangles of the bow tie


def test_duplicate_codes_are_refused_naming_both_features(
    districts_db: Engine, tmp_path: Path
) -> None:
    path = geojson_file(
        tmp_path / "dup.geojson", [NINH_KIEU, CAI_RANG, {**BINH_THUY, "code": "916"}]
    )
    before = snapshot(districts_db)

    message = rejected(path, "district")

    assert "features 1 and 3 (code '916'): duplicate code" in message
    assert snapshot(districts_db) == before


def test_ward_in_no_district_is_refused_naming_it(districts_db: Engine, tmp_path: Path) -> None:
    rows = [
        {
            "code": "31117",
            "name": "Phường Tân An",
            "geometry": box(105.775, 10.025, 105.785, 10.035),
        },
        {"code": "31999", "name": "Xã Lạc Lối", "geometry": NOWHERE},
    ]
    path = geojson_file(tmp_path / "wards.geojson", rows)
    before = snapshot(districts_db)

    message = rejected(path, "ward")

    assert "feature 2 (code '31999'): no parent: it overlaps no district" in message
    assert "feature 1" not in message
    assert snapshot(districts_db) == before


def test_every_problem_in_a_file_is_reported_at_once(districts_db: Engine, tmp_path: Path) -> None:
    rows = [
        {"code": "31117", "name": "", "geometry": box(105.775, 10.025, 105.785, 10.035)},
        {"code": "", "name": "Phường An Cư", "geometry": box(105.78, 10.03, 105.79, 10.04)},
        {"code": "31120", "name": "An Bình", "geometry": None},
        {"code": "31999", "name": "Xã Lạc Lối", "geometry": NOWHERE},
        {"code": "31120", "name": "An Bình", "geometry": box(105.745, 10.005, 105.755, 10.015)},
    ]
    path = geojson_file(tmp_path / "wards.geojson", rows)
    before = snapshot(districts_db)

    message = rejected(path, "ward")

    assert "feature 1 (code '31117'): field 'name' (name) is empty" in message
    assert "feature 2: field 'code' (code) is empty" in message
    assert "feature 3 (code '31120'): has no geometry" in message
    assert "feature 4 (code '31999'): no parent" in message
    assert "features 3 and 5 (code '31120'): duplicate code" in message
    assert snapshot(districts_db) == before


def test_missing_code_field_lists_the_fields_that_exist(
    districts_db: Engine, tmp_path: Path
) -> None:
    rows = [{"maso": "916", "ten": "Ninh Kiều", "geometry": NINH_KIEU["geometry"]}]
    path = geojson_file(tmp_path / "odd.geojson", rows)

    message = rejected(path, "district")

    assert "no code field found" in message and "fields: maso, ten" in message
    assert "--code-field" in message


# --- validity periods ----------------------------------------------------------------------------


def test_reimport_with_valid_from_ends_old_units_instead_of_deleting_them(
    empty_db: Engine, tmp_path: Path
) -> None:
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city", valid_from="2004-01-01")
    old_file = geojson_file(tmp_path / "d2020.geojson", DISTRICTS)
    load(old_file, "district", valid_from="2020-01-01")
    ward = {"code": "31117", "name": "Tân An", "geometry": box(105.775, 10.025, 105.785, 10.035)}
    load(geojson_file(tmp_path / "w.geojson", [ward]), "ward", valid_from="2020-01-01")
    old_ids = {code: row["id"] for code, row in units(empty_db, "district").items()}

    merged = {**NINH_KIEU, "geometry": NINH_KIEU["geometry"].union(CAI_RANG["geometry"])}
    new_file = geojson_file(tmp_path / "d2025.geojson", [merged, BINH_THUY])
    summary = load(new_file, "district", valid_from="2025-07-01")

    assert (summary.ended, summary.added, summary.replaced) == (3, 2, 0)
    with empty_db.connect() as conn:
        history = conn.execute(
            text("SELECT id, code, valid_from, valid_to FROM admin_unit WHERE level = 'district'")
        ).all()
    ended = {(r.code, r.valid_from, r.valid_to) for r in history if r.id in old_ids.values()}
    assert ended == {(c, dt.date(2020, 1, 1), dt.date(2025, 7, 1)) for c in ("916", "918", "919")}
    assert set(units(empty_db, "district")) == {"916", "918"}
    assert units(empty_db, "district")["916"]["valid_from"] == dt.date(2025, 7, 1)
    # The ward still points at the Ninh Kiều of its time.
    assert units(empty_db, "ward")["31117"]["parent_id"] == old_ids["916"]

    again = load(new_file, "district", valid_from="2025-07-01")
    assert (again.ended, again.added, again.replaced) == (0, 0, 2)


def test_reimport_without_valid_from_replaces_units_in_place(
    districts_db: Engine, tmp_path: Path
) -> None:
    ward = {"code": "31117", "name": "Tân An", "geometry": box(105.775, 10.025, 105.785, 10.035)}
    load(geojson_file(tmp_path / "w.geojson", [ward]), "ward")
    before = units(districts_db, "district")
    fixed = [{**d, "name": d["name"].replace("Quận ", "")} for d in DISTRICTS]
    fixed[0]["geometry"] = box(105.74, 10.00, 105.81, 10.06)

    summary = load(geojson_file(tmp_path / "fixed.geojson", fixed), "district")

    assert (summary.replaced, summary.added, summary.ended) == (3, 0, 0)
    after = units(districts_db, "district")
    assert {c: r["id"] for c, r in after.items()} == {c: r["id"] for c, r in before.items()}
    assert after["916"]["name"] == "Ninh Kiều"
    assert after["916"]["area_km2"] > before["916"]["area_km2"]
    assert units(districts_db, "ward")["31117"]["parent_id"] == after["916"]["id"]
    assert len(snapshot(districts_db)) == 5  # city, three districts, one ward


def test_valid_from_before_a_later_version_is_refused(empty_db: Engine, tmp_path: Path) -> None:
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city", valid_from="2004-01-01")
    path = geojson_file(tmp_path / "d.geojson", DISTRICTS)
    load(path, "district", valid_from="2025-07-01")
    before = snapshot(empty_db)

    message = rejected(path, "district", valid_from="2020-01-01")

    assert "feature 1 (code '916'): a version from 2025-07-01 exists" in message
    assert snapshot(empty_db) == before


def test_a_version_that_would_end_a_later_one_before_it_began_is_refused(
    empty_db: Engine, tmp_path: Path
) -> None:
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city", valid_from="2004-01-01")
    load(geojson_file(tmp_path / "d.geojson", DISTRICTS), "district", valid_from="2020-01-01")
    whole = {**NINH_KIEU, "geometry": unary_union([d["geometry"] for d in DISTRICTS])}
    load(geojson_file(tmp_path / "nk.geojson", [whole]), "district", valid_from="2025-07-01")
    before = snapshot(empty_db)
    # Bình Thủy was valid 2020-01-01 – 2025-07-01: an edition from 2022 would have to end the
    # Ninh Kiều of 2025 three years before it began.
    path = geojson_file(tmp_path / "bt.geojson", [BINH_THUY])

    message = rejected(path, "district", valid_from="2022-01-01")

    assert "--valid-from 2022-01-01 is before district 916 'Quận Ninh Kiều' began" in message
    assert snapshot(empty_db) == before


# --- command line --------------------------------------------------------------------------------


def test_cli_load_boundaries_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["load", "boundaries", "--help"])
    assert info.value.code == 0
    assert "--valid-from" in capsys.readouterr().out


def test_cli_reports_a_refused_file_and_exits_with_status_2(
    districts_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{")

    status = main(["load", "boundaries", str(path), "--level", "ward", "--quiet"])

    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err and "broken JSON" in err


def test_cli_loads_a_file_and_prints_the_summary(
    districts_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ward = {"code": "31117", "name": "Tân An", "geometry": box(105.775, 10.025, 105.785, 10.035)}
    path = geojson_file(tmp_path / "w.geojson", [ward])

    assert main(["load", "boundaries", str(path), "--level", "ward", "--quiet"]) == 0
    assert "added:    1" in capsys.readouterr().out
