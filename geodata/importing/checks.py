"""Reading a geodata file and checking its features: what the boundary importer (``load``) and
the feature importers (``importers``) share.

A file is read with pyogrio in the CRS it declares (``--crs`` states or overrides it), broken JSON
is named by line and column, and every feature is reprojected to WGS 84, checked against the
region box (with the likely CRS mistake when it lies outside) and, for areas, repaired with
``shapely.make_valid`` (each repair reported; ``--strict`` refuses instead).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pyogrio
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.errors import ImportRejected


def read_frame(path: Path, crs: str | None, layer: str | None) -> gpd.GeoDataFrame:
    """The file's features with a CRS (``crs``, the --crs option, states or overrides it; ``layer``
    picks one of several), or ImportRejected saying why they cannot be read."""
    label = str(path)
    if not path.exists():
        raise ImportRejected(label, ["file not found"])
    if path.is_file() and path.stat().st_size == 0:
        raise ImportRejected(label, ["the file is empty (0 bytes)"])
    try:
        chosen = _pick_layer(label, [str(name) for name, _ in pyogrio.list_layers(path)], layer)
        frame = gpd.read_file(path, layer=chosen, engine="pyogrio")
    except (DataSourceError, DataLayerError) as exc:
        # GDAL's reason ("not recognized as being in a supported file format") hides where a
        # GeoJSON is broken; Python's JSON parser says it with line and column.
        reason = _json_error(path) or f"cannot read the file: {exc}"
        raise ImportRejected(label, [reason]) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ImportRejected(label, [f"layer {chosen!r} has no geometry"])
    if len(frame) == 0:
        raise ImportRejected(label, ["the file holds no features"])

    if crs:
        # --crs also overrides a declared CRS: GeoJSON always "declares" EPSG:4326, so a GeoJSON
        # in VN-2000 metres can only be loaded by stating its real CRS.
        try:
            stated = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise ImportRejected(label, [f"--crs {crs!r} is not a CRS: {exc}"]) from exc
        frame = frame.set_crs(stated, allow_override=True)
    elif frame.crs is None:
        raise ImportRejected(
            label,
            [
                "the file declares no coordinate reference system (a Shapefile needs its .prj); "
                "pass --crs, e.g. --crs EPSG:3405 for VN-2000 / UTM 48N or the PROJ string of "
                "the provincial TM zone"
            ],
        )
    return frame


def _json_error(path: Path) -> str | None:
    """Where a .geojson/.json file is not valid JSON, or None (valid, or another format)."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        return f"broken JSON: not UTF-8 text (byte {exc.start})"
    except json.JSONDecodeError as exc:
        return f"broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return None


def _pick_layer(label: str, layers: Sequence[str], layer: str | None) -> str:
    """The layer to read: ``--layer``, or the only one; several layers need ``--layer``."""
    shown = ", ".join(repr(name) for name in layers)
    if layer is not None:
        if layer not in layers:
            raise ImportRejected(label, [f"no layer {layer!r}; layers: {shown}"])
        return layer
    if len(layers) != 1:
        # Guessing could silently load the wrong layer of a GeoPackage.
        raise ImportRejected(label, [f"the file has {len(layers)} layers ({shown}); pass --layer"])
    return layers[0]


def inside(geom: BaseGeometry | None, bbox: tuple[float, float, float, float]) -> bool:
    """Whether a (lon/lat) geometry lies within the region box; infinite coordinates do not."""
    if geom is None or geom.is_empty:
        return False
    x0, y0, x1, y1 = geom.bounds
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return False
    return bbox[0] <= x0 and x1 <= bbox[2] and bbox[1] <= y0 and y1 <= bbox[3]


def outside_problem(where: str, raw: BaseGeometry, bbox: tuple[float, ...]) -> str:
    """The line for a feature outside the region, with its coordinates as the file has them."""
    x0, y0, x1, y1 = raw.bounds
    return (
        f"{where}: lies outside the region (lon {bbox[0]}–{bbox[2]}, lat {bbox[1]}–{bbox[3]}); "
        f"its coordinates in the file span x {_num(x0)}–{_num(x1)}, y {_num(y0)}–{_num(y1)}"
    )


def outside_cause(crs: pyproj.CRS, raw: gpd.GeoSeries, count: int, total: int) -> str:
    """One line on features outside the region, with the likely CRS mistake."""
    x0, y0, x1, y1 = raw.total_bounds
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    declared = _crs_label(crs)
    head = f"{count} of {total} feature(s) lie outside the Cần Thơ region: "
    if crs.is_geographic and (abs(x) > 180 or abs(y) > 90):
        return head + (
            f"coordinates look like projected metres (x≈{x:.0f}, y≈{y:.0f}); the file probably "
            f"is in VN-2000 / UTM 48N (EPSG:3405) or a provincial TM zone but declares "
            f"{declared}; pass the right CRS with --crs"
        )
    if crs.is_geographic and abs(x) <= 90 and abs(y) <= 180 and abs(y) > 90:
        return head + (
            f"coordinates look like latitude/longitude swapped (x≈{x:.4f}, y≈{y:.4f}); "
            "write them as longitude, latitude"
        )
    if crs.is_projected and abs(x) <= 180 and abs(y) <= 90:
        return head + (
            f"coordinates look like degrees (x≈{x:.4f}, y≈{y:.4f}) but the file declares the "
            f"projected {declared}; pass the right CRS with --crs (e.g. EPSG:4326 or EPSG:4756)"
        )
    return (
        head + f"check that {declared} really is the file's CRS, or pass the right one with --crs"
    )


def _num(value: float) -> str:
    """A coordinate for a message: metres to the metre, degrees to about 10 cm."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.6f}"


def _crs_label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else repr(crs.name)


def valid_polygons(
    where: str, geom: BaseGeometry, strict: bool, repairs: list[str], problems: list[str]
) -> MultiPolygon | None:
    """A lon/lat geometry as a valid MultiPolygon (repaired if need be); None after a problem."""
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        problems.append(f"{where}: geometry is a {geom.geom_type}, not a polygon")
        return None
    geom = shapely.force_2d(geom)
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        if strict:
            problems.append(f"{where}: invalid geometry: {reason} (--strict refuses invalid ones)")
            return None
        # "structure" keeps the polygons' areas and drops collapsed rings (lines, points).
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        repairs.append(f"{where}: invalid geometry ({reason}), repaired")
    polygons = _as_multipolygon(geom)
    if polygons is None:
        problems.append(f"{where}: geometry has no area (no polygon left after repair)")
    return polygons


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygonal parts of ``geom`` as one valid MultiPolygon; None when it has none."""
    parts: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if not g.is_empty:
                parts.append(g)
        elif hasattr(g, "geoms"):  # MultiPolygon, GeometryCollection
            stack.extend(reversed(list(g.geoms)))
        # Points and lines left over by a repair carry no area: dropped.
    if not parts:
        return None
    multi = MultiPolygon(parts)
    if not multi.is_valid:  # parts of a collection may overlap; merge them
        union = shapely.union_all(parts)
        return _as_multipolygon(union) if union.geom_type != "MultiPolygon" else union
    return multi


def text_value(value: Any) -> str | None:
    """A field value as clean NFC text; None for null/NaN/blank. 916.0 (a numeric code) → '916'."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    try:
        if value != value:  # pandas NA and NaT
            return None
    except TypeError:
        return None  # pandas.NA refuses comparisons
    cleaned = unicodedata.normalize("NFC", str(value)).strip()
    return cleaned or None


def to_wgs84(geometry: gpd.GeoSeries, label: str) -> gpd.GeoSeries:
    """The geometries in lon/lat (EPSG:4326), numbered from 0; ImportRejected if they cannot be."""
    try:
        return geometry.to_crs(4326).reset_index(drop=True)
    except pyproj.exceptions.ProjError as exc:
        raise ImportRejected(label, [f"cannot reproject to WGS 84: {exc}"]) from exc


def check_placement(
    where: str,
    raw: BaseGeometry | None,
    wgs84: BaseGeometry | None,
    bbox: tuple[float, float, float, float],
    problems: list[str],
) -> Literal["ok", "missing", "outside"]:
    """Whether a feature has a geometry (``raw``, as in the file) and lies in the region box (its
    ``wgs84`` reprojection); the problem is added to ``problems`` when it has not or does not."""
    if raw is None or raw.is_empty:
        problems.append(f"{where}: has no geometry (null or empty)")
        return "missing"
    if not inside(wgs84, bbox):
        problems.append(outside_problem(where, raw, bbox))
        return "outside"
    return "ok"
