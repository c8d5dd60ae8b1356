"""The printable map's model: what is on the page (marks with their styles, the legend, the texts),
already translated. Layouts fill it in; the renderer in ``geodata.monitoring.printmap`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from domain.tolerance import BBox


@dataclass(frozen=True)
class Style:
    """How a mark is drawn (and its legend swatch): a dot, a line or an area."""

    colour: str
    kind: Literal["point", "line", "area"] = "point"
    edge: str = "#17202a"
    size: float = 7.0  # points: a dot's diameter, a line's width, an area's outline width
    alpha: float = 0.9
    hatch: str | None = None
    dashed: bool = False


@dataclass(frozen=True)
class Mark:
    """One feature: a GeoJSON geometry (lon/lat) with its style and an optional text beside it."""

    geometry: dict[str, Any]
    style: Style
    label: str | None = None
    label_side: Literal["left", "right"] = "right"  # two layers' labels at one place stay apart


@dataclass(frozen=True)
class LegendSection:
    title: str
    entries: list[tuple[str, Style]]


@dataclass(frozen=True)
class PrintMap:
    """Everything on the page, texts already in the reader's language."""

    title: str  # the unit's name
    subtitle: str  # what the map is (the app's title)
    moment: str  # the moment shown, in Cần Thơ time
    footer: list[str]  # source, licence, when printed
    bounds: BBox  # lon/lat extent to show
    layers: list[list[Mark]]  # drawn in this order, the first at the bottom
    labels: list[tuple[float, float, str]] = field(default_factory=list)  # unit names at lon/lat
    legend_title: str = ""
    legend: list[LegendSection] = field(default_factory=list)
    north: str = "N"
    badge: str | None = None  # e.g. "demo data", shown beside the title
    metric_srid: int = 3405
