"""One hostile data set for every view and export (issue 10, defect 8).

The demo city with two days of readings, then names that hold markup, quotes, a spreadsheet
formula, a right-to-left override, mathtext and 500 characters, brought in as an agency's files
would bring them: through the real importers (boundaries, facilities, sensors), written as files
first. Tests look for these exact strings in every view and export: shown as the characters they
are, never as markup, a formula or a formula's result.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import Engine, text

from geodata.demo.sample import write_sample
from geodata.importing.importers import FeatureOptions, load_features
from geodata.importing.load import BoundaryOptions, load_boundaries
from tests.dbutil import add_flood_report, truncate_all
from tests.geofiles import geojson_file

# The issue's own example: big red "TEST" and a live link over the city, if read as HTML.
MARKUP = (
    '<b style="font-size:40px;color:red">TEST</b><a href="https://example.invalid">Bấm vào đây</a>'
)
# A spreadsheet formula that makes a link (and reads other cells, in other forms).
FORMULA = '=HYPERLINK("https://example.invalid","x")'
# Quotes of both kinds, an ampersand and brackets, and a right-to-left override (U+202E), which
# turns what follows around when a program lets it leak past the name.
QUOTED = 'Phường "Mới" l\'Ô & <An> \u202eĐảo\u202c'
# Matplotlib reads $…$ as mathematics: x with a raised 2, unless told to print text.
MATH = "Xã $x^2$ Đông"
# 500 characters: the length nobody tries until a file holds it.
LONG = ("Phường có tên dài " * 30)[:499] + "."
assert len(LONG) == 500
# Names that start a formula in a spreadsheet, one for each lead character OWASP lists that an
# importer keeps (it strips leading tabs and carriage returns; tests/routes/test_downloads.py
# writes those straight to the CSV writer).
FORMULA_LEADS = (FORMULA, "+84 292 3820 000", "-1+2", "@SUM(1,2)")

# Where they go: Ninh Kiều (916) and Ô Môn (917) among the districts; three wards of Ninh Kiều.
DISTRICT_NAMES = {"916": MARKUP, "917": FORMULA}
WARD_NAMES = {"91601": QUOTED, "91602": MATH, "91603": LONG}
# A river gauge and an air station in Ninh Kiều; the gauge's alert levels lie below the datum.
GAUGE = {"code": "hostile-gauge", "name": MARKUP, "kind": "river_gauge",
         "quantities": "water_level", "alert_1": -0.3, "alert_2": -0.1, "alert_3": 0.2}  # fmt: skip
AIR = {"code": "hostile-air", "name": QUOTED, "kind": "air_station", "quantities": "pm25,pm10"}
GAUGE_AT, AIR_AT = (105.7790, 10.0360), (105.7800, 10.0300)
# A citizen's flood report in Ninh Kiều, in their own words (no importer: written as the app does).
REPORT = FORMULA + " " + MARKUP
# Facilities in Ninh Kiều, one for each hostile name.
FACILITY_NAMES = (MARKUP, QUOTED, MATH, LONG, *FORMULA_LEADS)
FACILITIES_AT = (105.7800, 10.0330)


@dataclass(frozen=True)
class HostileCity:
    """The loaded data set: the database, and the facilities' codes."""

    engine: Engine
    facility_codes: tuple[str, ...]


def _units(engine: Engine, codes: list[str]) -> list[dict[str, Any]]:
    """The units as their rows stand (shape, parent, type, population), to write back renamed."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.code, p.code AS parent, u.unit_type, u.population, "
                "ST_AsGeoJSON(u.geom) AS geom FROM admin_unit u "
                "LEFT JOIN admin_unit p ON p.id = u.parent_id WHERE u.code = ANY(:codes) "
                "AND u.valid_to IS NULL ORDER BY u.code"
            ),
            {"codes": codes},
        ).all()
    return [dict(r._mapping) for r in rows]


def _boundary_file(path: Path, units: list[dict[str, Any]], names: dict[str, str]) -> Path:
    return geojson_file(
        path,
        [
            {"ma": u["code"], "ten": names[u["code"]], "cha": u["parent"], "loai": u["unit_type"],
             "dan_so": u["population"], "geometry": shape(json.loads(u["geom"]))}
            for u in units
        ],
    )  # fmt: skip


def load_hostile_city(engine: Engine, folder: Path) -> HostileCity:
    """The demo city with two days of readings, renamed and extended by the hostile files."""
    truncate_all(engine)
    write_sample(days=2, services=True)
    for level, names in (("district", DISTRICT_NAMES), ("ward", WARD_NAMES)):
        units = _units(engine, list(names))
        assert len(units) == len(names), f"the demo city lacks some of {list(names)}"
        load_boundaries(
            BoundaryOptions(
                path=_boundary_file(folder / f"{level}.geojson", units, names),
                level=level,
                parent_field="cha",
                type_field="loai",
                population_field="dan_so",
                source="demo",
            ),
            progress=False,
        )
    sensors = geojson_file(
        folder / "sensors.geojson",
        [{**GAUGE, "geometry": Point(*GAUGE_AT)}, {**AIR, "geometry": Point(*AIR_AT)}],
    )
    load_features("sensors", FeatureOptions(path=sensors, source="hostile"), progress=False)
    codes = tuple(f"hostile-{n}" for n in range(len(FACILITY_NAMES)))
    facilities = geojson_file(
        folder / "facilities.geojson",
        [
            {"code": code, "name": name, "kind": "hospital", "capacity": 10,
             "geometry": Point(FACILITIES_AT[0] + k * 1e-4, FACILITIES_AT[1])}
            for k, (code, name) in enumerate(zip(codes, FACILITY_NAMES, strict=True))
        ],
    )  # fmt: skip
    load_features("facilities", FeatureOptions(path=facilities, source="hostile"), progress=False)
    add_flood_report(engine, "916", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), REPORT)
    return HostileCity(engine, codes)
