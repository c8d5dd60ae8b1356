"""Import admin-unit boundaries from agency files (GeoJSON, Shapefile, GeoPackage) into PostGIS.

``python -m geodata load boundaries FILE --level LEVEL`` lands here. The importer

- reads the file with pyogrio in whatever CRS it declares (``--crs`` states or overrides it),
  VN-2000 included, and reprojects to WGS 84 (EPSG:4326);
- refuses coordinates outside ``settings.region_bbox``, naming the likely CRS mistake;
- repairs invalid geometries with ``shapely.make_valid`` and reports each repair (``--strict``
  refuses them instead), and stores every unit as one MULTIPOLYGON;
- finds each unit's parent by code, then by normalised name, then by largest overlap in PostGIS;
- is all or nothing: every problem in the file is collected and reported together
  (:class:`~geodata.errors.ImportRejected`), and all writes happen in one transaction.

Validity periods. Without ``valid_from`` the file updates the current units of its level in place
("replaced": same row and id, so children keep pointing at them), and codes that are new get
``valid_from`` = today; current units missing from the file are left as they are. With
``valid_from`` = D the file is a new edition of the level from D: every current unit of the level
that started before D is ended (``valid_to`` = D, never deleted) and the file's units are inserted
from D. A current unit that already starts on D is replaced in place, so re-running the same
import is harmless.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

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
from geodata.importing.names import normalize_name, unit_type_from_name
from geodata.monitoring.readings import refresh_units
from geodata.settings import get_settings
from geodata.units.succession import Succession, work_out

# Field names tried, case-insensitively and in this order, when no field is named on the command
# line. Vietnamese agency files usually write "ma"/"ten" (mã, tên) with or without "_dvhc".
CODE_FIELD_GUESSES = ("code", "ma", "ma_dvhc", "madvhc", "id")
NAME_FIELD_GUESSES = ("name", "ten", "ten_dvhc", "tendvhc")

# The level that holds the parents of a level, when the database does not tell us yet.
DEFAULT_PARENT_LEVEL = {"district": "city", "ward": "district"}
# Levels at the top of the hierarchy; ``--parent-level none`` makes any level one.
TOP_LEVELS = frozenset({"city"})
NO_PARENT = "none"

# SQL fragments (no values in them): the feature's geometry as stored, and its area in km²
# measured in the metric CRS, so areas come from PostGIS and never from degrees.
_GEOM_SQL = "ST_Multi(ST_GeomFromWKB(:wkb, 4326))"
_AREA_SQL = f"ST_Area(ST_Transform({_GEOM_SQL}, :metric_srid)) / 1e6"
_VALID_AT_SQL = "valid_from <= :day AND (valid_to IS NULL OR valid_to > :day)"


@dataclass(frozen=True)
class BoundaryOptions:
    """What to import and how; mirrors the options of ``python -m geodata load boundaries``."""

    path: str | Path
    level: str
    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None  # holds the parent's code or name
    parent_level: str | None = None  # "none" = the units have no parent
    type_field: str | None = None
    population_field: str | None = None
    crs: str | None = None  # EPSG code, WKT or PROJ string; overrides what the file declares
    valid_from: str | dt.date | None = None  # "YYYY-MM-DD"
    source: str | None = None  # default: the file name
    layer: str | None = None
    strict: bool = False


@dataclass
class LoadSummary:
    """What an import did, for the command line and for tests."""

    path: str
    level: str
    source: str
    valid_from: dt.date
    parent_level: str | None = None
    features: int = 0
    added: int = 0
    replaced: int = 0
    ended: int = 0
    repairs: list[str] = field(default_factory=list)
    parents_by_code: int = 0
    parents_by_name: int = 0
    parents_by_overlap: int = 0
    successions: list[Succession] = field(default_factory=list)

    @property
    def repaired(self) -> int:
        """How many geometries were invalid in the file and repaired."""
        return len(self.repairs)

    def describe(self) -> str:
        """A readable multi-line report in English."""
        lines = [
            f"Loaded {self.features} {self.level} unit(s) from {self.path} "
            f"(source {self.source!r}, valid from {self.valid_from.isoformat()}):",
            f"  added:    {self.added}",
            f"  replaced: {self.replaced}",
            f"  ended:    {self.ended}",
            f"  repaired: {self.repaired}",
        ]
        lines += [f"    - {repair}" for repair in self.repairs]
        if self.ended:
            pairs = len(self.successions)
            olds = len({s.old_code for s in self.successions})
            lines.append(
                f"  successions: {pairs} (for {olds} ended unit(s), by overlap; "
                f"python -m geodata units succession --on {self.valid_from.isoformat()})"
            )
        if self.parent_level is None:
            lines.append("  parents:  none (top level)")
        else:
            lines.append(
                f"  parents ({self.parent_level}): {self.parents_by_code} by code, "
                f"{self.parents_by_name} by name, {self.parents_by_overlap} by overlap"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class _Fields:
    """The file's columns that hold each attribute (None: not in the file)."""

    code: str
    name: str
    parent: str | None
    unit_type: str | None
    population: str | None


@dataclass
class _Unit:
    """One feature that passed the checks, ready to be written."""

    number: int  # 1-based position in the file
    code: str
    name: str
    unit_type: str | None
    population: int | None
    parent_ref: str | None
    geom: MultiPolygon
    parent_id: int | None = None

    @property
    def where(self) -> str:
        """How problem messages name this feature."""
        return _where(self.number, self.code)


def load_boundaries(
    options: BoundaryOptions, *, progress: bool = False, engine: Engine | None = None
) -> LoadSummary:
    """Import the units of one level from a file, all or nothing; see the module docstring."""
    path = Path(options.path)
    label = str(path)
    level = options.level.strip()
    valid_from = _parse_date(label, options.valid_from)
    frame = read_frame(path, options.crs, options.layer)
    fields = _resolve_fields(label, frame, options)

    summary = LoadSummary(
        path=label,
        level=level,
        source=options.source or path.name,
        valid_from=valid_from or dt.date.today(),
        features=len(frame),
    )
    problems: list[str] = []
    units = _check_features(frame, fields, options.strict, summary, problems, progress)

    with transaction(engine) as conn:
        parent_level = _parent_level(conn, level, options.parent_level, problems)
        summary.parent_level = parent_level
        if parent_level is not None:
            _assign_parents(conn, units, parent_level, summary, problems)
        problems += _check_set(conn, units, level, valid_from or summary.valid_from, valid_from)
        if problems:
            raise ImportRejected(label, problems)
        try:
            _write_units(conn, units, level, valid_from, summary)
        except IntegrityError as exc:
            raise ImportRejected(label, [_database_refusal(exc)]) from exc
        if valid_from is not None:
            summary.successions = work_out(conn, valid_from)
        _refresh_touched(conn, units, level, summary.valid_from)
    return summary


def _refresh_touched(conn: Connection, units: list[_Unit], level: str, day: dt.date) -> None:
    """The rollups of the units just written, and of nothing else."""
    ids = list(
        conn.scalars(
            text(
                f"SELECT id FROM admin_unit WHERE level = :level AND code = ANY (:codes) "
                f"AND {_VALID_AT_SQL}"
            ),
            {"level": level, "codes": [u.code for u in units], "day": day},
        )
    )
    refresh_units(conn, ids)


def _check_set(
    conn: Connection, units: list[_Unit], level: str, day: dt.date, valid_from: dt.date | None
) -> list[str]:
    """What is wrong with the file's units as a set, measured in PostGIS (areas in the metric
    CRS): a code another level's unit holds in the same period; units overlapping beyond the
    tolerance; and, for a new edition (``valid_from``), current units of the level that began
    after it (it would end them before they began) and old units whose area the new set leaves
    uncovered beyond the tolerance."""
    if not units:
        return []
    settings = get_settings()
    params = {
        "numbers": [u.number for u in units], "codes": [u.code for u in units],
        "wkbs": [u.geom.wkb for u in units], "level": level, "day": day,
        "srid": settings.metric_srid, "tol": settings.boundary_tolerance,
    }  # fmt: skip
    where = {u.number: u.where for u in units}
    problems: list[str] = []
    file_units = (
        "WITH f AS (SELECT n, code, ST_GeomFromWKB(wkb, 4326) AS geom FROM unnest("
        "CAST(:numbers AS int[]), CAST(:codes AS text[]), CAST(:wkbs AS bytea[])) "
        "AS t(n, code, wkb))"
    )
    for r in conn.execute(
        text(
            f"""{file_units}
            SELECT f.n, u.level, u.code, u.name, u.valid_from, u.valid_to FROM f
            JOIN admin_unit u ON u.code = f.code AND u.level <> :level
              AND (u.valid_to IS NULL OR u.valid_to > :day)
            ORDER BY f.n"""
        ),
        params,
    ):
        until = r.valid_to.isoformat() if r.valid_to else "still valid"
        problems.append(
            f"{where[r.n]}: the code is held by {r.level} {r.name!r} "
            f"({r.valid_from.isoformat()} → {until}) in the same period"
        )
    for r in conn.execute(
        text(
            f"""{file_units},
            m AS (SELECT n, geom, ST_Area(ST_Transform(geom, :srid)) AS area FROM f)
            SELECT a.n AS a, b.n AS b,
              ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), :srid))
                / nullif(least(a.area, b.area), 0) AS share
            FROM m a JOIN m b ON a.n < b.n AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
            ORDER BY a.n, b.n"""
        ),
        params,
    ):
        if r.share is not None and r.share > settings.boundary_tolerance:
            problems.append(
                f"{where[r.a]} and {where[r.b]} overlap: {r.share:.1%} of the smaller one "
                f"(tolerance {settings.boundary_tolerance:.1%})"
            )
    if valid_from is None:
        return problems
    for r in conn.execute(
        text(
            "SELECT code, name, valid_from FROM admin_unit WHERE level = :level "
            "AND valid_to IS NULL AND valid_from > :day AND NOT (code = ANY (:codes)) ORDER BY code"
        ),
        params,
    ):
        problems.append(
            f"--valid-from {day.isoformat()} is before {level} {r.code} {r.name!r} began "
            f"({r.valid_from.isoformat()}): a new edition cannot end a unit before it began"
        )
    for r in conn.execute(
        text(
            f"""{file_units},
            new AS (SELECT ST_Union(geom) AS geom FROM f)
            SELECT o.code, o.name, ST_Area(ST_Transform(ST_Difference(o.geom, new.geom), :srid))
                / nullif(ST_Area(ST_Transform(o.geom, :srid)), 0) AS missing,
              ST_AsText(ST_PointOnSurface(ST_Difference(o.geom, new.geom)), 4) AS inside
            FROM admin_unit o, new
            WHERE o.level = :level AND o.valid_to IS NULL AND o.valid_from < :day
            ORDER BY o.code"""
        ),
        params,
    ):
        if r.missing is not None and r.missing > settings.boundary_tolerance:
            problems.append(
                f"gap: {r.missing:.1%} of {level} {r.code} {r.name!r}, which this edition ends, "
                f"is in none of its units (around {r.inside}; tolerance "
                f"{settings.boundary_tolerance:.1%})"
            )
    return problems


def _database_refusal(exc: IntegrityError) -> str:
    """A constraint violation as a problem line; mostly one version of a code at any time."""
    diag = getattr(exc.orig, "diag", None)
    reason = f"{exc.orig}".strip().splitlines()[0]
    if getattr(diag, "constraint_name", None) == "ex_admin_unit_code_period":
        reason = f"a unit's period would overlap another version of the same code ({reason})"
    if detail := getattr(diag, "message_detail", None):
        reason += f": {detail}"
    return f"the database refused the units: {reason}"


# --- reading -------------------------------------------------------------------------------------


def _parse_date(label: str, value: str | dt.date | None) -> dt.date | None:
    """``--valid-from`` as a date."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ImportRejected(
            label, [f"--valid-from {value!r} is not a date (YYYY-MM-DD)"]
        ) from None


def _resolve_fields(label: str, frame: gpd.GeoDataFrame, options: BoundaryOptions) -> _Fields:
    """The columns to read each attribute from, named or guessed; every missing one is reported."""
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    by_folded = {c.casefold(): c for c in reversed(columns)}  # first of equal spellings wins
    shown = ", ".join(columns) or "(none)"
    problems: list[str] = []

    def named(option: str, wanted: str | None) -> str | None:
        if wanted is None:
            return None
        found = wanted if wanted in columns else by_folded.get(wanted.casefold())
        if found is None:
            problems.append(f"field {wanted!r} ({option}) is not in the file; fields: {shown}")
        return found

    def guessed(option: str, wanted: str | None, guesses: Iterable[str]) -> str:
        if wanted is not None:
            return named(option, wanted) or ""
        for guess in guesses:
            if guess in by_folded:
                return by_folded[guess]
        problems.append(
            f"no {option.removeprefix('--').removesuffix('-field')} field found "
            f"(tried {', '.join(guesses)}); fields: {shown}; pass {option}"
        )
        return ""

    fields = _Fields(
        code=guessed("--code-field", options.code_field, CODE_FIELD_GUESSES),
        name=guessed("--name-field", options.name_field, NAME_FIELD_GUESSES),
        parent=named("--parent-field", options.parent_field),
        unit_type=named("--type-field", options.type_field),
        population=named("--population-field", options.population_field),
    )
    if problems:
        raise ImportRejected(label, problems)
    return fields


# --- checking features ---------------------------------------------------------------------------


def _check_features(
    frame: gpd.GeoDataFrame,
    fields: _Fields,
    strict: bool,
    summary: LoadSummary,
    problems: list[str],
    progress: bool,
) -> list[_Unit]:
    """Check every feature and collect its problems; the features that passed, reprojected."""
    bbox = get_settings().region_bbox
    raw = frame.geometry.reset_index(drop=True)
    wgs84 = to_wgs84(frame.geometry, summary.path)

    def column(name: str | None) -> list[Any]:
        return frame[name].tolist() if name else [None] * len(frame)

    codes, names = column(fields.code), column(fields.name)
    parents, types, populations = (
        column(fields.parent),
        column(fields.unit_type),
        column(fields.population),
    )

    units: list[_Unit] = []
    numbers_by_code: dict[str, list[int]] = {}
    outside: list[int] = []
    bar = tqdm(
        range(len(frame)),
        desc=Path(summary.path).name,
        unit="feature",
        file=sys.stderr,
        disable=None if progress else True,  # None: only on a terminal
    )
    for i in bar:
        number = i + 1
        code, name = text_value(codes[i]), text_value(names[i])
        where = _where(number, code)
        ok = True
        if code is None:
            problems.append(f"{where}: field {fields.code!r} (code) is empty")
            ok = False
        else:
            numbers_by_code.setdefault(code, []).append(number)
        if name is None:
            problems.append(f"{where}: field {fields.name!r} (name) is empty")
            ok = False
        try:
            population = _population(populations[i])
        except ValueError as exc:
            problems.append(f"{where}: field {fields.population!r} (population) {exc}")
            ok = False

        geom: MultiPolygon | None = None
        placed = check_placement(where, raw[i], wgs84[i], bbox, problems)
        if placed == "outside":
            outside.append(i)
        elif placed == "ok":
            geom = valid_polygons(where, wgs84[i], strict, summary.repairs, problems)
        if ok and code is not None and name is not None and geom is not None:
            units.append(
                _Unit(
                    number=number,
                    code=code,
                    name=name,
                    unit_type=text_value(types[i]) or unit_type_from_name(name),
                    population=population,
                    parent_ref=text_value(parents[i]),
                    geom=geom,
                )
            )

    for code, numbers in numbers_by_code.items():
        if len(numbers) > 1:
            listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
            problems.append(
                f"features {listed} (code {code!r}): duplicate code; "
                "a code may appear only once in a file"
            )
    if outside:
        # One line with the likely cause, before the per-feature lines it explains.
        problems.insert(0, outside_cause(frame.crs, raw.iloc[outside], len(outside), len(frame)))
    return units


def _where(number: int, code: str | None) -> str:
    return f"feature {number} (code {code!r})" if code is not None else f"feature {number}"


def _population(value: Any) -> int | None:
    """A population value as int; ValueError saying what is wrong with it."""
    cleaned = text_value(value)
    if cleaned is None:
        return None
    try:
        number = int(cleaned)
    except ValueError:
        raise ValueError(f"is not a whole number: {cleaned!r}") from None
    if number < 0:
        raise ValueError(f"is negative: {number}")
    return number


# --- parents -------------------------------------------------------------------------------------


def _parent_level(
    conn: Connection, level: str, wanted: str | None, problems: list[str]
) -> str | None:
    """The level of the units' parents, or None for a top level."""
    if wanted is not None:
        wanted = wanted.strip()
        if wanted.casefold() == NO_PARENT:
            return None
        if wanted == level:
            problems.append(f"--parent-level {wanted!r} is the level being loaded")
        return wanted
    # The hierarchy is data: the latest units of this level already say where their parents are
    # (e.g. wards directly under the city since 2025-07-01).
    existing = conn.scalar(
        text(
            "SELECT p.level FROM admin_unit u JOIN admin_unit p ON p.id = u.parent_id "
            "WHERE u.level = :level GROUP BY p.level "
            "ORDER BY max(u.valid_from) DESC, count(*) DESC LIMIT 1"
        ),
        {"level": level},
    )
    if existing is not None:
        return str(existing)
    if level in TOP_LEVELS:
        return None
    if level in DEFAULT_PARENT_LEVEL:
        return DEFAULT_PARENT_LEVEL[level]
    problems.append(
        f"no parent level is known for level {level!r}; pass --parent-level "
        f"(or --parent-level {NO_PARENT} for a top level)"
    )
    return None


def _assign_parents(
    conn: Connection,
    units: list[_Unit],
    parent_level: str,
    summary: LoadSummary,
    problems: list[str],
) -> None:
    """Set each unit's parent: by code, else by normalised name, else by largest overlap."""
    day = summary.valid_from
    rows = conn.execute(
        text(
            f"SELECT id, code, name_norm FROM admin_unit WHERE level = :level AND {_VALID_AT_SQL}"
        ),
        {"level": parent_level, "day": day},
    ).all()
    if not rows:
        problems.append(
            f"no {parent_level} units are valid on {day.isoformat()} to be the parents; "
            "load them first or pass --parent-level"
        )
        return
    by_code = {str(code): int(id_) for id_, code, _ in rows}
    by_name: dict[str, list[int]] = {}
    for id_, _, name_norm in rows:
        by_name.setdefault(str(name_norm), []).append(int(id_))

    unmatched: list[_Unit] = []
    for unit in units:
        ref = unit.parent_ref
        named = by_name.get(normalize_name(ref), []) if ref else []
        if ref is not None and ref in by_code:
            unit.parent_id = by_code[ref]
            summary.parents_by_code += 1
        elif len(named) == 1:  # an ambiguous name falls through to the overlap
            unit.parent_id = named[0]
            summary.parents_by_name += 1
        else:
            unmatched.append(unit)
    if not unmatched:
        return

    overlaps = _largest_overlaps(conn, unmatched, parent_level, day)
    for unit in unmatched:
        unit.parent_id = overlaps.get(unit.number)
        if unit.parent_id is not None:
            summary.parents_by_overlap += 1
            continue
        tried = ""
        if unit.parent_ref:
            tried = f"{unit.parent_ref!r} matches no {parent_level} code or name, and "
        problems.append(
            f"{unit.where}: no parent: {tried}it overlaps no {parent_level} valid on "
            f"{day.isoformat()}"
        )


def _largest_overlaps(
    conn: Connection, units: list[_Unit], parent_level: str, day: dt.date
) -> dict[int, int]:
    """Feature number → id of the parent-level unit it overlaps most, computed in PostGIS."""
    # Areas in degrees² are fine here: they only rank the candidates of one small feature.
    rows = conn.execute(
        text(
            "WITH f AS ("
            "  SELECT n, ST_GeomFromWKB(wkb, 4326) AS geom"
            "  FROM unnest(CAST(:numbers AS int[]), CAST(:wkbs AS bytea[])) AS t(n, wkb)"
            "), o AS ("
            "  SELECT f.n, p.id, ST_Area(ST_Intersection(p.geom, f.geom)) AS shared"
            "  FROM f JOIN admin_unit p ON p.geom && f.geom AND ST_Intersects(p.geom, f.geom)"
            "  WHERE p.level = :level"
            "    AND p.valid_from <= :day AND (p.valid_to IS NULL OR p.valid_to > :day)"
            ") "
            "SELECT DISTINCT ON (n) n, id FROM o WHERE shared > 0 ORDER BY n, shared DESC, id"
        ),
        {
            "numbers": [u.number for u in units],
            "wkbs": [u.geom.wkb for u in units],
            "level": parent_level,
            "day": day,
        },
    ).all()
    return {int(n): int(id_) for n, id_ in rows}


# --- writing -------------------------------------------------------------------------------------

_INSERT_SQL = text(
    "INSERT INTO admin_unit (code, name, name_norm, unit_type, level, parent_id, valid_from, "
    "population, area_km2, source, geom) VALUES (:code, :name, :name_norm, :unit_type, :level, "
    f":parent_id, :valid_from, :population, {_AREA_SQL}, :source, {_GEOM_SQL})"
)
_UPDATE_SQL = text(
    "UPDATE admin_unit SET name = :name, name_norm = :name_norm, unit_type = :unit_type, "
    "parent_id = :parent_id, population = :population, source = :source, "
    f"area_km2 = {_AREA_SQL}, geom = {_GEOM_SQL} WHERE id = :id"
)


def _write_units(
    conn: Connection,
    units: list[_Unit],
    level: str,
    valid_from: dt.date | None,
    summary: LoadSummary,
) -> None:
    """Replace, end and insert units as the module docstring describes; counts into summary."""
    current = conn.execute(
        text(
            "SELECT id, code, valid_from FROM admin_unit WHERE level = :level AND valid_to IS NULL"
        ),
        {"level": level},
    ).all()
    if valid_from is None:
        replace = {str(code): int(id_) for id_, code, _ in current}
    else:
        later = {str(code): start for _, code, start in current if start > valid_from}
        clashes = [
            f"{u.where}: a version from {later[u.code].isoformat()} exists, later than "
            f"--valid-from {valid_from.isoformat()}"
            for u in units
            if u.code in later
        ]
        if clashes:
            raise ImportRejected(summary.path, clashes)
        replace = {str(code): int(id_) for id_, code, start in current if start == valid_from}
        summary.ended = conn.execute(
            text(
                "UPDATE admin_unit SET valid_to = :day "
                "WHERE level = :level AND valid_to IS NULL AND valid_from < :day"
            ),
            {"level": level, "day": valid_from},
        ).rowcount

    common = {"level": level, "source": summary.source, "metric_srid": get_settings().metric_srid}
    updates, inserts = [], []
    for unit in units:
        values = {
            **common,
            "code": unit.code,
            "name": unit.name,
            "name_norm": normalize_name(unit.name),
            "unit_type": unit.unit_type,
            "parent_id": unit.parent_id,
            "population": unit.population,
            "wkb": unit.geom.wkb,
        }
        if unit.code in replace:
            updates.append({**values, "id": replace[unit.code]})
        else:
            inserts.append({**values, "valid_from": summary.valid_from})
    if updates:
        conn.execute(_UPDATE_SQL, updates)
    if inserts:
        conn.execute(_INSERT_SQL, inserts)
    summary.replaced, summary.added = len(updates), len(inserts)
