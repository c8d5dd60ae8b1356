"""The demo city through the reform of 1 July 2025, so ``make run`` shows today's Cần Thơ and
still shows last year's on an earlier date.

On 1 July 2025 Vietnam's districts were abolished (two levels of local government remain:
provinces and cities, then communes, wards and special zones) and Cần Thơ was merged with Hậu
Giang and Sóc Trăng provinces. Here, as a data set drawn for the demo (not the official map):

- every demo unit of before (the city, its 9 districts and 82 wards) ends on 2025-07-01 and is kept
  for history;
- the old city's area is redrawn as about thirty wards and communes, each the union of two or
  three neighbouring old wards of one district (the reform mostly merged whole wards), named
  after the most populous of them; codes 31001…;
- the merged provinces come as two simplified outlines under the city ("Khu vực Hậu Giang (cũ)",
  "Khu vực Sóc Trăng (cũ)"), not as their communes: the demo has no sensors there, and an
  outline says so honestly instead of inventing communes;
- the city keeps its code 92 with a new version from that day, its outline the merged one;
- who succeeded whom is worked out by overlap (:mod:`geodata.units.succession`), reports received
  since the reform are routed to today's units, and the new units' indicators are computed from
  the sensors inside them over the whole history
  (:func:`geodata.monitoring.readings.refresh_units`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from sqlalchemy import Connection, text

from geodata.demo.common import DEMO_SOURCE, INSERT_UNIT, as_multipolygon, kmeans
from geodata.importing.importers import assign_admin_units
from geodata.importing.names import normalize_name
from geodata.monitoring.coverage import today_in_city
from geodata.monitoring.readings import refresh_units
from geodata.settings import get_settings
from geodata.units.succession import work_out

REFORM_DAY = dt.date(2025, 7, 1)
# Where the demo's history starts with the reform: two months before it.
HISTORY_FROM = dt.date(2025, 5, 1)
WARDS_PER_COMMUNE = 2.7  # 82 old wards → about 30 new units
# Rough outlines (lon, lat) of the provinces merged into Cần Thơ, cut where they meet the old
# city and each other; populations as of the merger, rounded.
HAU_GIANG = [
    (105.30, 9.93), (105.55, 9.99), (105.80, 9.94), (105.95, 9.88), (105.90, 9.70),
    (105.75, 9.60), (105.50, 9.55), (105.30, 9.65),
]  # fmt: skip
SOC_TRANG = [
    (105.75, 9.60), (105.90, 9.70), (105.95, 9.88), (106.15, 9.75), (106.30, 9.55),
    (106.20, 9.30), (105.90, 9.20), (105.60, 9.35), (105.50, 9.55),
]  # fmt: skip
MERGED = (
    ("93", "Khu vực Hậu Giang (cũ)", HAU_GIANG, 730_000),
    ("94", "Khu vực Sóc Trăng (cũ)", SOC_TRANG, 1_200_000),
)
MERGED_TYPE = "Khu vực (giản lược)"


@dataclass(frozen=True)
class ReformCounts:
    day: dt.date
    ended: int
    communes: int
    merged_areas: int
    successions: int
    reports_rerouted: int

    def describe(self) -> str:
        return (
            f"{self.ended} units ended on {self.day.isoformat()}, {self.communes} wards and "
            f"communes and {self.merged_areas} merged areas from then, {self.successions} "
            f"successions, {self.reports_rerouted} reports routed to today's units"
        )


def apply_reform(conn: Connection, seed: int = 2004, day: dt.date = REFORM_DAY) -> ReformCounts:
    """Make the demo city live through the reform (see the module docstring) on ``day`` (tests
    move it into their short history); run after the demo units, readings and reports are
    written."""
    rng = np.random.default_rng(seed + 2025)
    params = {"s": DEMO_SOURCE, "day": day}
    wards = conn.execute(
        text(
            """
            SELECT w.code, w.name, w.population, w.unit_type, d.code AS district,
                   d.unit_type AS district_type, ST_AsBinary(w.geom) AS wkb,
                   ST_X(ST_Centroid(w.geom)) AS x, ST_Y(ST_Centroid(w.geom)) AS y
            FROM admin_unit w JOIN admin_unit d ON d.id = w.parent_id
            WHERE w.source = :s AND w.level = 'ward' AND w.valid_to IS NULL
            ORDER BY w.code
            """
        ),
        params,
    ).all()
    city = conn.execute(
        text(
            "SELECT code, name, unit_type, population, ST_AsBinary(geom) AS wkb FROM admin_unit "
            "WHERE source = :s AND level = 'city' AND valid_to IS NULL"
        ),
        params,
    ).one()
    ended = conn.execute(
        text("UPDATE admin_unit SET valid_to = :day WHERE source = :s AND valid_to IS NULL"),
        params,
    ).rowcount

    # Today's units of the old city's area: neighbouring wards of one district, merged.
    communes: list[dict[str, object]] = []
    for district in sorted({w.district for w in wards}):
        members = [w for w in wards if w.district == district]
        k = max(1, round(len(members) / WARDS_PER_COMMUNE))
        points = np.array([(w.x, w.y) for w in members])
        labels = kmeans(points, k, rng)
        for label in range(k):
            group = [w for w, g in zip(members, labels, strict=True) if g == label]
            if not group:
                continue
            named = max(group, key=lambda w: w.population or 0)
            kind = "Phường" if named.district_type == "Quận" else "Xã"
            communes.append(
                {
                    "name": f"{kind} {named.name}",
                    "unit_type": kind,
                    "population": sum(w.population or 0 for w in group),
                    "geom": as_multipolygon(
                        shapely.union_all([shapely.from_wkb(w.wkb) for w in group])
                    ),
                    "order": (district, min(w.code for w in group)),
                }
            )
    communes.sort(key=lambda c: c["order"])  # type: ignore[arg-type, return-value]

    old_city = shapely.from_wkb(city.wkb)
    merged_geoms, taken = [], old_city
    for _, _, outline, _ in MERGED:
        area = as_multipolygon(shapely.set_precision(Polygon(outline).difference(taken), 1e-7))
        merged_geoms.append(area)
        taken = taken.union(area)
    new_city = as_multipolygon(shapely.set_precision(taken, 1e-7))

    unit = {"valid_from": day, "source": DEMO_SOURCE, "metric_srid": get_settings().metric_srid}
    total = int(city.population or 0) + sum(p for *_, p in MERGED)
    city_id = conn.execute(
        INSERT_UNIT,
        {**unit, "code": city.code, "name": city.name, "name_norm": normalize_name(city.name),
         "unit_type": city.unit_type, "level": "city", "parent_id": None, "population": total,
         "wkb": shapely.to_wkb(new_city)},
    ).scalar_one()  # fmt: skip
    new_ids = [int(city_id)]
    for n, commune in enumerate(communes, start=1):
        new_ids.append(
            conn.execute(
                INSERT_UNIT,
                {**unit, "code": f"31{n:03d}", "name": commune["name"],
                 "name_norm": normalize_name(str(commune["name"])),
                 "unit_type": commune["unit_type"], "level": "ward", "parent_id": city_id,
                 "population": commune["population"], "wkb": shapely.to_wkb(commune["geom"])},
            ).scalar_one()
        )  # fmt: skip
    for (code, name, _, population), geom in zip(MERGED, merged_geoms, strict=True):
        new_ids.append(
            conn.execute(
                INSERT_UNIT,
                {**unit, "code": code, "name": name, "name_norm": normalize_name(name),
                 "unit_type": MERGED_TYPE, "level": "ward", "parent_id": city_id,
                 "population": population, "wkb": shapely.to_wkb(geom)},
            ).scalar_one()
        )  # fmt: skip

    successions = work_out(conn, day)
    # Reports since the reform belong to the smallest unit valid on their day holding them.
    rerouted = conn.execute(
        text(
            """
            UPDATE citizen_report r SET admin_unit_id = (
              SELECT u.id FROM admin_unit u
              WHERE u.geom && r.geom AND ST_Covers(u.geom, r.geom)
                AND u.valid_from <= CAST((r.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date)
                AND (u.valid_to IS NULL
                     OR u.valid_to > CAST((r.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date))
              ORDER BY u.area_km2 LIMIT 1)
            WHERE r.source = :s
              AND CAST((r.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date) >= :day
            """
        ),
        params,
    ).rowcount
    today = today_in_city()
    # Today's fixtures to today's units. Not flood reports: they are citizens' reports, routed
    # by their own day above (one from before the reform stays in its old ward).
    for table in ("sensor", "traffic_incident", "camera"):
        assign_admin_units(conn, table, today, source=DEMO_SOURCE)
    refresh_units(conn, new_ids)
    return ReformCounts(day, ended, len(communes), len(MERGED), len(successions), rerouted)
