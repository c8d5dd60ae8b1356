"""What every part of the demo data shares: the source it is written under and the metric plane its
shapes are built in, the statement that writes a unit, and the two shape helpers the city and its
reform are drawn with. Its own
module, so the demo's parts import it rather than each other."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text

DEMO_SOURCE = "demo"
METRIC_CRS = "EPSG:32648"  # UTM 48N: a metric plane to build shapes in

# One demo unit (its area measured in PostGIS, in the metric CRS ``:metric_srid``); its id.
INSERT_UNIT = text(
    """
    INSERT INTO admin_unit (code, name, name_norm, unit_type, level, parent_id, valid_from,
                            valid_to, population, area_km2, source, geom)
    SELECT :code, :name, :name_norm, :unit_type, :level, :parent_id, :valid_from, NULL,
           :population, ST_Area(ST_Transform(g, :metric_srid)) / 1e6, :source, g
    FROM (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 4326)) AS g) AS src
    RETURNING id
    """
)


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Labels of a plain k-means on ``points`` (deterministic for a given generator state)."""
    centres = points[rng.choice(len(points), size=k, replace=False)]
    labels = np.zeros(len(points), dtype=int)
    for _ in range(30):
        labels = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for c in range(k):
            members = points[labels == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    return labels


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """The polygons of ``geom`` (made valid) as one MultiPolygon: lines and points dropped."""
    geom = shapely.make_valid(geom)
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polys)
