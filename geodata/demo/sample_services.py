"""Demo facilities and a population grid for the demo city, so coverage has something to show.

Reads the demo wards already in the database (``geodata.demo.sample``) and writes, with
``source = 'demo'``: a grid of ~500 m population cells (built in PostGIS, in the metric CRS) whose
populations add up to each ward's population, denser towards each ward's centre; and hospitals,
health stations, schools and clean-water points placed inside their wards. Urban districts (Quận)
get more of everything, and about one rural commune in ten has no health station, so the map has
real gaps to show. Same seed, same data. Ends by recomputing the coverage rollup.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from geodata.demo.common import DEMO_SOURCE
from geodata.errors import GeodataError
from geodata.monitoring.coverage import compute_coverage, today_in_city
from geodata.settings import get_settings

CELL_M = 500  # population grid cell edge, metres
MIN_PIECE_M2 = 1.0  # a ward border clips squares; slivers thinner than this are dropped

# (district code, hospital name); a rural district's hospital stands in its town (thị trấn).
HOSPITALS = [
    ("916", "Bệnh viện Đa khoa Thành phố Cần Thơ"),
    ("916", "Bệnh viện Nhi đồng Cần Thơ"),
    ("916", "Bệnh viện Phụ sản Cần Thơ"),
    ("916", "Bệnh viện Đa khoa Ninh Kiều"),
    ("918", "Bệnh viện Đa khoa Bình Thủy"),
    ("918", "Bệnh viện Lao và Bệnh phổi Cần Thơ"),
    ("919", "Bệnh viện Đa khoa Cái Răng"),
    ("919", "Bệnh viện Ung bướu Cần Thơ"),
    ("917", "Bệnh viện Đa khoa Ô Môn"),
    ("923", "Bệnh viện Đa khoa Thốt Nốt"),
    ("925", "Bệnh viện Đa khoa Cờ Đỏ"),
    ("927", "Bệnh viện Đa khoa Thới Lai"),
]
# Short code per kind: facility codes read like 'demo-hs-91601'.
PREFIX = {
    "hospital": "hp",
    "health_station": "hs",
    "primary_school": "ps",
    "lower_secondary_school": "ls",
    "upper_secondary_school": "us",
    "clean_water": "cw",
}
# Plausible capacity range (beds, pupils or m³/day), drawn per facility; large ones in tens.
CAPACITY = {
    "hospital": (150, 1000),
    "health_station": (5, 15),
    "primary_school": (300, 1200),
    "lower_secondary_school": (400, 1500),
    "upper_secondary_school": (800, 2000),
    "clean_water": (50, 500),
}
NO_STATION_SHARE = 0.1  # rural communes left without a health station


@dataclass(frozen=True)
class _Ward:
    id: int
    code: str
    name: str
    unit_type: str  # Phường, Xã, Thị trấn
    district_code: str
    urban: bool  # the district is a Quận
    area_km2: float

    @property
    def label(self) -> str:
        """'phường Cái Khế', 'xã Thạnh Phú', 'thị trấn Cờ Đỏ'."""
        return f"{self.unit_type.lower()} {self.name}"

    @property
    def is_town(self) -> bool:
        return self.unit_type == "Thị trấn"


@dataclass(frozen=True)
class _Facility:
    ward: _Ward
    kind: str
    index: int  # 1-based, within (ward, kind)
    name: str


def _read_wards(conn: Connection) -> list[_Ward]:
    rows = conn.execute(
        text(
            """
            SELECT w.id, w.code, w.name, w.unit_type, d.code AS d_code,
                   d.unit_type AS d_type, w.area_km2
            FROM admin_unit w JOIN admin_unit d ON d.id = w.parent_id
            WHERE w.source = :source AND w.level = 'ward'
              AND w.valid_from <= :today AND (w.valid_to IS NULL OR w.valid_to > :today)
            ORDER BY w.code
            """
        ),
        {"source": DEMO_SOURCE, "today": today_in_city()},
    ).all()
    if not rows:
        raise GeodataError("no demo wards in the database: write the demo city first")
    return [
        _Ward(r.id, r.code, r.name, r.unit_type or "", r.d_code, r.d_type == "Quận", r.area_km2)
        for r in rows
    ]


def _plan_facilities(wards: list[_Ward], rng: np.random.Generator) -> list[_Facility]:
    """Which facilities each ward gets: the demo's service pattern, decided by ``rng``."""
    plan: list[_Facility] = []
    seen: Counter[tuple[str, str]] = Counter()

    def add(ward: _Ward, kind: str, name: str) -> None:
        seen[ward.code, kind] += 1
        plan.append(_Facility(ward, kind, seen[ward.code, kind], name))

    by_district: dict[str, list[_Ward]] = {}
    for ward in wards:
        by_district.setdefault(ward.district_code, []).append(ward)

    for district_code, name in HOSPITALS:
        members = by_district.get(district_code)
        if not members:
            continue
        towns = [w for w in members if w.is_town]
        add(towns[0] if towns else members[rng.integers(len(members))], "hospital", name)

    rural = [w for w in wards if not w.urban and not w.is_town]
    no_station = rng.choice(len(rural), size=round(NO_STATION_SHARE * len(rural)), replace=False)
    skipped = {rural[i].code for i in no_station}
    for ward in wards:
        if ward.code not in skipped:
            add(ward, "health_station", f"Trạm y tế {ward.label}")
        for i in range(1 + int(rng.integers(2))):
            add(ward, "primary_school", f"Trường Tiểu học {ward.name} {i + 1}")
        if ward.urban or ward.is_town or rng.random() < 0.6:
            add(ward, "lower_secondary_school", f"Trường THCS {ward.name}")
        # Water points: one per ~1.5 km² in the urban districts, one per ~12 km² in rural ones.
        water = rng.poisson(ward.area_km2 / (1.5 if ward.urban else 12))
        for i in range(max(2, water) if ward.urban else water):
            add(ward, "clean_water", f"Điểm cấp nước sạch {ward.name} {i + 1}")

    for members in by_district.values():
        towns = [w for w in members if w.is_town]
        others = [w for w in members if not w.is_town]
        picked = rng.choice(len(others), size=min(2, len(others)), replace=False)
        hosts = towns[:1] + [others[i] for i in picked]
        for ward in hosts[: 1 + int(rng.integers(2))]:
            add(ward, "upper_secondary_school", f"Trường THPT {ward.name}")
    return plan


def _write_facilities(conn: Connection, plan: list[_Facility], rng: np.random.Generator) -> None:
    # ST_GeneratePoints with a seed is deterministic: each (ward, kind) draws its n points once
    # and facility i takes the i-th, so every point lies inside its ward.
    counts = Counter((f.ward.code, f.kind) for f in plan)
    groups = sorted(counts)
    seeds = dict(zip(groups, rng.integers(1, 2**31 - 1, len(groups)).tolist(), strict=True))
    columns = ("ward", "kind", "n", "seed", "i", "code", "name", "capacity")
    rows: dict[str, list[Any]] = {column: [] for column in columns}
    for f in plan:
        group = (f.ward.code, f.kind)
        lo, hi = CAPACITY[f.kind]
        suffix = f"-{f.index}" if f.index > 1 else ""
        rows["ward"].append(f.ward.id)
        rows["kind"].append(f.kind)
        rows["n"].append(counts[group])
        rows["seed"].append(seeds[group])
        rows["i"].append(f.index)
        rows["code"].append(f"demo-{PREFIX[f.kind]}-{f.ward.code}{suffix}")
        rows["name"].append(f.name)
        capacity = int(rng.integers(lo, hi + 1))
        rows["capacity"].append(capacity if hi < 100 else round(capacity, -1))
    conn.execute(
        text(
            """
            INSERT INTO facility (code, source, geom, admin_unit_id, kind, name, capacity)
            SELECT p.code, :source, ST_GeometryN(ST_GeneratePoints(w.geom, p.n, p.seed), p.i),
                   w.id, p.kind, p.name, p.capacity
            FROM unnest(CAST(:ward AS bigint[]), CAST(:kind AS text[]), CAST(:n AS int[]),
                        CAST(:seed AS int[]), CAST(:i AS int[]), CAST(:code AS text[]),
                        CAST(:name AS text[]), CAST(:capacity AS int[]))
                 AS p(ward, kind, n, seed, i, code, name, capacity)
            JOIN admin_unit w ON w.id = p.ward
            """
        ),
        {"source": DEMO_SOURCE, **rows},
    )


def _write_population_grid(conn: Connection, wards: list[_Ward], rng: np.random.Generator) -> int:
    # Squares of one metric grid clipped to each ward, so neighbouring wards' cells fit together.
    pieces = conn.execute(
        text(
            """
            SELECT w.id AS ward_id, coalesce(w.population, 0) AS ward_pop,
                   ST_Area(piece.geom) AS area,
                   ST_Distance(ST_Centroid(piece.geom), ST_Centroid(m.g)) AS dist,
                   sqrt(ST_Area(m.g) / pi()) AS radius,
                   ST_AsBinary(ST_Transform(piece.geom, 4326)) AS wkb
            FROM admin_unit w
            CROSS JOIN LATERAL (SELECT ST_Transform(w.geom, :srid) AS g) AS m
            CROSS JOIN LATERAL ST_SquareGrid(:cell, m.g) AS sq
            CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(sq.geom, m.g), 3))
                 AS piece
            WHERE w.id = ANY(:ids) AND ST_Intersects(sq.geom, m.g)
              AND ST_Area(piece.geom) > :min_area
            ORDER BY w.code, sq.i, sq.j, piece.path
            """
        ),
        {
            "srid": get_settings().metric_srid,
            "cell": CELL_M,
            "ids": [w.id for w in wards],
            "min_area": MIN_PIECE_M2,
        },
    ).all()
    ward_ids = np.array([p.ward_id for p in pieces])
    area = np.array([p.area for p in pieces])
    closeness = np.array([p.dist / p.radius for p in pieces])
    # Weight: area, times a pull towards the ward's centre (towns look dense), times noise.
    weight = area * np.exp(-1.5 * closeness**2) * rng.lognormal(0.0, 0.6, len(pieces))
    population = np.zeros(len(pieces), dtype=np.int64)
    for ward_id in np.unique(ward_ids):
        idx = np.nonzero(ward_ids == ward_id)[0]
        total = int(pieces[idx[0]].ward_pop)
        exact = total * weight[idx] / weight[idx].sum()
        share = np.floor(exact).astype(np.int64)
        # Largest remainders take the residents lost to flooring: the ward sums exactly.
        rest = total - int(share.sum())
        share[np.argsort(-(exact - share), kind="stable")[:rest]] += 1
        population[idx] = share
    conn.execute(
        text(
            """
            INSERT INTO population_cell (source, geom, population)
            SELECT :source, ST_GeomFromWKB(g, 4326), p
            FROM unnest(CAST(:wkb AS bytea[]), CAST(:pop AS real[])) AS t(g, p)
            """
        ),
        {
            "source": DEMO_SOURCE,
            "wkb": [bytes(p.wkb) for p in pieces],
            "pop": population.tolist(),
        },
    )
    return len(pieces)


def write_service_sample(conn: Connection, seed: int = 2004) -> dict[str, int]:
    """Replace the demo facilities and population grid, then recompute coverage; the counts."""
    rng = np.random.default_rng(seed)
    wards = _read_wards(conn)
    for table in ("facility", "population_cell"):
        conn.execute(text(f"DELETE FROM {table} WHERE source = :s"), {"s": DEMO_SOURCE})
    counts = {"population_cell": _write_population_grid(conn, wards, rng)}
    plan = _plan_facilities(wards, rng)
    _write_facilities(conn, plan, rng)
    for kind in PREFIX:
        counts[kind] = sum(1 for f in plan if f.kind == kind)
    counts["coverage"] = compute_coverage(conn, today_in_city())
    return counts
