"""How much geometry is simplified: about one screen pixel at the zoom it is shown.

A tolerance is in degrees: the extent shown divided by how many pixels it spans on the screen or
the page, so the map never draws detail finer than a pixel and never looks coarser than one.
"""

from __future__ import annotations

from typing import Final

BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

# Roughly how many pixels wide the map shows a unit's bounding box.
MAP_PIXELS: Final = 1200
# The viewport of a street-level view is drawn finer: it is smaller than the unit around it.
VIEWPORT_PIXELS: Final = 1600


def tolerance_for(bounds: BBox, pixels: float = MAP_PIXELS) -> float:
    """Degrees per pixel when the width of ``bounds`` spans ``pixels``."""
    return (bounds[2] - bounds[0]) / pixels


def frame_tolerance(bounds: BBox, pixels: float = MAP_PIXELS) -> float:
    """Degrees per pixel when the longer side of ``bounds`` spans ``pixels`` (a frame that must
    fit whole, whichever way it is long)."""
    xmin, ymin, xmax, ymax = bounds
    return max(xmax - xmin, ymax - ymin) / pixels
