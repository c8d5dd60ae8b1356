"""What a map layer is, apart from its query: who may see it, where it is offered, how it is drawn.

A :class:`LayerInfo` is the part of a layer catalogue entry (``geodata.monitoring.catalogue``)
that drawing code needs: the map, the kiosk, the legend and the printed map are built from these,
never from a list of their own. Pure data: no database, no web framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from domain.printmap import Style

# Who may read a layer. ``public``: everyone, the kiosk and the open data included. ``staff``:
# signed-in staff (and their personal API tokens). ``personal``: it holds personal data (citizens'
# own words), so staff only as well, and never cached or published.
Visibility = Literal["public", "staff", "personal"]
VISIBILITIES: Final = ("public", "staff", "personal")

# When the map reads a layer again: ``moment``, with the time shown (readings, events); ``view``,
# with the time and the part of the map on screen (dense layers); ``static``, with the unit and
# the facility kind only (things that do not change by the hour).
Refresh = Literal["moment", "view", "static"]

# How its geometry is simplified: not at all (points), to about a pixel of the unit drawn whole,
# or to about a pixel of the viewport on screen (dense lines seen up close).
Simplify = Literal["none", "unit", "viewport"]

Geometry = Literal["point", "line", "area"]


@dataclass(frozen=True)
class MapStyle:
    """How the dashboard's map draws a layer: client-side functions of assets/map.js."""

    style: str | None = None  # the style function of lines and areas, e.g. "inundationStyle"
    kiosk_style: str | None = None  # the kiosk's own (assets/kiosk.js), when it differs
    cluster_radius: int | None = None  # points gathered in bubbles within this many pixels
    draw_order: int = 0  # within a theme, higher is drawn later (on top)


@dataclass(frozen=True)
class LayerInfo:
    """One layer as everyone but the database sees it."""

    name: str  # its name in URLs (downloads, prints) and in the data of a view
    theme: str | None  # the layers control's overlay it belongs to; None: not on the map
    label: str  # catalog key of its name ("download.gauges")
    geometry: Geometry
    visibility: Visibility = "public"
    refresh: Refresh = "moment"
    simplify: Simplify = "none"
    map: MapStyle | None = MapStyle()  # None: not drawn on the dashboard's map
    kiosk: bool = False  # drawn by the lobby kiosk (public layers only ever are)
    download: bool = True  # offered as GeoJSON and CSV per unit
    printed: bool = True  # drawn on the printable map
    timeless: bool = False  # exists whatever the hour: served before any reading arrives
    # Its own legend and print style, for a layer the legend and print do not know by name: a
    # swatch in its theme's legend section and every feature drawn in this style.
    style: Style | None = None

    @property
    def map_id(self) -> str:
        """The id of its GeoJSON component on the dashboard's map."""
        return f"{self.name}-layer"

    @property
    def kiosk_id(self) -> str:
        """The id of its GeoJSON component on the kiosk's map (one per frame, see layouts.ids)."""
        return f"kiosk-{self.name}-layer"
