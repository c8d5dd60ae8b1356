"""The demo city (``python -m geodata sample``): what it stores in PostGIS, checked in PostGIS."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.demo.sample import (
    CITY_CODE,
    DISTRICTS,
    TOTAL_POPULATION,
    build_sample_city,
    write_sample,
)
from geodata.errors import GeodataError

DISTRICT_CODES = [d.code for d in DISTRICTS]


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.scalar(text(sql), params)


def _ids_by_code(engine: Engine) -> dict[tuple[str, str], int]:
    rows = _rows(engine, "SELECT level, code, id FROM admin_unit")
    return {(r.level, r.code): r.id for r in rows}


# --- the hierarchy -------------------------------------------------------------------------------


def test_the_nine_districts_have_their_real_codes_names_and_types(demo_db) -> None:
    rows = _rows(
        demo_db,
        "SELECT code, name, unit_type FROM admin_unit WHERE level = 'district' ORDER BY code",
    )
    assert [tuple(r) for r in rows] == [(d.code, d.name, d.unit_type) for d in DISTRICTS]
    assert rows[0] == ("916", "Ninh Kiều", "Quận")
    assert rows[-1] == ("927", "Thới Lai", "Huyện")


def test_one_city_unit_code_92_stands_above_every_district(demo_db) -> None:
    cities = _rows(
        demo_db, "SELECT id, code, name, unit_type, parent_id FROM admin_unit WHERE level = 'city'"
    )
    assert [(c.code, c.name, c.unit_type, c.parent_id) for c in cities] == [
        (CITY_CODE, "Cần Thơ", "Thành phố", None)
    ]
    parents = _rows(demo_db, "SELECT DISTINCT parent_id FROM admin_unit WHERE level = 'district'")
    assert [p.parent_id for p in parents] == [cities[0].id]


def test_every_district_has_six_to_twelve_wards_about_eighty_in_all(demo_db) -> None:
    rows = _rows(
        demo_db,
        """
        SELECT d.code, count(w.id) AS n FROM admin_unit d
        LEFT JOIN admin_unit w ON w.parent_id = d.id AND w.level = 'ward'
        WHERE d.level = 'district' GROUP BY d.code ORDER BY d.code
        """,
    )
    per_district = {r.code: r.n for r in rows}
    assert sorted(per_district) == DISTRICT_CODES
    assert all(6 <= n <= 12 for n in per_district.values()), per_district
    assert 75 <= sum(per_district.values()) <= 90
    assert _scalar(demo_db, "SELECT count(*) FROM admin_unit WHERE level = 'ward'") == sum(
        per_district.values()
    )


def test_wards_carry_their_districts_code_prefix_names_and_types(demo_db) -> None:
    rows = _rows(
        demo_db,
        """
        SELECT w.code, w.name, w.unit_type, d.code AS district FROM admin_unit w
        JOIN admin_unit d ON d.id = w.parent_id WHERE w.level = 'ward' ORDER BY w.code
        """,
    )
    expected = []
    for d in DISTRICTS:
        for i, name in enumerate(d.wards):
            # An urban district has Phường; a rural one its town (Thị trấn) first, then Xã.
            rural_type = "Thị trấn" if i == 0 else "Xã"
            ward_type = "Phường" if d.unit_type == "Quận" else rural_type
            expected.append((f"{d.code}{i + 1:02d}", name, ward_type, d.code))
    assert [tuple(r) for r in rows] == expected


# --- exact nesting -------------------------------------------------------------------------------


def test_every_ward_lies_inside_its_district_and_every_district_inside_the_city(demo_db) -> None:
    outside = _rows(
        demo_db,
        """
        SELECT c.code FROM admin_unit c JOIN admin_unit p ON p.id = c.parent_id
        WHERE NOT ST_Covers(p.geom, c.geom)
        """,
    )
    assert outside == []


def test_a_districts_wards_together_are_exactly_the_district(demo_db) -> None:
    rows = _rows(
        demo_db,
        """
        SELECT p.code, ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))::geography) AS m2
        FROM admin_unit p JOIN admin_unit c ON c.parent_id = p.id
        WHERE p.level = 'district' GROUP BY p.id, p.code, p.geom
        """,
    )
    assert len(rows) == 9
    assert {r.code: r.m2 for r in rows if r.m2 >= 1.0} == {}


def test_the_districts_together_are_exactly_the_city(demo_db) -> None:
    m2 = _scalar(
        demo_db,
        """
        SELECT ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))::geography)
        FROM admin_unit p JOIN admin_unit c ON c.parent_id = p.id
        WHERE p.level = 'city' GROUP BY p.id, p.geom
        """,
    )
    assert m2 < 1.0


def test_no_two_units_of_one_level_overlap(demo_db) -> None:
    overlapping = _rows(
        demo_db,
        """
        SELECT a.level, a.code, b.code AS other,
               ST_Area(ST_Intersection(a.geom, b.geom)::geography) AS m2
        FROM admin_unit a JOIN admin_unit b
          ON a.level = b.level AND a.id < b.id AND a.geom && b.geom
        WHERE ST_Overlaps(a.geom, b.geom)
          AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) >= 1.0
        """,
    )
    assert overlapping == []


def test_every_geometry_is_a_valid_multipolygon_in_wgs84(demo_db) -> None:
    bad = _rows(
        demo_db,
        """
        SELECT code, ST_IsValidReason(geom) AS why, GeometryType(geom) AS kind,
               ST_SRID(geom) AS srid
        FROM admin_unit
        WHERE NOT ST_IsValid(geom) OR GeometryType(geom) <> 'MULTIPOLYGON' OR ST_SRID(geom) <> 4326
        """,
    )
    assert bad == []
    assert _scalar(demo_db, "SELECT count(*) FROM admin_unit") == 1 + 9 + _scalar(
        demo_db, "SELECT count(*) FROM admin_unit WHERE level = 'ward'"
    )


# --- numbers -------------------------------------------------------------------------------------


def test_population_adds_up_to_one_and_a_quarter_million_at_every_level(demo_db) -> None:
    rows = _rows(demo_db, "SELECT level, sum(population) AS total FROM admin_unit GROUP BY level")
    totals = {r.level: r.total for r in rows}
    assert set(totals) == {"city", "district", "ward"}
    for level, total in totals.items():
        assert total == pytest.approx(TOTAL_POPULATION, rel=0.01), level


def test_every_ward_has_residents_and_its_districts_total_is_the_sum_of_its_wards(
    demo_db,
) -> None:
    assert _rows(demo_db, "SELECT code FROM admin_unit WHERE NOT population > 0") == []
    mismatched = _rows(
        demo_db,
        """
        SELECT p.code, p.population, sum(c.population) AS of_children
        FROM admin_unit p JOIN admin_unit c ON c.parent_id = p.id
        GROUP BY p.id HAVING p.population <> sum(c.population)
        """,
    )
    assert mismatched == []


def test_district_areas_are_within_forty_percent_of_the_real_ones(demo_db) -> None:
    rows = _rows(
        demo_db,
        """
        SELECT code, ST_Area(geom::geography) / 1e6 AS km2, area_km2 FROM admin_unit
        WHERE level = 'district'
        """,
    )
    real = {d.code: d.area_km2 for d in DISTRICTS}
    off = {
        r.code: (round(r.km2), real[r.code]) for r in rows if abs(r.km2 / real[r.code] - 1) > 0.4
    }
    assert off == {}
    # The stored area (computed in the metric CRS) agrees with the geodesic one.
    for r in rows:
        assert r.area_km2 == pytest.approx(r.km2, rel=0.01), r.code


def test_district_centroids_are_within_ten_km_of_the_real_ones(demo_db) -> None:
    distances = {}
    for d in DISTRICTS:
        distances[d.code] = _scalar(
            demo_db,
            """
            SELECT ST_Distance(ST_Centroid(geom)::geography,
                               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
            FROM admin_unit WHERE level = 'district' AND code = :code
            """,
            lon=d.lon,
            lat=d.lat,
            code=d.code,
        )
    assert {code: round(m) for code, m in distances.items() if m > 10_000} == {}


# --- determinism ---------------------------------------------------------------------------------


def test_the_same_seed_builds_the_same_city_byte_for_byte() -> None:
    first, second = build_sample_city(2004), build_sample_city(2004)
    assert [u.code for u in first.units] == [u.code for u in second.units]
    assert [u.population for u in first.units] == [u.population for u in second.units]
    assert [shapely.to_wkb(u.geom) for u in first.units] == [
        shapely.to_wkb(u.geom) for u in second.units
    ]
    assert [shapely.to_wkb(g) for _, g in first.rivers] == [
        shapely.to_wkb(g) for _, g in second.rivers
    ]


def test_another_seed_draws_other_shapes() -> None:
    default, other = build_sample_city(2004), build_sample_city(7)
    assert [u.code for u in default.units] == [u.code for u in other.units]
    wards = [(a, b) for a, b in zip(default.units, other.units, strict=True) if a.level == "ward"]
    assert any(shapely.to_wkb(a.geom) != shapely.to_wkb(b.geom) for a, b in wards)


# --- writing -------------------------------------------------------------------------------------


def test_if_empty_leaves_a_database_that_already_has_units_alone(demo_db) -> None:
    before = _ids_by_code(demo_db)
    assert write_sample(if_empty=True) == 0
    assert _ids_by_code(demo_db) == before


def test_if_empty_does_not_add_demo_data_next_to_an_agencys_units(empty_db) -> None:
    with empty_db.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO admin_unit (code, name, name_norm, unit_type, level, valid_from,
                                        area_km2, source, geom)
                VALUES ('92', 'Cần Thơ', 'can tho', 'Thành phố', 'city', '2004-01-01', 1,
                        'gso', ST_Multi(ST_MakeEnvelope(105.6, 9.9, 105.8, 10.1, 4326)))
                """
            )
        )
    assert write_sample(if_empty=True) == 0
    assert _rows(empty_db, "SELECT code, source FROM admin_unit") == [("92", "gso")]
    assert _scalar(empty_db, "SELECT count(*) FROM map_feature") == 0


def test_if_empty_writes_the_demo_city_into_an_empty_database(empty_db) -> None:
    assert write_sample(if_empty=True) == 0
    assert _scalar(empty_db, "SELECT count(*) FROM admin_unit WHERE level = 'district'") == 9


def test_writing_the_sample_twice_leaves_exactly_one_demo_data_set(demo_db) -> None:
    def counts() -> list[Any]:
        return _rows(
            demo_db,
            """
            SELECT 'admin_unit' AS tbl, level AS kind, count(*) FROM admin_unit GROUP BY level
            UNION ALL
            SELECT 'map_feature', name, count(*) FROM map_feature GROUP BY name
            ORDER BY 1, 2
            """,
        )

    once = counts()
    write_sample()
    assert counts() == once
    assert _scalar(demo_db, "SELECT count(DISTINCT (level, code)) FROM admin_unit") == _scalar(
        demo_db, "SELECT count(*) FROM admin_unit"
    )


def test_everything_written_is_labelled_as_demo_data(demo_db) -> None:
    assert _rows(demo_db, "SELECT DISTINCT source FROM admin_unit") == [("demo",)]
    assert _rows(demo_db, "SELECT DISTINCT source FROM map_feature") == [("demo",)]


# --- context features ----------------------------------------------------------------------------


def test_the_hau_river_runs_along_the_city_edge_without_covering_it(demo_db) -> None:
    row = _rows(
        demo_db,
        """
        SELECT ST_Distance(f.geom::geography, c.geom::geography) AS gap_m,
               ST_Area(ST_Intersection(f.geom, c.geom)::geography) AS overlap_m2,
               ST_Area(f.geom::geography) / 1e6 AS river_km2,
               ST_Length(ST_Intersection(ST_Boundary(c.geom),
                                         ST_Buffer(f.geom::geography, 50)::geometry)::geography)
                 / 1e3 AS shared_edge_km
        FROM map_feature f, admin_unit c
        WHERE f.kind = 'river' AND f.name = 'Sông Hậu' AND c.level = 'city'
        """,
    )
    assert len(row) == 1
    river = row[0]
    assert river.gap_m == 0  # it touches the city …
    assert river.shared_edge_km > 40  # … along its north-eastern edge, Thốt Nốt to Cái Răng …
    assert river.overlap_m2 < 1  # … and covers none of it (cut on the stored coordinates)
    assert river.river_km2 > 50


# --- command line --------------------------------------------------------------------------------


def test_the_sample_command_explains_itself(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sample", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--seed" in out and "--if-empty" in out


def test_demo_data_with_imported_units_under_it_is_not_replaced_and_nothing_changes(
    demo_db,
) -> None:
    with demo_db.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO admin_unit (code, name, name_norm, level, parent_id, valid_from,
                                        area_km2, source, geom)
                SELECT '31117', 'Cái Khế', 'cai1 khê1', 'ward', parent_id, valid_from, area_km2,
                       'agency.gpkg', geom
                FROM admin_unit WHERE code = '91601'
                """
            )
        )
    snapshot = "SELECT id, code, source, valid_to, ST_AsBinary(geom) FROM admin_unit ORDER BY id"
    before = _rows(demo_db, snapshot)
    with pytest.raises(GeodataError, match=r"1 imported unit\(s\) \(source agency.gpkg\)"):
        write_sample()
    assert _rows(demo_db, snapshot) == before
