"""Service coverage (geodata.monitoring.coverage) and the demo services
(geodata.demo.sample_services), in PostGIS.

The hand-made town: a 3 × 3 grid of 0.01° cells (about 1.1 km) at lon 105.74-105.77,
lat 10.02-10.05, cell (i, j) being column i from the west and row j from the south. One health
station (service distance 2,000 m) stands at the centre of cell (0, 0): the centres of (1, 0),
(0, 1) and (1, 1) are 1.1-1.6 km from it, every other centre more than 2.19 km. The west ward is
column 0, the east ward columns 1-2, and an empty ward lies east of the grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, Engine, text

from geodata.demo.sample_services import write_service_sample
from geodata.errors import GeodataError
from geodata.monitoring.coverage import compute_coverage, coverage_by_unit, underserved_geojson

ON_DATE = dt.date(2025, 1, 1)
POPULATION = {
    (0, 0): 100, (1, 0): 200, (2, 0): 300,
    (0, 1): 400, (1, 1): 500, (2, 1): 600,
    (0, 2): 700, (1, 2): 800, (2, 2): 900,
}  # fmt: skip
CELL_DEG = 0.01
WEST, SOUTH = 105.74, 10.02  # south-west corner of the grid
# (name, code, first column, column after the last): the empty ward lies east of the grid.
WARDS = (("west", "99901", 0, 1), ("east", "99902", 1, 3), ("empty", "99903", 3, 4))


def _cell(i: int, j: int) -> tuple[float, float, float, float]:
    x, y = WEST + i * CELL_DEG, SOUTH + j * CELL_DEG
    return (round(x, 6), round(y, 6), round(x + CELL_DEG, 6), round(y + CELL_DEG, 6))


def _centre(i: int, j: int) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = _cell(i, j)
    return ((xmin + xmax) / 2, (ymin + ymax) / 2)


@pytest.fixture
def conn(empty_db: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back at the end: nothing a test writes outlives it."""
    with empty_db.begin() as c:
        c.execute(text("TRUNCATE population_cell"))  # no FK to admin_unit: not cascaded
    with empty_db.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _unit(
    conn: Connection,
    code: str,
    level: str,
    parent: int | None,
    box: tuple[float, float, float, float],
    valid_to: dt.date | None = None,
) -> int:
    return conn.execute(
        text(
            """
            INSERT INTO admin_unit (code, name, name_norm, level, parent_id, valid_from,
                                    valid_to, area_km2, source, geom)
            VALUES (:code, :name, lower(:name), :level, :parent, DATE '2004-01-01', :valid_to,
                    1, 'test', ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)))
            RETURNING id
            """
        ),
        {
            "code": code,
            "name": f"Đơn vị {code}",
            "level": level,
            "parent": parent,
            "valid_to": valid_to,
            "x0": box[0],
            "y0": box[1],
            "x1": box[2],
            "y1": box[3],
        },
    ).scalar_one()


def _station(conn: Connection, code: str, at: tuple[float, float], unit_id: int) -> None:
    conn.execute(
        text(
            "INSERT INTO facility (code, source, geom, admin_unit_id, kind, name) "
            "VALUES (:code, 'test', ST_Point(:x, :y, 4326), :unit, 'health_station', :code)"
        ),
        {"code": code, "x": at[0], "y": at[1], "unit": unit_id},
    )


@pytest.fixture
def town(conn: Connection) -> dict[str, int]:
    """The hand-made town (see the module docstring); unit ids by name."""
    box = (WEST, SOUTH, WEST + 4 * CELL_DEG, SOUTH + 3 * CELL_DEG)
    ids = {"city": _unit(conn, "99", "city", None, box)}
    ids["district"] = _unit(conn, "999", "district", ids["city"], box)
    for name, code, col0, col1 in WARDS:
        ward_box = (WEST + col0 * CELL_DEG, SOUTH, WEST + col1 * CELL_DEG, SOUTH + 3 * CELL_DEG)
        ids[name] = _unit(conn, code, "ward", ids["district"], ward_box)
    # A ward that no longer exists at ON_DATE: it gets no rollup.
    ids["expired"] = _unit(
        conn, "99904", "ward", ids["district"], box, valid_to=dt.date(2020, 1, 1)
    )
    for (i, j), population in POPULATION.items():
        conn.execute(
            text(
                "INSERT INTO population_cell (source, geom, population) "
                "VALUES ('test', ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), :p)"
            ),
            dict(zip(("x0", "y0", "x1", "y1"), _cell(i, j), strict=True), p=population),
        )
    _station(conn, "hs-west", _centre(0, 0), ids["west"])
    return ids


# --- compute_coverage / coverage_by_unit ---------------------------------------------------------


def test_coverage_of_the_hand_made_town_is_what_was_worked_out_by_hand(
    conn: Connection, town: dict[str, int]
) -> None:
    kinds = conn.scalar(text("SELECT count(*) FROM facility_kind"))
    assert compute_coverage(conn, ON_DATE) == 5 * kinds  # city, district, 3 valid wards

    got = coverage_by_unit(conn, list(town.values()))
    # Served: (0,0) 100 + (0,1) 400 in the west; (1,0) 200 + (1,1) 500 in the east.
    assert got[town["west"]]["health_station"] == (1200, 500, 500 / 1200)
    assert got[town["east"]]["health_station"] == (3300, 700, 700 / 3300)
    assert got[town["district"]]["health_station"] == (4500, 1200, 1200 / 4500)
    assert got[town["city"]]["health_station"] == (4500, 1200, 1200 / 4500)
    assert town["expired"] not in got


def test_a_kind_without_any_facility_covers_nobody(conn: Connection, town: dict[str, int]) -> None:
    compute_coverage(conn, ON_DATE)
    got = coverage_by_unit(conn, [town["west"], town["city"]])
    assert got[town["west"]]["primary_school"] == (1200, 0, 0.0)
    assert got[town["city"]]["hospital"] == (4500, 0, 0.0)


def test_a_unit_without_population_cells_has_population_zero_and_no_share(
    conn: Connection, town: dict[str, int]
) -> None:
    compute_coverage(conn, ON_DATE)
    got = coverage_by_unit(conn, [town["empty"]])
    assert set(got[town["empty"]].values()) == {(0, 0, None)}


def test_a_facility_across_the_ward_border_still_serves_the_ward(
    conn: Connection, town: dict[str, int]
) -> None:
    compute_coverage(conn, ON_DATE)
    east = coverage_by_unit(conn, [town["east"]])[town["east"]]["health_station"]
    assert east[1] == 200 + 500  # the east ward has no station of its own


def test_recomputing_after_a_facility_moves_replaces_the_rollup(
    conn: Connection, town: dict[str, int]
) -> None:
    compute_coverage(conn, ON_DATE)
    x, y = _centre(2, 2)
    conn.execute(
        text("UPDATE facility SET geom = ST_Point(:x, :y, 4326) WHERE code = 'hs-west'"),
        {"x": x, "y": y},
    )
    compute_coverage(conn, ON_DATE)
    got = coverage_by_unit(conn, [town["west"], town["east"]])
    assert got[town["west"]]["health_station"] == (1200, 0, 0.0)
    assert got[town["east"]]["health_station"] == (3300, 2800, 2800 / 3300)  # (1..2, 1..2)


# --- underserved_geojson -------------------------------------------------------------------------


def _features(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert collection["type"] == "FeatureCollection"
    return {f["properties"]["code"]: f for f in collection["features"]}


@pytest.fixture
def rolled_up(conn: Connection, town: dict[str, int]) -> dict[str, int]:
    """The hand-made town with its coverage and underserved-areas rollups computed."""
    compute_coverage(conn, ON_DATE)
    return town


def test_underserved_areas_are_exactly_the_unserved_cells_dissolved_per_ward(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    got = _features(underserved_geojson(conn, "health_station", None, 0.0, 100, ON_DATE))
    assert set(got) == {"99901", "99902"}  # wards only; the empty ward has nothing to show
    west, east = got["99901"], got["99902"]
    assert (west["properties"]["population"], west["properties"]["cells"]) == (700, 1)
    assert (east["properties"]["population"], east["properties"]["cells"]) == (2600, 4)
    assert east["properties"]["name"] == "Đơn vị 99902"
    cell_area = CELL_DEG**2
    assert shape(west["geometry"]).area == pytest.approx(cell_area, rel=1e-9)
    assert shape(east["geometry"]).area == pytest.approx(4 * cell_area, rel=1e-9)
    # Dissolved: the east ward's four cells are one L-shaped polygon, no internal edges.
    assert shape(east["geometry"]).geom_type == "Polygon"
    unserved = [(2, 0), (2, 1), (2, 2), (1, 2)]
    expected = shapely.union_all([shapely.box(*_cell(i, j)) for i, j in unserved])
    assert shape(east["geometry"]).symmetric_difference(expected).area < 1e-12


def test_an_underserved_area_touching_the_bounding_box_is_drawn_whole_and_others_left_out(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    bbox = (105.765, 10.045, 105.775, 10.055)  # overlaps cell (2, 2) of the east ward only
    got = _features(underserved_geojson(conn, "health_station", bbox, 0.0, 100, ON_DATE))
    assert list(got) == ["99902"]
    assert got["99902"]["properties"]["population"] == 2600
    assert shape(got["99902"]["geometry"]).area == pytest.approx(4 * CELL_DEG**2, rel=1e-9)


def test_underserved_areas_keep_the_wards_with_most_unserved_people_up_to_the_cap(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    got = underserved_geojson(conn, "health_station", None, 0.0, 1, ON_DATE)
    assert [f["properties"]["code"] for f in got["features"]] == ["99902"]


def test_underserved_areas_of_an_unknown_kind_are_refused(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    for kind in ("swimming_pool", "hospital' OR '1'='1"):
        with pytest.raises(GeodataError, match="unknown facility kind"):
            underserved_geojson(conn, kind, None, 0.0, 100, ON_DATE)


def test_a_larger_tolerance_draws_underserved_areas_with_fewer_vertices(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    def vertices(tolerance: float) -> int:
        got = _features(underserved_geojson(conn, "health_station", None, tolerance, 100, ON_DATE))
        return int(shapely.get_num_coordinates(shape(got["99902"]["geometry"])))

    assert vertices(0.008) < vertices(0.0)


def test_underserved_areas_are_read_from_the_rollup_until_it_is_recomputed(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    x, y = _centre(2, 2)
    conn.execute(
        text("UPDATE facility SET geom = ST_Point(:x, :y, 4326) WHERE code = 'hs-west'"),
        {"x": x, "y": y},
    )
    before = _features(underserved_geojson(conn, "health_station", None, 0.0, 100, ON_DATE))
    assert before["99902"]["properties"]["population"] == 2600  # as last computed

    compute_coverage(conn, ON_DATE)
    after = _features(underserved_geojson(conn, "health_station", None, 0.0, 100, ON_DATE))
    # The station now stands in (2, 2): the west ward, and the bottom row of the east, are
    # beyond it (as the coverage test above works out).
    assert after["99901"]["properties"]["population"] == 1200
    assert after["99902"]["properties"]["population"] == 200 + 300


def test_wards_that_ended_keep_their_underserved_areas_for_the_days_they_were_valid(
    conn: Connection, town: dict[str, int]
) -> None:
    compute_coverage(conn, ON_DATE)  # the expired ward is not valid on ON_DATE
    old = _features(
        underserved_geojson(conn, "health_station", None, 0.0, 100, dt.date(2019, 6, 1))
    )
    # In 2019 the expired ward (the whole grid) was valid beside the three.
    assert old["99904"]["properties"]["population"] == 4500 - 1200
    assert "99904" not in _features(
        underserved_geojson(conn, "health_station", None, 0.0, 100, ON_DATE)
    )


def test_ward_staff_read_the_underserved_areas_of_their_own_units_only(
    conn: Connection, rolled_up: dict[str, int]
) -> None:
    conn.execute(text("SELECT set_config('app.allowed_units', '99901', true)"))
    conn.execute(text(f"SET LOCAL ROLE {conn.scalar(text('SELECT current_user'))}_ward"))
    got = _features(underserved_geojson(conn, "health_station", None, 0.0, 100, ON_DATE))
    assert list(got) == ["99901"]


# --- the demo services ---------------------------------------------------------------------------


@pytest.fixture
def demo(demo_db: Engine) -> Iterator[tuple[Connection, dict[str, int]]]:
    """The demo city with its demo services, in a transaction rolled back at the end."""
    with demo_db.begin() as c:
        c.execute(text("TRUNCATE population_cell"))
    with demo_db.connect() as connection:
        transaction = connection.begin()
        counts = write_service_sample(connection)
        yield connection, counts
        transaction.rollback()


def _facilities(conn: Connection) -> list[tuple[str, str, str]]:
    rows = conn.execute(
        text("SELECT code, name, ST_AsText(geom) FROM facility WHERE source = 'demo' ORDER BY code")
    )
    return [tuple(r) for r in rows]


def test_the_demo_services_are_the_same_every_time(
    demo: tuple[Connection, dict[str, int]],
) -> None:
    conn, counts = demo
    first = _facilities(conn)
    cells = conn.execute(
        text("SELECT count(*), sum(population), sum(ST_Area(geom)) FROM population_cell")
    ).one()
    assert write_service_sample(conn) == counts
    assert _facilities(conn) == first
    assert (
        conn.execute(
            text("SELECT count(*), sum(population), sum(ST_Area(geom)) FROM population_cell")
        ).one()
        == cells
    )
    assert counts["hospital"] == 12
    assert all(counts[k] > 0 for k in counts)
    assert ("demo-hs-91601", "Trạm y tế phường Cái Khế") in [(c, n) for c, n, _ in first]


def test_the_demo_grid_of_each_ward_adds_up_to_the_ward_population(
    demo: tuple[Connection, dict[str, int]],
) -> None:
    conn, _ = demo
    rows = conn.execute(
        text(
            """
            SELECT w.code, w.population, coalesce(sum(c.population), 0) AS grid, count(c.id)
            FROM admin_unit w
            LEFT JOIN population_cell c
              ON c.geom && w.geom AND ST_Intersects(w.geom, ST_PointOnSurface(c.geom))
            WHERE w.level = 'ward' GROUP BY w.code, w.population
            """
        )
    ).all()
    assert len(rows) > 50
    assert [r.code for r in rows if abs(r.grid - r.population) > 1] == []
    # Cells are about 500 m: ~0.25 km² each, fewer at ward borders where squares are clipped.
    mean_km2 = conn.scalar(
        text("SELECT avg(ST_Area(ST_Transform(geom, 3405))) / 1e6 FROM population_cell")
    )
    assert 0.15 < mean_km2 <= 0.25


def test_every_demo_facility_lies_inside_its_ward(
    demo: tuple[Connection, dict[str, int]],
) -> None:
    conn, counts = demo
    outside = conn.scalar(
        text(
            """
            SELECT count(*) FROM facility f LEFT JOIN admin_unit w ON w.id = f.admin_unit_id
            WHERE w.level IS DISTINCT FROM 'ward' OR NOT ST_Intersects(w.geom, f.geom)
            """
        )
    )
    assert outside == 0
    assert conn.scalar(text("SELECT count(*) FROM facility")) == sum(
        n for k, n in counts.items() if k not in ("population_cell", "coverage")
    )


def test_demo_health_stations_leave_some_wards_underserved_and_favour_urban_districts(
    demo: tuple[Connection, dict[str, int]],
) -> None:
    conn, _ = demo
    below_half = conn.scalar(
        text(
            """
            SELECT count(*) FROM coverage c JOIN admin_unit u ON u.id = c.admin_unit_id
            WHERE u.level = 'ward' AND c.facility_kind = 'health_station'
              AND c.covered < 0.5 * c.population
            """
        )
    )
    assert below_half >= 1
    share = dict(
        conn.execute(
            text(
                """
                SELECT u.unit_type, sum(c.covered) / sum(c.population)
                FROM coverage c JOIN admin_unit u ON u.id = c.admin_unit_id
                WHERE u.level = 'district' AND c.facility_kind = 'health_station'
                GROUP BY u.unit_type
                """
            )
        ).all()
    )
    assert share["Quận"] > share["Huyện"]


def test_demo_coverage_has_a_row_for_every_valid_unit_and_kind(
    demo: tuple[Connection, dict[str, int]],
) -> None:
    conn, counts = demo
    missing = conn.scalar(
        text(
            """
            SELECT count(*) FROM admin_unit u CROSS JOIN facility_kind k
            WHERE u.valid_to IS NULL
              AND NOT EXISTS (SELECT 1 FROM coverage c
                              WHERE c.admin_unit_id = u.id AND c.facility_kind = k.code)
            """
        )
    )
    assert missing == 0
    assert counts["coverage"] == conn.scalar(text("SELECT count(*) FROM coverage"))
    total = conn.scalar(text("SELECT count(*) FROM admin_unit")) * conn.scalar(
        text("SELECT count(*) FROM facility_kind")
    )
    assert counts["coverage"] == total
