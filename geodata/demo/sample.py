"""The synthetic, deterministic demo city: Cần Thơ's 9 districts and about 80 wards.

Real codes, names, types and rough centroids/areas of the districts come from CANTHO.md; the shapes
are made up. The method keeps the hierarchy exactly nested: the city outline is cut into a grid of
small cells whose corners are jittered (each corner once, so neighbours share it exactly); cells
are given to districts by a power diagram tuned until each district has roughly its real area, and
within a district to wards by k-means. Wards are unions of cells, smoothed together as one coverage
(no gaps, no overlaps); a district is the union of its wards and the city the union of districts.
Same seed, same data. Everything written here carries ``source = 'demo'`` and the UI says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from geodata.db import transaction
from geodata.demo.common import DEMO_SOURCE, INSERT_UNIT, METRIC_CRS, as_multipolygon, kmeans
from geodata.demo.sample_alerts import delete_alerts_demo, write_alerts_sample
from geodata.demo.sample_monitoring import delete_monitoring_demo, write_monitoring_sample
from geodata.demo.sample_reform import apply_reform
from geodata.demo.sample_reports import delete_reports_demo, write_reports_sample
from geodata.demo.sample_services import write_service_sample
from geodata.errors import GeodataError
from geodata.importing.names import normalize_name
from geodata.settings import get_settings

DEMO_VALID_FROM = dt.date(2004, 1, 1)  # Cần Thơ became a centrally-governed city in 2004
CELL_M = 450.0  # grid cell size; ~7,000 cells over the city
TOTAL_POPULATION = 1_250_000

# City outline (lon, lat): the Hậu river runs along the north-eastern edge, Thốt Nốt to Cái Răng.
CITY_OUTLINE = [
    (105.45, 10.33), (105.55, 10.27), (105.63, 10.17), (105.70, 10.10), (105.76, 10.05),
    (105.80, 10.02), (105.84, 9.98), (105.81, 9.935), (105.70, 9.93), (105.60, 9.955),
    (105.50, 9.985), (105.40, 10.045), (105.30, 10.10), (105.235, 10.165), (105.25, 10.22),
    (105.32, 10.29), (105.40, 10.325),
]  # fmt: skip
# The Hậu river's course along the city's north-eastern edge, and the Cần Thơ river that
# meets it at Ninh Kiều.
HAU_RIVER = [
    (105.38, 10.375), (105.45, 10.33), (105.55, 10.27), (105.63, 10.17), (105.70, 10.10),
    (105.76, 10.05), (105.80, 10.02), (105.84, 9.98), (105.89, 9.93),
]  # fmt: skip
CAN_THO_RIVER = [
    (105.56, 9.965), (105.62, 9.985), (105.68, 10.005), (105.73, 10.02), (105.765, 10.03),
    (105.79, 10.031),
]  # fmt: skip


@dataclass(frozen=True)
class District:
    code: str
    name: str
    unit_type: str  # Quận (urban) or Huyện (rural)
    lon: float
    lat: float
    area_km2: float
    population: int  # approximate, before scaling to TOTAL_POPULATION
    wards: tuple[str, ...]  # ward names; rural districts list their town (thị trấn) first


DISTRICTS = (
    District("916", "Ninh Kiều", "Quận", 105.765, 10.031, 29, 280_000,
             ("Cái Khế", "An Hòa", "Thới Bình", "An Nghiệp", "An Cư", "Tân An", "An Phú",
              "Xuân Khánh", "Hưng Lợi", "An Khánh", "An Bình")),
    District("917", "Ô Môn", "Quận", 105.633, 10.126, 132, 160_000,
             ("Châu Văn Liêm", "Thới Hòa", "Thới Long", "Long Hưng", "Thới An", "Phước Thới",
              "Trường Lạc")),
    District("918", "Bình Thủy", "Quận", 105.723, 10.064, 70, 140_000,
             ("Bình Thủy", "Trà An", "Trà Nóc", "Thới An Đông", "An Thới", "Bùi Hữu Nghĩa",
              "Long Hòa", "Long Tuyền")),
    District("919", "Cái Răng", "Quận", 105.787, 9.991, 67, 100_000,
             ("Lê Bình", "Hưng Phú", "Hưng Thạnh", "Ba Láng", "Thường Thạnh", "Phú Thứ",
              "Tân Phú")),
    District("923", "Thốt Nốt", "Quận", 105.546, 10.243, 121, 170_000,
             ("Thốt Nốt", "Thới Thuận", "Thuận An", "Thuận Hưng", "Trung Nhứt", "Thạnh Hòa",
              "Trung Kiên", "Tân Hưng", "Tân Lộc")),
    District("924", "Vĩnh Thạnh", "Huyện", 105.369, 10.214, 306, 115_000,
             ("Vĩnh Thạnh", "Thạnh An", "Thạnh Thắng", "Thạnh Lợi", "Thạnh Qưới", "Thạnh Tiến",
              "Vĩnh Trinh", "Vĩnh Bình", "Thạnh Lộc", "Thạnh Mỹ", "Thạnh An A")),
    District("925", "Cờ Đỏ", "Huyện", 105.461, 10.127, 320, 125_000,
             ("Cờ Đỏ", "Thạnh Phú", "Trung Hưng", "Trung An", "Trung Thạnh", "Thới Hưng",
              "Đông Hiệp", "Đông Thắng", "Thới Đông", "Thới Xuân")),
    District("926", "Phong Điền", "Huyện", 105.663, 9.998, 126, 105_000,
             ("Phong Điền", "Nhơn Ái", "Giai Xuân", "Tân Thới", "Trường Long", "Mỹ Khánh",
              "Nhơn Nghĩa")),
    District("927", "Thới Lai", "Huyện", 105.538, 10.030, 266, 125_000,
             ("Thới Lai", "Thới Thạnh", "Tân Thạnh", "Xuân Thắng", "Đông Bình", "Đông Thuận",
              "Thới Tân", "Trường Thắng", "Định Môn", "Trường Thành", "Trường Xuân",
              "Trường Xuân A")),
)  # fmt: skip

CITY_CODE, CITY_NAME, CITY_TYPE = "92", "Cần Thơ", "Thành phố"


@dataclass(frozen=True)
class SampleUnit:
    code: str
    name: str
    unit_type: str
    level: str
    parent_code: str | None
    population: int
    geom: MultiPolygon  # EPSG:4326


@dataclass(frozen=True)
class SampleCity:
    units: list[SampleUnit]  # parents before children
    rivers: list[tuple[str, BaseGeometry]]  # (name, geometry in EPSG:4326)


def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _grid_cells(outline: Polygon, rng: np.random.Generator) -> tuple[list[Polygon], np.ndarray]:
    """Square cells with jittered, shared corners whose centres lie inside ``outline``."""
    minx, miny, maxx, maxy = outline.bounds
    nx = int((maxx - minx) / CELL_M) + 2
    ny = int((maxy - miny) / CELL_M) + 2
    # One jitter per corner, so adjacent cells share corners exactly.
    jitter = rng.uniform(-0.3, 0.3, size=(nx + 1, ny + 1, 2)) * CELL_M
    xs = minx + np.arange(nx + 1)[:, None] * CELL_M + jitter[..., 0]
    ys = miny + np.arange(ny + 1)[None, :] * CELL_M + jitter[..., 1]
    centres_x = minx + (np.arange(nx) + 0.5) * CELL_M
    centres_y = miny + (np.arange(ny) + 0.5) * CELL_M
    cx, cy = np.meshgrid(centres_x, centres_y, indexing="ij")
    inside = shapely.contains_xy(outline, cx, cy)
    cells, centres = [], []
    for i, j in zip(*np.nonzero(inside), strict=True):
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
        cells.append(Polygon([(xs[a, b], ys[a, b]) for a, b in corners]))
        centres.append((cx[i, j], cy[i, j]))
    return cells, np.array(centres)


def _assign_districts(centres: np.ndarray, sites: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Cell → district by a power diagram whose weights are tuned towards the target areas."""
    weights = np.zeros(len(sites))
    d2 = ((centres[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2)
    owner = np.argmin(d2, axis=1)
    for _ in range(400):
        owner = np.argmin(d2 - weights[None, :], axis=1)
        counts = np.bincount(owner, minlength=len(sites))
        # Grow districts short of their share, shrink those above it.
        weights += 2e5 * (targets - counts) / np.maximum(targets, 1)
    return owner


def build_sample_city(seed: int = 2004) -> SampleCity:
    """The demo city in memory; the same seed always gives the same geometry and numbers."""
    rng = np.random.default_rng(seed)
    to_metric = _to_metric()
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    outline = shapely.transform(
        Polygon(CITY_OUTLINE), lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
    )
    cells, centres = _grid_cells(outline, rng)

    sites = np.array([to_metric.transform(d.lon, d.lat) for d in DISTRICTS])
    shares = np.array([d.area_km2 for d in DISTRICTS], dtype=float)
    targets = shares / shares.sum() * len(cells)
    district_of = _assign_districts(centres, sites, targets)

    ward_cells: list[list[Polygon]] = []
    ward_meta: list[tuple[int, int]] = []  # (district index, ward index)
    for di, district in enumerate(DISTRICTS):
        idx = np.nonzero(district_of == di)[0]
        labels = kmeans(centres[idx], len(district.wards), rng)
        for wi in range(len(district.wards)):
            ward_cells.append([cells[i] for i in idx[labels == wi]])
            ward_meta.append((di, wi))

    # Smooth all wards together as one coverage: shared edges move together, so no gaps appear.
    ward_shapes = [shapely.union_all(c) for c in ward_cells]
    smoothed = shapely.coverage_simplify(ward_shapes, tolerance=CELL_M * 1.5)

    def wgs84(geom: BaseGeometry) -> MultiPolygon:
        projected = shapely.transform(
            geom, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )
        return as_multipolygon(shapely.set_precision(projected, 1e-7))

    # Precision is snapped once, on the wards; parents are unions of the snapped wards, so the
    # nesting stays exact in the stored coordinates.
    wards_wgs = [wgs84(g) for g in smoothed]
    pops = np.array([d.population for d in DISTRICTS], dtype=float)
    district_pops = np.round(pops / pops.sum() * TOTAL_POPULATION).astype(int)
    district_pops[0] += TOTAL_POPULATION - int(district_pops.sum())  # exact total after rounding

    units: list[SampleUnit] = []
    district_geoms: list[MultiPolygon] = []
    ward_units: list[SampleUnit] = []
    for di, district in enumerate(DISTRICTS):
        members = [k for k, (d, _) in enumerate(ward_meta) if d == di]
        geoms = [wards_wgs[k] for k in members]
        district_geoms.append(as_multipolygon(shapely.union_all(geoms)))
        split = rng.dirichlet(np.full(len(members), 4.0)) * district_pops[di]
        ward_pops = np.floor(split).astype(int)
        ward_pops[0] += int(district_pops[di] - ward_pops.sum())  # keep the district total exact
        for n, k in enumerate(members):
            wi = ward_meta[k][1]
            if district.unit_type == "Quận":
                ward_type = "Phường"
            else:
                ward_type = "Thị trấn" if wi == 0 else "Xã"
            ward_units.append(
                SampleUnit(
                    code=f"{district.code}{wi + 1:02d}",
                    name=district.wards[wi],
                    unit_type=ward_type,
                    level="ward",
                    parent_code=district.code,
                    population=int(ward_pops[n]),
                    geom=wards_wgs[k],
                )
            )
    city_geom = as_multipolygon(shapely.union_all(district_geoms))
    units.append(
        SampleUnit(
            CITY_CODE, CITY_NAME, CITY_TYPE, "city", None, int(district_pops.sum()), city_geom
        )
    )
    for di, district in enumerate(DISTRICTS):
        units.append(
            SampleUnit(
                district.code,
                district.name,
                district.unit_type,
                "district",
                CITY_CODE,
                int(district_pops[di]),
                district_geoms[di],
            )
        )
    units.extend(ward_units)

    # The Hậu river: a band along the city's north-eastern edge, cut back so it only touches it.
    hau_metric = shapely.transform(
        LineString(HAU_RIVER),
        lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])),
    ).buffer(1600, cap_style="flat")
    # Cut on the stored (snapped) coordinates so the river touches the city without a sliver.
    hau = as_multipolygon(shapely.difference(wgs84(hau_metric), city_geom, grid_size=1e-7))
    rivers: list[tuple[str, BaseGeometry]] = [
        ("Sông Hậu", hau),
        ("Sông Cần Thơ", LineString(CAN_THO_RIVER)),
    ]
    return SampleCity(units=units, rivers=rivers)


def delete_demo_data(conn: Connection) -> None:
    """Remove the demo data set (children before parents, as the hierarchy demands)."""
    conn.execute(text("DELETE FROM map_feature WHERE source = :s"), {"s": DEMO_SOURCE})
    while True:
        deleted = conn.execute(
            text(
                """
                DELETE FROM admin_unit u WHERE u.source = :s
                  AND NOT EXISTS (SELECT 1 FROM admin_unit c WHERE c.parent_id = u.id)
                """
            ),
            {"s": DEMO_SOURCE},
        ).rowcount
        if not deleted:
            break
    kept = conn.execute(
        text(
            """
            SELECT count(*) AS demo, string_agg(DISTINCT c.source, ', ') AS names
            FROM admin_unit u JOIN admin_unit c ON c.parent_id = u.id
            WHERE u.source = :s AND c.source <> :s
            """
        ),
        {"s": DEMO_SOURCE},
    ).one()
    if kept.demo:
        raise GeodataError(
            f"the demo data cannot be replaced: {kept.demo} imported unit(s) (source "
            f"{kept.names}) have demo units as parents. Import their parents first, "
            "or remove those units; nothing was changed."
        )


def write_sample(
    seed: int = 2004,
    if_empty: bool = False,
    days: int = 0,
    services: bool = False,
    report_days: int | None = None,
    reform: bool = False,
    history_from: dt.date | None = None,
    alerts: bool = False,
) -> int:
    """Write the demo city, ``days`` of monitoring data (and hourly readings from
    ``history_from`` before them), ``report_days`` (by default ``days``) of citizens' reports and
    their handling, and (with ``services``) facilities and a population grid, replacing an
    earlier demo set; with ``reform``, the city then lives through the 1 July 2025 reform
    (:mod:`geodata.demo.sample_reform`); with ``alerts`` (and monitoring data), the alert rules
    and the latest flood and bad-air day replayed through them (:mod:`geodata.demo.sample_alerts`).

    One transaction: a failure leaves the database as it was.
    """
    metric_srid = get_settings().metric_srid
    with transaction() as conn:
        if if_empty and conn.scalar(text("SELECT EXISTS (SELECT 1 FROM admin_unit)")):
            print("admin units already present: demo data not written")
            return 0
        city = build_sample_city(seed)
        delete_alerts_demo(conn)
        delete_reports_demo(conn)
        delete_monitoring_demo(conn)
        delete_demo_data(conn)
        ids: dict[str, int] = {}
        for unit in city.units:
            ids[unit.code] = conn.execute(
                INSERT_UNIT,
                {
                    "code": unit.code,
                    "name": unit.name,
                    "name_norm": normalize_name(unit.name),
                    "unit_type": unit.unit_type,
                    "level": unit.level,
                    "parent_id": ids[unit.parent_code] if unit.parent_code else None,
                    "valid_from": DEMO_VALID_FROM,
                    "population": unit.population,
                    "metric_srid": metric_srid,
                    "source": DEMO_SOURCE,
                    "wkb": shapely.to_wkb(unit.geom),
                },
            ).scalar_one()
        for name, geom in city.rivers:
            conn.execute(
                text(
                    "INSERT INTO map_feature (kind, name, source, geom) "
                    "VALUES ('river', :name, :source, ST_GeomFromWKB(:wkb, 4326))"
                ),
                {"name": name, "source": DEMO_SOURCE, "wkb": shapely.to_wkb(geom)},
            )
        monitoring = (
            write_monitoring_sample(conn, seed=seed, days=days, history_from=history_from)
            if days
            else None
        )
        history = days if report_days is None else report_days
        reports = (
            write_reports_sample(conn, seed=seed, days=history, monitoring_days=days)
            if history
            else None
        )
        facilities = write_service_sample(conn, seed=seed) if services else None
        # Last: the reform ends what was written above and draws today's units over it.
        reformed = apply_reform(conn, seed=seed) if reform else None
        # After the reform: the rules watch today's units.
        warned = write_alerts_sample(conn) if alerts and days else None
    by_level: dict[str, int] = {}
    for unit in city.units:
        by_level[unit.level] = by_level.get(unit.level, 0) + 1
    print(
        "demo data written (Dữ liệu minh họa): "
        + ", ".join(f"{n} {level}" for level, n in by_level.items())
        + f", population {city.units[0].population:,}"
    )
    if monitoring:
        print(f"demo monitoring data ({days} days): {monitoring.describe()}")
    if reports:
        print(f"demo citizens' reports ({history} days): {reports.describe()}")
    if facilities:
        print("demo services: " + ", ".join(f"{n:,} {what}" for what, n in facilities.items()))
    if reformed:
        print(f"demo reform of 1 July 2025: {reformed.describe()}")
    if warned:
        print(f"demo early warning: {warned.describe()}")
    return 0
