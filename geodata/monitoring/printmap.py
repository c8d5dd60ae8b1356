"""A printable map: one page with the map, a legend, a scale bar, a north arrow, the moment shown
and the data's source and licence, rendered with matplotlib as PNG or PDF.

Pure: it takes what to draw (GeoJSON geometries with their styles, in lon/lat) and every text
already translated, and returns the file's bytes. No database, no network, no tiles, so a print
works in an IOC room cut off from the internet. The map is drawn in a metric CRS (the setting
``metric_srid``, VN-2000 / UTM 48N), so one unit on the page is the same distance in every
direction and the scale bar is true: UTM's scale error over the city is below 0.1 %, and grid
north there is within 0.2° of true north.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import shapely
from matplotlib import patheffects, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from pyproj import Transformer
from shapely.geometry import shape

from domain.printmap import BBox, LegendSection, Mark, PrintMap, Style

Format = Literal["png", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "pdf")

# A4 landscape. The PNG is A4 at 150 dpi (1754 × 1240 px), the PDF the page itself.
PAGE_MM = (297.0, 210.0)
PNG_PX = (1754, 1240)
PNG_DPI = 150
FONT = "DejaVu Sans"  # bundled with matplotlib, and it has every Vietnamese letter

# Where things sit on the page, as fractions of it: [left, bottom, width, height].
_MAP_BOX = (0.025, 0.085, 0.70, 0.80)
_LEGEND_BOX = (0.745, 0.085, 0.23, 0.80)
_HALO = [patheffects.Stroke(linewidth=2.5, foreground="white")]
_PAD = 0.04  # of the unit's extent, around it


@lru_cache(maxsize=4)
def _transformer(srid: int) -> Transformer:
    return Transformer.from_crs(4326, srid, always_xy=True)


def to_metric(lon: float, lat: float, srid: int) -> tuple[float, float]:
    """A lon/lat point in the metric CRS the page is drawn in (metres)."""
    x, y = _transformer(srid).transform(lon, lat)
    return float(x), float(y)


def _project(geometry: dict[str, Any], srid: int) -> shapely.Geometry:
    transformer = _transformer(srid)

    def forward(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(shape(geometry), forward)


def _haloed(draw: Callable[..., Any], *args: Any, zorder: float, **kwargs: Any) -> Any:
    """Draw a text twice: a white outline, then the text (returned). A path effect on the text
    itself would turn its glyphs into drawn paths in a PDF, where they could no longer be
    searched or copied."""
    draw(*args, color="white", path_effects=_HALO, zorder=zorder - 0.01, **kwargs)
    return draw(*args, zorder=zorder, **kwargs)


def _ring_path(coords: np.ndarray) -> Path:
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[0], codes[-1] = Path.MOVETO, Path.CLOSEPOLY
    return Path(coords, codes)


def _area_path(geom: shapely.Geometry) -> Path | None:
    """A polygon or multipolygon as one path, holes included (even-odd by ring direction)."""
    rings = []
    for polygon in getattr(geom, "geoms", [geom]):
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        rings.append(_ring_path(np.asarray(polygon.exterior.coords)[:, :2]))
        rings += [_ring_path(np.asarray(r.coords)[:, :2]) for r in polygon.interiors]
    return Path.make_compound_path(*rings) if rings else None


def _lines(geom: shapely.Geometry) -> list[np.ndarray]:
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.coords)[:, :2] for p in parts if isinstance(p, shapely.LineString)]


def _points(geom: shapely.Geometry) -> list[tuple[float, float]]:
    parts = getattr(geom, "geoms", [geom])
    return [(p.x, p.y) for p in parts if isinstance(p, shapely.Point) and not p.is_empty]


@dataclass(frozen=True)
class _Label:
    """A mark's text, to be placed beside its point once every layer is drawn."""

    x: float
    y: float
    mark: Mark
    z: int


def _draw_layer(ax: Axes, marks: Sequence[Mark], srid: int, z: int) -> list[_Label]:
    """One layer, one matplotlib collection per style (fast with thousands of features); the
    layer's texts are returned, to be placed with every other layer's (:func:`_place_labels`)."""
    groups: dict[Style, list[shapely.Geometry]] = {}
    labels: list[_Label] = []
    for mark in marks:
        if not mark.geometry:
            continue
        geom = _project(mark.geometry, srid)
        groups.setdefault(mark.style, []).append(geom)
        if mark.label:
            point = geom.representative_point()
            labels.append(_Label(point.x, point.y, mark, z))
    for style, geoms in groups.items():
        dash = (0, (4, 3)) if style.dashed else "solid"
        if style.kind == "area":
            paths = [p for p in (_area_path(g) for g in geoms) if p is not None]
            ax.add_collection(
                PatchCollection(
                    [PathPatch(p) for p in paths],
                    facecolor=style.colour,
                    edgecolor=style.edge,
                    linewidth=style.size,
                    alpha=style.alpha,
                    hatch=style.hatch,
                    linestyle=dash,
                    zorder=z,
                )
            )
        elif style.kind == "line":
            segments = [line for g in geoms for line in _lines(g)]
            ax.add_collection(
                LineCollection(segments, colors=style.colour, linewidths=style.size,
                               alpha=style.alpha, linestyles=dash, capstyle="round", zorder=z)
            )  # fmt: skip
        else:
            xy = np.array([p for g in geoms for p in _points(g)]).reshape(-1, 2)
            ax.scatter(xy[:, 0], xy[:, 1], s=style.size**2, c=style.colour, alpha=style.alpha,
                       edgecolors=style.edge, linewidths=0.8, zorder=z)  # fmt: skip
    return labels


# Where a text may stand beside its dot, clear of it: (right?, up?), in the order tried after
# the mark's own side (right and up, or left and down).
_BESIDE = ((True, True), (False, False), (True, False), (False, True))


def _place_labels(figure: Figure, ax: Axes, labels: Sequence[_Label], names: Sequence[Any]) -> None:
    """Put each mark's text beside its dot where it covers no unit name, no other text and no
    labelled dot, trying four places in turn (failing that, the first that covers only dots); a
    text with no free place is left out, as on any printed map: its dot's colour still says it.
    Texts are placed in the order given (the upper layers' last: they were drawn on top)."""
    canvas = FigureCanvasAgg(figure)  # measures texts as they will be printed
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [name.get_window_extent(renderer).expanded(1.05, 1.1) for name in names]
    dots = [_dot_box(ax, label) for label in labels]
    for label in labels:
        mark = label.mark
        own = (mark.label_side == "right", mark.label_side == "right")
        order = [own, *(side for side in _BESIDE if side != own)]
        boxes = {side: _text_box(ax, renderer, label, side) for side in order}  # each measured once
        free = [
            side
            for side in order
            if _inside(boxes[side], frame) and not any(boxes[side].overlaps(t) for t in taken)
        ]
        clear = (side for side in free if not any(boxes[side].overlaps(d) for d in dots))
        fits = next(clear, free[0] if free else None)
        if fits is None:
            continue
        text = _haloed(ax.annotate, mark.label, (label.x, label.y), zorder=label.z + 1,
                       **_beside(mark, fits))  # fmt: skip
        taken.append(text.get_window_extent(renderer))


def _beside(mark: Mark, side: tuple[bool, bool]) -> dict[str, Any]:
    right, up = side
    gap = mark.style.size / 2 + 2
    return {"xytext": (gap if right else -gap, 3 if up else -3), "textcoords": "offset points",
            "ha": "left" if right else "right", "va": "bottom" if up else "top", "fontsize": 7,
            "fontweight": "bold", "clip_on": True}  # fmt: skip


def _text_box(ax: Axes, renderer: Any, label: _Label, side: tuple[bool, bool]) -> Bbox:
    """Where a text would stand, measured with an invisible copy."""
    probe = ax.annotate(label.mark.label or "", (label.x, label.y), **_beside(label.mark, side))
    box = probe.get_window_extent(renderer)
    probe.remove()
    return box


def _dot_box(ax: Axes, dot: _Label) -> Bbox:
    x, y = ax.transData.transform((dot.x, dot.y))
    r = dot.mark.style.size / 2 * ax.figure.dpi / 72
    return Bbox.from_extents(x - r, y - r, x + r, y + r)


def _inside(box: Bbox, frame: Bbox) -> bool:
    return bool(
        box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
    )


def _extent(bounds: BBox, srid: int, aspect: float) -> BBox:
    """The unit's extent in metres, padded and widened to the map frame's aspect (w / h)."""
    xs, ys = _transformer(srid).transform(
        [bounds[0], bounds[2], bounds[0], bounds[2]], [bounds[1], bounds[1], bounds[3], bounds[3]]
    )
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    width, height = max(xmax - xmin, 100.0), max(ymax - ymin, 100.0)
    width, height = width * (1 + 2 * _PAD), height * (1 + 2 * _PAD)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``metres`` (a scale bar's length)."""
    if metres <= 0:
        raise ValueError(f"a scale bar needs a positive length, not {metres}")
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def distance_label(metres: float) -> str:
    """``500 m``, ``2 km``: the same in Vietnamese and English."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _scale_bar(ax: Axes, extent: BBox) -> None:
    """A bar of 4 alternating parts, about a fifth of the map wide, bottom left."""
    xmin, ymin, xmax, ymax = extent
    length = nice_length((xmax - xmin) / 5)
    x0, y0 = xmin + (xmax - xmin) * 0.03, ymin + (ymax - ymin) * 0.04
    height = (ymax - ymin) * 0.012
    ax.add_patch(Rectangle((x0 - length * 0.04, y0 - height * 1.2), length * 1.2, height * 4.6,
                           facecolor="white", alpha=0.8, edgecolor="none", zorder=50))  # fmt: skip
    for k in range(4):
        ax.add_patch(Rectangle((x0 + k * length / 4, y0), length / 4, height,
                               facecolor="#17202a" if k % 2 == 0 else "white",
                               edgecolor="#17202a", linewidth=0.8, zorder=51))  # fmt: skip
    for value, x in ((0.0, x0), (length, x0 + length)):
        ax.text(x, y0 + height * 1.6, "0" if value == 0 else distance_label(value), fontsize=8,
                ha="center", va="bottom", zorder=52)  # fmt: skip


def _north_arrow(ax: Axes, extent: BBox, letter: str) -> None:
    xmin, ymin, xmax, ymax = extent
    x, y = xmax - (xmax - xmin) * 0.045, ymax - (ymax - ymin) * 0.17
    size = (ymax - ymin) * 0.08
    arrow = FancyArrow(x, y, 0, size, width=size * 0.16, head_width=size * 0.45,
                       head_length=size * 0.45, length_includes_head=True, facecolor="#17202a",
                       edgecolor="white", linewidth=1, zorder=50)  # fmt: skip
    ax.add_patch(arrow)
    _haloed(ax.text, x, y + size * 1.08, letter, fontsize=13, fontweight="bold", ha="center",
            va="bottom", zorder=51)  # fmt: skip


def _swatch(ax: Axes, x: float, y: float, style: Style, row: float) -> None:
    if style.kind == "point":
        ax.scatter([x + 0.035], [y], s=min(style.size, 11) ** 2, c=style.colour,
                   edgecolors=style.edge, linewidths=0.8, alpha=style.alpha)  # fmt: skip
    elif style.kind == "line":
        ax.add_line(Line2D([x, x + 0.07], [y, y], color=style.colour, alpha=style.alpha,
                           linewidth=min(style.size, 4), solid_capstyle="round",
                           linestyle=(0, (4, 3)) if style.dashed else "solid"))  # fmt: skip
    else:
        ax.add_patch(Rectangle((x, y - row * 0.32), 0.07, row * 0.64, facecolor=style.colour,
                               edgecolor=style.edge, alpha=style.alpha, hatch=style.hatch,
                               linewidth=min(style.size, 2),
                               linestyle=(0, (4, 3)) if style.dashed else "solid"))  # fmt: skip


def _legend(
    ax: Axes,
    title: str,
    sections: Sequence[LegendSection],
    height_pt: float,
    width_pt: float = 170.0,
) -> None:
    """Sections of swatches, a header each; rows shrink (to 6.5 pt text) to fit the column, and
    text too wide for the column wraps onto more lines instead of running off the page."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)

    def lines(text: str, font: float, indent: float) -> list[str]:
        # DejaVu Sans averages ~0.56 em a character (bold a little more): a safe estimate.
        width = max(12, int(width_pt * (1 - indent) / (0.6 * font)))
        return textwrap.wrap(text, width) or [""]

    def layout(font: float) -> tuple[list[list[str]], list[list[list[str]]]]:
        heads = [lines(s.title, font, 0) for s in sections]
        rows = [[lines(label, font, 0.13) for label, _ in s.entries] for s in sections]
        return heads, rows

    font = 9.0
    for _ in range(3):  # the font follows the row height, which follows the number of lines
        heads, entries = layout(font)
        extra = sum(
            len(h) - 1 + sum(len(e) - 1 for e in es) for h, es in zip(heads, entries, strict=True)
        )
        count = 1.6 + sum(1.5 + len(s.entries) for s in sections) + 0.75 * extra
        row = min(1 / count, 16 / height_pt)  # as a fraction of the column's height
        font = max(6.5, min(9.0, row * height_pt * 0.62))
    heads, entries = layout(font)
    line = font * 1.15 / height_pt  # one more line of text, as a fraction of the column
    y = 1 - row * 0.6
    ax.text(0, y, title, fontsize=font + 2.5, fontweight="bold", va="center")
    y -= row * 1.6
    for section, head, labels in zip(sections, heads, entries, strict=True):
        ax.text(0, y + line / 2, "\n".join(head), fontsize=font, fontweight="bold", va="top",
                linespacing=1.15)  # fmt: skip
        y -= row * 1.1 + line * (len(head) - 1)
        for (_, style), label in zip(section.entries, labels, strict=True):
            _swatch(ax, 0.02, y, style, row)
            ax.text(0.13, y + line / 2, "\n".join(label), fontsize=font, va="top",
                    linespacing=1.15)  # fmt: skip
            y -= row + line * (len(label) - 1)
        y -= row * 0.4


# Type 42 fonts: the PDF's text stays text (searchable, copyable, Vietnamese intact). No
# mathtext: names come from agencies' files and "$x^2$" in one must print as those characters.
_RC: dict[Any, Any] = {
    "pdf.fonttype": 42, "font.family": FONT, "hatch.color": "#e74c3c", "hatch.linewidth": 0.8,
    "text.parse_math": False,
}  # fmt: skip


def render(spec: PrintMap, fmt: Format) -> bytes:
    """The page as PNG (A4 at 150 dpi) or PDF (A4 landscape, text kept as text)."""
    with rc_context(_RC):
        figure = compose(spec, fmt)
        out = io.BytesIO()
        metadata = {"Title": f"{spec.title} · {spec.moment}", "Creator": spec.subtitle}
        if fmt == "png":
            figure.savefig(out, format="png", dpi=PNG_DPI, metadata=metadata)
        else:
            figure.savefig(out, format="pdf", metadata={**metadata, "CreationDate": None})
        return out.getvalue()


def _shortened(figure: Figure, renderer: Any, text: str, width: float, **props: Any) -> str:
    """``text`` as it fits in ``width`` (pixels) when drawn with ``props``: whole, or its longest
    beginning that fits, ending in "…". Names come from agencies' files and can be any length:
    a 500-character one must not run over the moment shown or across the whole map."""
    probe = figure.text(0, 0, text, **props)
    try:
        if probe.get_window_extent(renderer).width <= width:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest beginning that fits, by halving
            middle = (low + high + 1) // 2
            probe.set_text(text[:middle].rstrip() + "…")
            if probe.get_window_extent(renderer).width <= width:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"
    finally:
        probe.remove()


def compose(spec: PrintMap, fmt: Format) -> Figure:
    """The page as a matplotlib figure of the format's size, ready to save."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    with rc_context(_RC):
        width_in, height_in = (PNG_PX[0] / PNG_DPI, PNG_PX[1] / PNG_DPI)
        if fmt == "pdf":
            width_in, height_in = PAGE_MM[0] / 25.4, PAGE_MM[1] / 25.4
        figure = Figure(figsize=(width_in, height_in))
        renderer = FigureCanvasAgg(figure).get_renderer()  # measures texts as they will print
        figure.text(0.025, 0.965, spec.subtitle, fontsize=10, color="#566573", va="center")
        if spec.badge:
            figure.text(0.975, 0.965, spec.badge, fontsize=9, ha="right", va="center",
                        color="#7e5109", bbox={"facecolor": "#fdebd0", "edgecolor": "#e59866",
                                               "boxstyle": "round,pad=0.3"})  # fmt: skip
        moment = figure.text(0.975, 0.922, spec.moment, fontsize=11, ha="right", va="center")
        title_room = moment.get_window_extent(renderer).x0 - figure.bbox.width * 0.04
        title: dict[str, Any] = {"fontsize": 20, "fontweight": "bold", "va": "center"}
        figure.text(0.025, 0.922, _shortened(figure, renderer, spec.title, title_room, **title),
                    **title)  # fmt: skip

        ax = figure.add_axes(_MAP_BOX)
        box_w, box_h = _MAP_BOX[2] * width_in, _MAP_BOX[3] * height_in
        extent = _extent(spec.bounds, spec.metric_srid, box_w / box_h)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#fbfcfc")
        labels: list[_Label] = []
        for k, marks in enumerate(spec.layers):
            labels += _draw_layer(ax, marks, spec.metric_srid, z=2 + 2 * k)
        top = 3 + 2 * len(spec.layers)
        names = []
        name_room = _MAP_BOX[2] * figure.bbox.width * 0.3
        for lon, lat, name in spec.labels:
            x, y = to_metric(lon, lat, spec.metric_srid)
            shown = _shortened(figure, renderer, name, name_room, fontsize=8.5)
            names.append(_haloed(ax.text, x, y, shown, fontsize=8.5, ha="center", va="center",
                                 zorder=top, clip_on=True))  # fmt: skip
        _place_labels(figure, ax, labels, names)
        _scale_bar(ax, extent)
        _north_arrow(ax, extent, spec.north)

        legend_ax = figure.add_axes(_LEGEND_BOX)
        _legend(legend_ax, spec.legend_title, spec.legend, _LEGEND_BOX[3] * height_in * 72,
                _LEGEND_BOX[2] * width_in * 72)  # fmt: skip
        for k, line in enumerate(spec.footer):
            figure.text(0.025, 0.052 - k * 0.022, line, fontsize=8, color="#2c3e50", va="center")
        return figure
