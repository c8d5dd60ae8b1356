"""Value types of the drill-down: an admin unit as the dashboard shows it, and one selection's
view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unit:
    """One admin unit as the dashboard shows it."""

    id: int
    code: str
    name: str
    unit_type: str | None
    level: str
    parent_id: int | None
    population: int | None
    area_km2: float
    source: str
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    child_count: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # the first day it no longer exists (None: still valid)

    @property
    def density(self) -> float | None:
        """Residents per km², when the population is known."""
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2


@dataclass(frozen=True)
class Gone:
    """A unit asked for on a day it does not exist: ended before it (with the units valid that
    day that took over its area: code, name, share) or not yet begun."""

    code: str
    name: str
    valid_from: dt.date
    valid_to: dt.date | None
    successors: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.valid_to is not None


@dataclass(frozen=True)
class DrillView:
    """Everything the map and panel show for one selection at one date."""

    selected: Unit
    trail: list[Unit]  # ancestors, top first
    children: list[Unit]
    shown: dict[str, Any]  # FeatureCollection of the units drawn (children, or siblings of a leaf)
    context: dict[str, Any]
    is_demo: bool
