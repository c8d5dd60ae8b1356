"""Agency files for the importers' tests, written as agencies write them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import mapping


def geojson_file(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """A GeoJSON file as an agency writes it: properties plus geometry, no CRS member."""
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in row.items() if k != "geometry"},
            "geometry": mapping(row["geometry"]) if row["geometry"] is not None else None,
        }
        for row in rows
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path
