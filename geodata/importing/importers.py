"""Import facilities, roads, sensors, flood zones and population cells from agency files.

``python -m geodata load facilities|roads|sensors|flood-zones|population FILE`` lands here. The
rules are the boundary importer's (:mod:`geodata.importing.load`), and so are the reading and
checking functions (:mod:`geodata.importing.checks`):

- GeoJSON, Shapefile, GeoPackage in whatever CRS they declare (``--crs`` states or overrides it,
  VN-2000 included), or CSV with lon/lat columns or a WKT column (EPSG:4326 unless ``--crs``);
  everything is reprojected to WGS 84 and refused outside ``settings.region_bbox``;
- attributes come from the columns named by ``--field TARGET=COLUMN`` or, failing that, from
  columns whose names are guessed (``name``, ``ten``, …);
- every problem of every feature is collected and reported together (file, feature or row number,
  code, field, reason) in :class:`~geodata.errors.ImportRejected`, and one transaction writes the
  whole file or nothing; ``dry_run`` does the whole import and rolls it back, so its report says
  exactly what a real run would add and update;
- re-importing is an update: rows are keyed by ``code`` (the file's id field, with an optional
  ``--code-prefix``), and a code that already belongs to another source is refused rather than
  taken over. Population cells have no code: an import replaces every cell of its source.

Afterwards the derived data follows: facilities and sensors (and roads) get the admin unit they
lie in, and the coverage rollup is recomputed after facilities or population change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

from domain.clock import CITY_TZ
from geodata.db import transaction
from geodata.errors import ImportRejected
from geodata.importing.checks import (
    check_placement,
    outside_cause,
    read_frame,
    text_value,
    to_wgs84,
    valid_polygons,
)
from geodata.importing.names import normalize_name
from geodata.monitoring.coverage import compute_coverage, today_in_city
from geodata.settings import get_settings

# Sensor kinds the dashboard draws, and what each measures unless the file says otherwise.
SENSOR_KINDS: dict[str, tuple[str, ...]] = {
    "river_gauge": ("water_level",),
    "canal_gauge": ("water_level",),
    "rain_gauge": ("rainfall",),
    "air_station": ("pm25", "pm10", "no2", "o3", "co", "so2"),
    "traffic_detector": ("speed",),
}
# Road classes the traffic layer knows (arterials are drawn at city zoom), with the free-flow
# speed (km/h) assumed when the file has none: the demo city's, typical of Cần Thơ's streets.
ROAD_CLASSES: dict[str, float] = {"arterial": 50.0, "collector": 40.0, "local": 30.0}

# Column names tried, case-insensitively and in order, for the geometry of a CSV.
LON_GUESSES = ("lon", "lng", "long", "longitude", "x", "kinh_do", "kinhdo")
LAT_GUESSES = ("lat", "latitude", "y", "vi_do", "vido")
WKT_GUESSES = ("wkt", "geometry", "geom", "the_geom")
CODE_GUESSES = ("code", "id", "ma", "ma_so", "fid")
NAME_GUESSES = ("name", "ten")

Parser = Callable[[Any], Any]


# --- value parsers: each returns the clean value (None when empty) or raises ValueError ----------


def _as_text(value: Any) -> str | None:
    return text_value(value)


def _as_number(value: Any) -> float | None:
    """A decimal number; "1,85" (a Vietnamese decimal comma) reads as 1.85."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isnan(number):
            return None
    else:
        cleaned = text_value(value)
        if cleaned is None:
            return None
        if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
            cleaned = cleaned.replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            raise ValueError(f"is not a number: {cleaned!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"is not a finite number: {number}")
    return number


def _non_negative(value: Any) -> float | None:
    number = _as_number(value)
    if number is not None and number < 0:
        raise ValueError(f"is negative: {number:g}")
    return number


def _positive(value: Any) -> float | None:
    number = _as_number(value)
    if number is not None and number <= 0:
        raise ValueError(f"must be above 0: {number:g}")
    return number


def _count(value: Any) -> int | None:
    number = _non_negative(value)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"is not a whole number: {number:g}")
    return int(number)


def _timestamp(value: Any) -> dt.datetime | None:
    """A moment; a time without an offset is Cần Thơ time (UTC+7)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError):
        raise ValueError(
            f"is not a date and time: {value!r} (write e.g. 2026-10-15T10:00+07:00)"
        ) from None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(CITY_TZ)
    moment: dt.datetime = stamp.to_pydatetime()
    return moment


_TRUE = {"1", "true", "t", "yes", "y", "co", "có", "x"}
_FALSE = {"0", "false", "f", "no", "n", "khong", "không"}


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    cleaned = text_value(value)
    if cleaned is None:
        return None
    folded = cleaned.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"is not yes/no: {cleaned!r}")


def _code_list(value: Any) -> list[str] | None:
    """Quantity codes separated by commas, semicolons, bars or spaces."""
    cleaned = text_value(value)
    if cleaned is None:
        return None
    for sep in ";| ":
        cleaned = cleaned.replace(sep, ",")
    return [part.strip() for part in cleaned.split(",") if part.strip()]


# --- what each kind of feature holds -------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """One attribute a file can carry: its name (the ``--field`` target) and how to read it."""

    name: str
    parse: Parser
    required: bool = False
    guesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureKind:
    """One ``load`` subcommand: the table, its geometry and attributes."""

    command: str  # "facilities", "roads", …
    table: str
    noun: str  # for messages: "facility", "road segment", …
    geometry: str  # "point", "line", "area" (MultiPolygon) or "cell" (one Polygon)
    attributes: tuple[Attribute, ...]
    has_code: bool = True


_CODE = Attribute("code", _as_text, True, CODE_GUESSES)

KINDS: dict[str, FeatureKind] = {
    kind.command: kind
    for kind in (
        FeatureKind(
            "facilities",
            "facility",
            "facility",
            "point",
            (
                _CODE,
                Attribute("name", _as_text, True, (*NAME_GUESSES, "ten_cs", "ten_co_so")),
                Attribute("kind", _as_text, True, ("kind", "loai", "type", "loai_hinh")),
                Attribute("capacity", _count, False, ("capacity", "quy_mo", "cong_suat")),
            ),
        ),
        FeatureKind(
            "roads",
            "road_segment",
            "road segment",
            "line",
            (
                _CODE,
                Attribute("name", _as_text, False, (*NAME_GUESSES, "ten_duong")),
                Attribute("road_class", _as_text, True, ("road_class", "class", "cap", "loai")),
                Attribute(
                    "free_flow_kmh", _positive, False, ("free_flow_kmh", "speed", "maxspeed")
                ),
            ),
        ),
        FeatureKind(
            "sensors",
            "sensor",
            "sensor",
            "point",
            (
                _CODE,
                Attribute("name", _as_text, True, (*NAME_GUESSES, "ten_tram")),
                Attribute("kind", _as_text, True, ("kind", "loai", "type")),
                Attribute("quantities", _code_list, False, ("quantities", "quantity")),
                Attribute("alert_1", _as_number, False, ("alert_1", "bd1", "bao_dong_1")),
                Attribute("alert_2", _as_number, False, ("alert_2", "bd2", "bao_dong_2")),
                Attribute("alert_3", _as_number, False, ("alert_3", "bd3", "bao_dong_3")),
                Attribute("road_segment", _as_text, False, ("road_segment", "road_code")),
                Attribute("active", _boolean, False, ("active",)),
            ),
        ),
        FeatureKind(
            "flood-zones",
            "inundation_area",
            "flood zone",
            "area",
            (
                _CODE,
                Attribute("depth_m", _non_negative, True, ("depth_m", "depth", "do_sau")),
                Attribute("started_at", _timestamp, True, ("started_at", "start", "bat_dau")),
                Attribute("ended_at", _timestamp, False, ("ended_at", "end", "ket_thuc")),
            ),
        ),
        FeatureKind(
            "population",
            "population_cell",
            "population cell",
            "cell",
            (Attribute("population", _non_negative, True, ("population", "pop", "dan_so")),),
            has_code=False,
        ),
    )
}


@dataclass(frozen=True)
class FeatureOptions:
    """What to import and how; mirrors the options of ``python -m geodata load KIND``."""

    path: str | Path
    fields: Mapping[str, str] = field(default_factory=dict)  # attribute → column in the file
    crs: str | None = None  # EPSG code, WKT or PROJ string; overrides what the file declares
    layer: str | None = None
    source: str | None = None  # default: the file name
    code_prefix: str = ""  # prepended to every code, to keep one agency's ids apart from another's
    strict: bool = False  # refuse invalid polygons instead of repairing them
    dry_run: bool = False
    # Sensors: one given outside every admin unit (a river gauge just off the bank) is placed
    # on the nearest unit's edge when at most this many metres away; None: only reported.
    snap_within_m: float | None = None


@dataclass
class FeatureSummary:
    """What an import did (or, in a dry run, would do)."""

    command: str
    noun: str
    path: str
    source: str
    dry_run: bool
    features: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # population cells of the source replaced
    repairs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # sensors outside every admin unit
    coverage_rows: int | None = None

    def describe(self) -> str:
        """A readable multi-line report in English."""
        if self.dry_run:
            head = (
                f"Dry run: {self.features} {self.noun}(s) in {self.path} are valid "
                f"(source {self.source!r}); nothing was written. An import would give:"
            )
        else:
            head = (
                f"Loaded {self.features} {self.noun}(s) from {self.path} (source {self.source!r}):"
            )
        lines = [head, f"  added:     {self.added}"]
        if self.command == "population":
            lines.append(f"  replaced:  {self.removed} cell(s) of the source")
        else:
            lines += [f"  updated:   {self.updated}", f"  unchanged: {self.unchanged}"]
        lines.append(f"  repaired:  {len(self.repairs)}")
        lines += [f"    - {repair}" for repair in self.repairs]
        if self.outside:
            lines.append(f"  outside every admin unit: {len(self.outside)}")
            lines += [f"    - {note}" for note in self.outside]
        if self.coverage_rows is not None:
            lines.append(f"  coverage:  recomputed ({self.coverage_rows} unit/kind rows)")
        return "\n".join(lines)


@dataclass
class _Feature:
    """One feature that passed the checks, ready to be written."""

    number: int
    where: str
    values: dict[str, Any]
    geom: BaseGeometry


def load_features(
    command: str,
    options: FeatureOptions,
    *,
    progress: bool = False,
    engine: Engine | None = None,
) -> FeatureSummary:
    """Import one file of ``command``'s kind ("facilities", "roads", …), all or nothing."""
    kind = KINDS[command]
    path = Path(options.path)
    label = str(path)
    frame, geometry_problems, is_csv = _read(path, options, kind)
    columns = _resolve_columns(label, frame, options.fields, kind, is_csv)
    summary = FeatureSummary(
        command=command,
        noun=kind.noun,
        path=label,
        source=options.source or path.name,
        dry_run=options.dry_run,
        features=len(frame),
    )
    problems: list[str] = []
    features = _check(
        frame, columns, kind, options, geometry_problems, is_csv, summary, problems, progress
    )
    if problems:
        raise ImportRejected(label, problems)

    with transaction(engine, dry_run=options.dry_run) as conn:
        try:
            _WRITERS[command](conn, features, kind, summary, problems)
            if problems:
                raise ImportRejected(label, problems)
            if kind.table == "sensor":
                _sensors_outside_units(conn, features, options.snap_within_m, summary)
            if not options.dry_run:
                _follow_up(conn, kind, [f.values.get("code") for f in features], summary)
        except IntegrityError as exc:
            raise ImportRejected(label, [_refusal(exc)]) from exc
    return summary


def _refusal(exc: IntegrityError) -> str:
    reason = f"{exc.orig}".strip().splitlines()[0]
    if detail := getattr(getattr(exc.orig, "diag", None), "message_detail", None):
        reason += f": {detail}"
    return f"the database refused the features: {reason}"


# --- reading -------------------------------------------------------------------------------------


def _read(
    path: Path, options: FeatureOptions, kind: FeatureKind
) -> tuple[gpd.GeoDataFrame, dict[int, str], bool]:
    """The features (geometry in the file's CRS), geometry problems by row index, is-CSV."""
    if path.suffix.lower() in (".csv", ".txt"):
        frame, problems = _read_csv(path, options)
        return frame, problems, True
    # The boundary importer's reader: layers, broken JSON, a missing .prj, --crs overrides.
    return read_frame(path, options.crs, options.layer), {}, False


def _read_csv(path: Path, options: FeatureOptions) -> tuple[gpd.GeoDataFrame, dict[int, str]]:
    """A CSV's rows with a geometry from lon/lat columns or a WKT column."""
    label = str(path)
    if not path.exists():
        raise ImportRejected(label, ["file not found"])
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python"
        )
    except UnicodeDecodeError as exc:
        raise ImportRejected(label, [f"not UTF-8 text (byte {exc.start})"]) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ImportRejected(label, [f"cannot read the CSV: {exc}"]) from exc
    if len(table) == 0:
        raise ImportRejected(label, ["the file holds no rows"])
    columns = [str(c) for c in table.columns]
    by_folded = {c.casefold(): c for c in reversed(columns)}
    shown = ", ".join(columns)

    def column(target: str, guesses: Sequence[str]) -> str | None:
        wanted = options.fields.get(target)
        if wanted is not None:
            found = wanted if wanted in columns else by_folded.get(wanted.casefold())
            if found is None:
                raise ImportRejected(
                    label, [f"field {wanted!r} (--field {target}=…) is not in the file; "
                            f"fields: {shown}"]
                )  # fmt: skip
            return found
        return next((by_folded[g] for g in guesses if g in by_folded), None)

    wkt = column("wkt", WKT_GUESSES) if "wkt" in options.fields else None
    lon, lat = (None, None) if wkt else (column("lon", LON_GUESSES), column("lat", LAT_GUESSES))
    if wkt is None and (lon is None or lat is None):
        wkt = column("wkt", WKT_GUESSES)
        if wkt is None:
            raise ImportRejected(
                label,
                [
                    f"no geometry columns: found no lon/lat pair (tried {', '.join(LON_GUESSES)} "
                    f"and {', '.join(LAT_GUESSES)}) and no WKT column (tried "
                    f"{', '.join(WKT_GUESSES)}); fields: {shown}; pass --field lon=… --field "
                    "lat=… or --field wkt=…"
                ],
            )
    problems: dict[int, str] = {}
    geoms: list[BaseGeometry | None] = []
    for i in range(len(table)):
        try:
            if wkt is not None:
                cell = text_value(table.at[i, wkt])
                if cell is None:
                    raise ValueError(f"field {wkt!r} (geometry) is empty")
                try:
                    geoms.append(shapely.from_wkt(cell))
                except shapely.errors.GEOSException as exc:
                    raise ValueError(f"field {wkt!r} is not WKT: {exc}") from None
            else:
                assert lon is not None and lat is not None
                x, y = _as_number(table.at[i, lon]), _as_number(table.at[i, lat])
                if x is None or y is None:
                    raise ValueError(f"field {lon if x is None else lat!r} (coordinate) is empty")
                geoms.append(Point(x, y))
        except ValueError as exc:
            reason = str(exc)
            if not reason.startswith("field"):
                reason = f"field {lon!r}/{lat!r} (coordinates): {reason}"
            problems[i] = reason
            geoms.append(None)
    crs: Any = 4326
    if options.crs:
        try:
            crs = pyproj.CRS.from_user_input(options.crs)
        except pyproj.exceptions.CRSError as exc:
            raise ImportRejected(label, [f"--crs {options.crs!r} is not a CRS: {exc}"]) from exc
    geometry = gpd.GeoSeries(geoms, crs=crs)
    return gpd.GeoDataFrame(table, geometry=geometry), problems


def _resolve_columns(
    label: str,
    frame: gpd.GeoDataFrame,
    mapping: Mapping[str, str],
    kind: FeatureKind,
    is_csv: bool,
) -> dict[str, str | None]:
    """Attribute → the file's column holding it (None: absent); every problem reported at once."""
    names = {a.name for a in kind.attributes}
    geometry_targets = {"lon", "lat", "wkt"} if is_csv else set()
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    by_folded = {c.casefold(): c for c in reversed(columns)}
    shown = ", ".join(columns) or "(none)"
    problems = [
        f"--field {target}=…: {kind.command} have no attribute {target!r}; "
        f"attributes: {', '.join(sorted(names | geometry_targets))}"
        for target in mapping
        if target not in names | geometry_targets
    ]
    resolved: dict[str, str | None] = {}
    for attribute in kind.attributes:
        wanted = mapping.get(attribute.name)
        if wanted is not None:
            found = wanted if wanted in columns else by_folded.get(wanted.casefold())
            if found is None:
                problems.append(
                    f"field {wanted!r} (--field {attribute.name}=…) is not in the file; "
                    f"fields: {shown}"
                )
            resolved[attribute.name] = found
            continue
        guess = next((by_folded[g] for g in attribute.guesses if g in by_folded), None)
        if guess is None and attribute.required:
            problems.append(
                f"no {attribute.name} field found (tried {', '.join(attribute.guesses)}); "
                f"fields: {shown}; pass --field {attribute.name}=COLUMN"
            )
        resolved[attribute.name] = guess
    if problems:
        raise ImportRejected(label, problems)
    return resolved


# --- checking ------------------------------------------------------------------------------------


def _check(
    frame: gpd.GeoDataFrame,
    columns: dict[str, str | None],
    kind: FeatureKind,
    options: FeatureOptions,
    geometry_problems: dict[int, str],
    is_csv: bool,
    summary: FeatureSummary,
    problems: list[str],
    progress: bool,
) -> list[_Feature]:
    """Check every feature, collecting every problem; the features that passed, in lon/lat."""
    bbox = get_settings().region_bbox
    raw = frame.geometry.reset_index(drop=True)
    wgs84 = to_wgs84(raw, summary.path)
    values_by_attribute = {
        a.name: frame[columns[a.name]].tolist() if columns[a.name] else [None] * len(frame)
        for a in kind.attributes
    }
    word = "row" if is_csv else "feature"
    features: list[_Feature] = []
    numbers_by_code: dict[str, list[int]] = {}
    outside: list[int] = []
    bar = tqdm(
        range(len(frame)),
        desc=Path(summary.path).name,
        unit=word,
        file=sys.stderr,
        disable=None if progress else True,  # None: only on a terminal
    )
    for i in bar:
        number = i + 1
        code = text_value(values_by_attribute["code"][i]) if kind.has_code else None
        if code is not None:
            code = options.code_prefix + code
            numbers_by_code.setdefault(code, []).append(number)
        where = f"{word} {number}" + (f" (code {code!r})" if code is not None else "")
        before = len(problems)
        values: dict[str, Any] = {}
        for attribute in kind.attributes:
            column = columns[attribute.name]
            try:
                value = attribute.parse(values_by_attribute[attribute.name][i])
            except ValueError as exc:
                problems.append(f"{where}: field {column!r} ({attribute.name}) {exc}")
                continue
            if value is None and attribute.required:
                problems.append(f"{where}: field {column!r} ({attribute.name}) is empty")
            values[attribute.name] = value
        if kind.has_code:
            values["code"] = code
        _check_values(kind, where, values, columns, problems)

        geom: BaseGeometry | None = None
        if i in geometry_problems:
            problems.append(f"{where}: {geometry_problems[i]}")
        elif (placed := check_placement(where, raw[i], wgs84[i], bbox, problems)) == "outside":
            outside.append(i)
        elif placed == "ok":
            geom = _shape(
                kind, where, shapely.force_2d(wgs84[i]), options.strict, summary, problems
            )
        if geom is not None and len(problems) == before:
            features.append(_Feature(number, where, values, geom))

    for code, numbers in numbers_by_code.items():
        if len(numbers) > 1:
            listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
            problems.append(
                f"{word}s {listed} (code {code!r}): duplicate code; a code may appear only once"
            )
    if outside:
        problems.insert(0, outside_cause(raw.crs, raw.iloc[outside], len(outside), len(frame)))
    return features


def _check_values(
    kind: FeatureKind,
    where: str,
    values: dict[str, Any],
    columns: Mapping[str, str | None],
    problems: list[str],
) -> None:
    """Checks across fields, and values that must come from a list."""
    if kind.command == "roads" and values.get("road_class") is not None:
        road_class = str(values["road_class"]).casefold()
        if road_class not in ROAD_CLASSES:
            problems.append(
                f"{where}: field {columns['road_class']!r} (road_class) {values['road_class']!r} "
                f"is not one of {', '.join(ROAD_CLASSES)}"
            )
        else:
            values["road_class"] = road_class
            if values.get("free_flow_kmh") is None:
                values["free_flow_kmh"] = ROAD_CLASSES[road_class]
    elif kind.command == "sensors":
        sensor_kind = values.get("kind")
        if sensor_kind is not None and sensor_kind not in SENSOR_KINDS:
            problems.append(
                f"{where}: field {columns['kind']!r} (kind) {sensor_kind!r} is not one of "
                f"{', '.join(SENSOR_KINDS)}"
            )
        elif sensor_kind is not None and not values.get("quantities"):
            values["quantities"] = list(SENSOR_KINDS[sensor_kind])
        alerts = [(n, values.get(f"alert_{n}")) for n in (1, 2, 3)]
        given = [(n, v) for n, v in alerts if v is not None]
        for (n1, v1), (n2, v2) in itertools.pairwise(given):
            if v1 > v2:
                problems.append(
                    f"{where}: alert level {n1} ({v1:g}) is above alert level {n2} ({v2:g}); "
                    "levels I ≤ II ≤ III"
                )
        if values.get("active") is None:
            values["active"] = True
    elif kind.command == "flood-zones":
        start, end = values.get("started_at"), values.get("ended_at")
        if start is not None and end is not None and end <= start:
            problems.append(
                f"{where}: field {columns['ended_at']!r} (ended_at) {end.isoformat()} is not "
                f"after started_at {start.isoformat()}"
            )


def _shape(
    kind: FeatureKind,
    where: str,
    geom: BaseGeometry,
    strict: bool,
    summary: FeatureSummary,
    problems: list[str],
) -> BaseGeometry | None:
    """The geometry in the form the table stores; None after a problem."""
    if kind.geometry == "point":
        if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if not isinstance(geom, Point):
            problems.append(f"{where}: geometry is a {geom.geom_type}, not a point")
            return None
        return geom
    if kind.geometry == "line":
        if geom.geom_type == "MultiLineString":
            geom = shapely.line_merge(geom)
        if not isinstance(geom, LineString):
            problems.append(
                f"{where}: geometry is a {geom.geom_type} (of parts that do not join), "
                "not one line; split it into segments"
            )
            return None
        if geom.length == 0:
            problems.append(f"{where}: the line has no length")
            return None
        return geom
    # The boundary importer's rule: repaired and reported, or refused with --strict.
    polygons = valid_polygons(where, geom, strict, summary.repairs, problems)
    if polygons is None:
        return None
    if kind.geometry == "area":
        return polygons
    if len(polygons.geoms) != 1:
        problems.append(
            f"{where}: a population cell must be one polygon, this one has "
            f"{len(polygons.geoms)} parts"
        )
        return None
    cell: Polygon = polygons.geoms[0]
    return cell


# --- writing -------------------------------------------------------------------------------------

Writer = Callable[[Connection, list[_Feature], FeatureKind, FeatureSummary, list[str]], None]


def _claimed_elsewhere(
    conn: Connection, kind: FeatureKind, features: list[_Feature], source: str
) -> list[str]:
    """Problems for codes that another source's rows already hold (a clash, not an update)."""
    by_code = {f.values["code"]: f for f in features}
    rows = conn.execute(
        text(
            f"SELECT code, source FROM {kind.table} "  # table from KINDS, never user input
            "WHERE code = ANY(:codes) AND source <> :source ORDER BY code"
        ),
        {"codes": list(by_code), "source": source},
    ).all()
    return [
        f"{by_code[code].where}: code {code!r} already belongs to source {other!r}; "
        "use --code-prefix to keep this source's codes apart (or --source to update that one)"
        for code, other in rows
    ]


def _upsert(
    conn: Connection,
    kind: FeatureKind,
    features: list[_Feature],
    summary: FeatureSummary,
    problems: list[str],
    columns: dict[str, str],
    geometry_sql: str,
) -> None:
    """Insert or update rows by code in one statement; counts into ``summary``.

    ``columns`` maps each column to its SQL array type; names and types come from this module.
    """
    problems += _claimed_elsewhere(conn, kind, features, summary.source)
    if problems or not features:
        return
    arrays: dict[str, list[Any]] = {c: [f.values.get(c) for f in features] for c in columns}
    arrays["wkb"] = [f.geom.wkb for f in features]
    names = list(columns)
    unnest = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in columns.items())
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM excluded.{c}" for c in [*names, "geom"])
    sets = ", ".join(f"{c} = excluded.{c}" for c in [*names, "geom", "source"])
    extra_columns, extra_values = ("", "")
    if kind.table == "road_segment":
        extra_columns, extra_values = (", length_m", ", ST_Length(g::geography)")
    rows = conn.execute(
        text(
            f"""
            INSERT INTO {kind.table} AS t ({", ".join(names)}, source, geom{extra_columns})
            SELECT {", ".join(f"p.{c}" for c in names)}, :source, g{extra_values}
            FROM unnest({unnest}, CAST(:wkb AS bytea[])) AS p({", ".join(names)}, wkb)
            CROSS JOIN LATERAL (SELECT {geometry_sql} AS g) AS geom_of_p
            WHERE true  -- ends the FROM list: "ON CONFLICT" is not read as a join condition
            ON CONFLICT (code) DO UPDATE SET {sets}
                {", length_m = excluded.length_m" if extra_columns else ""}
            WHERE {changed}
            RETURNING (xmax = 0) AS inserted
            """
        ),
        {**arrays, "source": summary.source},
    ).all()
    summary.added = sum(1 for (inserted,) in rows if inserted)
    summary.updated = len(rows) - summary.added
    summary.unchanged = len(features) - len(rows)


_POINT = "ST_SetSRID(ST_GeomFromWKB(p.wkb), 4326)"


def _plain_writer(columns: dict[str, str], geometry_sql: str) -> Writer:
    """A writer that upserts the mapped columns as they are (no lookups of its own)."""

    def write(
        conn: Connection,
        features: list[_Feature],
        kind: FeatureKind,
        summary: FeatureSummary,
        problems: list[str],
    ) -> None:
        _upsert(conn, kind, features, summary, problems, columns, geometry_sql)

    return write


def _write_facilities(
    conn: Connection,
    features: list[_Feature],
    kind: FeatureKind,
    summary: FeatureSummary,
    problems: list[str],
) -> None:
    # A kind may be given by its code or its Vietnamese or English name, as agencies write it.
    known: dict[str, str] = {}
    for code, name_vi, name_en in conn.execute(
        text("SELECT code, name_vi, name_en FROM facility_kind ORDER BY code")
    ):
        for label in (name_en, name_vi, code):
            known[_kind_key(label)] = code
    for f in features:
        found = known.get(_kind_key(f.values["kind"]))
        if found is None:
            problems.append(
                f"{f.where}: kind {f.values['kind']!r} is not a facility kind; known kinds: "
                f"{', '.join(sorted(set(known.values())))}"
            )
        f.values["kind"] = found
    if problems:
        return
    _upsert(
        conn,
        kind,
        features,
        summary,
        problems,
        {"code": "text", "name": "text", "kind": "text", "capacity": "int"},
        _POINT,
    )


def _write_sensors(
    conn: Connection,
    features: list[_Feature],
    kind: FeatureKind,
    summary: FeatureSummary,
    problems: list[str],
) -> None:
    quantities: dict[str, int] = {
        code: id_ for code, id_ in conn.execute(text("SELECT code, id FROM quantity"))
    }
    wanted_roads = {f.values["road_segment"] for f in features if f.values.get("road_segment")}
    roads: dict[str, int] = {
        code: id_
        for code, id_ in conn.execute(
            text("SELECT code, id FROM road_segment WHERE code = ANY(:codes)"),
            {"codes": sorted(wanted_roads)},
        )
    }
    for f in features:
        unknown = [q for q in f.values["quantities"] if q not in quantities]
        if unknown:
            problems.append(
                f"{f.where}: unknown quantity {', '.join(map(repr, unknown))}; known: "
                f"{', '.join(sorted(quantities))}"
            )
        road = f.values.get("road_segment")
        if road is not None and road not in roads:
            problems.append(f"{f.where}: road segment {road!r} is not in the database")
        f.values["road_segment_id"] = roads.get(road) if road else None
    if problems:
        return
    _upsert(
        conn,
        kind,
        features,
        summary,
        problems,
        {
            "code": "text",
            "name": "text",
            "kind": "text",
            "alert_1": "float8",
            "alert_2": "float8",
            "alert_3": "float8",
            "road_segment_id": "bigint",
            "active": "boolean",
        },
        _POINT,
    )
    if problems:
        return
    # What each sensor measures is the file's word: the set is replaced, not merged.
    pairs = [(f.values["code"], quantities[q]) for f in features for q in f.values["quantities"]]
    codes = [f.values["code"] for f in features]
    conn.execute(
        text(
            "DELETE FROM sensor_quantity WHERE sensor_id IN "
            "(SELECT id FROM sensor WHERE code = ANY(:codes))"
        ),
        {"codes": codes},
    )
    conn.execute(
        text(
            """
            INSERT INTO sensor_quantity (sensor_id, quantity_id)
            SELECT DISTINCT s.id, p.quantity_id
            FROM unnest(CAST(:codes AS text[]), CAST(:quantity_ids AS smallint[]))
                 AS p(code, quantity_id)
            JOIN sensor s ON s.code = p.code
            """
        ),
        {"codes": [c for c, _ in pairs], "quantity_ids": [q for _, q in pairs]},
    )


def _write_population(
    conn: Connection,
    features: list[_Feature],
    kind: FeatureKind,
    summary: FeatureSummary,
    problems: list[str],
) -> None:
    # Cells have no stable id: the file is the source's whole grid, so it replaces the old one.
    summary.removed = conn.execute(
        text("DELETE FROM population_cell WHERE source = :source"), {"source": summary.source}
    ).rowcount
    conn.execute(
        text(
            """
            INSERT INTO population_cell (source, geom, population)
            SELECT :source, ST_SetSRID(ST_GeomFromWKB(g), 4326), p
            FROM unnest(CAST(:wkb AS bytea[]), CAST(:pop AS real[])) AS t(g, p)
            """
        ),
        {
            "source": summary.source,
            "wkb": [f.geom.wkb for f in features],
            "pop": [f.values["population"] for f in features],
        },
    )
    summary.added = len(features)


def _kind_key(label: str) -> str:
    """'Trạm y tế', 'trạm y tế', 'Health station' and 'health_station' compare equal."""
    return normalize_name(label.replace("_", " "))


_WRITERS: dict[str, Writer] = {
    "facilities": _write_facilities,
    "roads": _plain_writer(
        {"code": "text", "name": "text", "road_class": "text", "free_flow_kmh": "real"},
        "ST_SetSRID(ST_GeomFromWKB(p.wkb), 4326)",
    ),
    "sensors": _write_sensors,
    "flood-zones": _plain_writer(
        {"code": "text", "depth_m": "real", "started_at": "timestamptz", "ended_at": "timestamptz"},
        "ST_Multi(ST_SetSRID(ST_GeomFromWKB(p.wkb), 4326))",
    ),
    "population": _write_population,
}


# A sensor's unit is the unit covering it: a sensor outside every unit (valid today) counts in
# no unit's indicators and shows on no unit's map, not even the city's. Each is reported with
# the nearest unit (the smallest, where a ward and its district are equally near) and the
# distance in metres; with a snap distance, one close enough is placed just inside that unit's
# edge (about a metre in: the exact closest point on the edge can test as outside).
_OUTSIDE_UNITS = """
    SELECT s.code, near.id, near.name, near.level, near.metres
    FROM sensor s
    CROSS JOIN LATERAL (
        SELECT u.id, u.name, u.level, ST_Distance(u.geom::geography, s.geom::geography) AS metres
        FROM admin_unit u
        WHERE u.valid_from <= :today AND (u.valid_to IS NULL OR u.valid_to > :today)
        ORDER BY metres, u.area_km2 LIMIT 1
    ) near
    WHERE s.code = ANY(:codes) AND NOT EXISTS (
        SELECT 1 FROM admin_unit u
        WHERE u.geom && s.geom AND ST_Covers(u.geom, s.geom)
          AND u.valid_from <= :today AND (u.valid_to IS NULL OR u.valid_to > :today))
"""


def _sensors_outside_units(
    conn: Connection, features: list[_Feature], snap_within_m: float | None, summary: FeatureSummary
) -> None:
    """Report the imported sensors that lie outside every admin unit; snap the near ones."""
    where = {f.values["code"]: f.where for f in features}
    lost = conn.execute(
        text(_OUTSIDE_UNITS), {"codes": list(where), "today": today_in_city()}
    ).all()
    for code, unit_id, unit, level, metres in lost:
        if snap_within_m is not None and metres <= snap_within_m:
            conn.execute(
                text(
                    """
                    UPDATE sensor s SET geom = coalesce(
                        ST_ClosestPoint(ST_Buffer(u.geom, -0.00001), s.geom),
                        ST_PointOnSurface(u.geom))  -- a unit too thin for the buffer
                    FROM admin_unit u WHERE s.code = :code AND u.id = :unit
                    """
                ),
                {"code": code, "unit": unit_id},
            )
            summary.outside.append(
                f"{where[code]}: {metres:,.0f} m outside {unit} ({level}); "
                f"placed just inside its edge (--snap-within {snap_within_m:g})"
            )
        else:
            summary.outside.append(
                f"{where[code]}: {metres:,.0f} m outside the nearest unit, "
                f"{unit} ({level}); it counts in no unit's indicators and shows on no unit's "
                f"map. Correct its position, or pass --snap-within {math.ceil(metres)} to "
                "place it just inside that unit"
            )


def _follow_up(
    conn: Connection, kind: FeatureKind, codes: Iterable[str | None], summary: FeatureSummary
) -> None:
    """Keep derived data current: admin units of the new rows, the coverage rollup."""
    today = today_in_city()
    if kind.table in ("facility", "sensor", "road_segment"):
        assign_admin_units(conn, kind.table, today, codes=[c for c in codes if c is not None])
    if kind.table in ("facility", "population_cell"):
        summary.coverage_rows = compute_coverage(conn, today)


def assign_admin_units(
    conn: Connection,
    table: str,
    on_date: dt.date,
    *,
    codes: list[str] | None = None,
    source: str | None = None,
) -> None:
    """Set ``admin_unit_id`` of the rows with the given ``codes`` (or else of every row from
    ``source``) to the smallest unit valid at the date holding them (a road by its midpoint).
    The importers and the demo data both place their features this way; ``table`` is a name from
    our code (facility, sensor, road_segment, a demo table), never from a file."""
    if (codes is None) == (source is None):
        raise ValueError("assign_admin_units: pass codes or source, not both")
    point = "ST_LineInterpolatePoint(t.geom, 0.5)" if table == "road_segment" else "t.geom"
    rows = "t.code = ANY(:codes)" if codes is not None else "t.source = :source"
    conn.execute(
        text(
            f"""
            UPDATE {table} t SET admin_unit_id = (
                SELECT u.id FROM admin_unit u
                WHERE u.geom && {point} AND ST_Covers(u.geom, {point}) AND u.valid_from <= :d
                  AND (u.valid_to IS NULL OR u.valid_to > :d)
                ORDER BY u.area_km2 LIMIT 1)
            WHERE {rows}
            """
        ),
        {"d": on_date, "codes": codes, "source": source},
    )
