"""The printable map's renderer: a one-page A4 map as PNG or PDF, text kept as text, true scale."""

from __future__ import annotations

import io
import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from pypdf import PdfReader
from pyproj import Geod

from domain.printmap import LegendSection, Mark, PrintMap, Style
from geodata.monitoring.printmap import (
    PNG_PX,
    compose,
    distance_label,
    nice_length,
    render,
    to_metric,
)

WARD = {
    "type": "Polygon",
    "coordinates": [[[105.76, 10.02], [105.79, 10.02], [105.79, 10.05], [105.76, 10.05],
                     [105.76, 10.02]]],
}  # fmt: skip
GAUGE = {"type": "Point", "coordinates": [105.775, 10.035]}
ROAD = {"type": "LineString", "coordinates": [[105.76, 10.03], [105.79, 10.04]]}


def _spec() -> PrintMap:
    red = Style("#ff0000", "area", edge="#1b4f72", size=0.8, alpha=0.6)
    return PrintMap(
        title="Phường Hưng Lợi",
        subtitle="Bản đồ giám sát đô thị Cần Thơ",
        moment="Thời điểm: 14:00 ngày 26 thg 11, 2026 (giờ Cần Thơ)",
        footer=["Nguồn: Trung tâm Điều hành", "Giấy phép: CC BY 4.0"],
        bounds=(105.76, 10.02, 105.79, 10.05),
        layers=[
            [Mark(WARD, red)],
            [Mark(ROAD, Style("#27ae60", "line", size=2))],
            [Mark(GAUGE, Style("#f1c40f", size=11), "1,92 m", "left")],
        ],
        labels=[(105.775, 10.03, "Hưng Lợi")],
        legend_title="Chú giải",
        legend=[LegendSection("Trạm đo mực nước", [("Báo động I", Style("#f1c40f"))])],
        north="B",
        badge="Dữ liệu minh họa",
    )


def test_the_png_is_a4_at_150_dpi() -> None:
    image = Image.open(io.BytesIO(render(_spec(), "png")))
    assert image.format == "PNG" and image.size == PNG_PX == (1754, 1240)


def test_the_pdf_is_one_a4_landscape_page_whose_vietnamese_text_stays_text() -> None:
    reader = PdfReader(io.BytesIO(render(_spec(), "pdf")))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((841.89, 595.28), abs=0.05)
    text = reader.pages[0].extract_text()
    shown = ("Phường Hưng Lợi", "14:00 ngày 26 thg 11, 2026", "Nguồn: Trung tâm Điều hành",
             "CC BY 4.0", "Chú giải", "Báo động I", "1,92 m", "Dữ liệu minh họa")  # fmt: skip
    for expected in shown:
        assert expected in text


def test_a_map_with_nothing_to_draw_still_prints() -> None:
    empty = PrintMap(title="Xã Trống", subtitle="", moment="", footer=[],
                     bounds=(105.5, 10.0, 105.5, 10.0), layers=[[]])  # fmt: skip
    assert render(empty, "png").startswith(b"\x89PNG")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="png, pdf"):
        render(_spec(), "svg")  # type: ignore[arg-type]


def test_the_page_is_drawn_in_true_metres_so_the_scale_bar_is_true() -> None:
    # 0.1° of longitude along Cần Thơ's latitude, measured on the ellipsoid and on the page.
    geodesic = Geod(ellps="WGS84").inv(105.65, 10.03, 105.75, 10.03)[2]
    (x0, y0), (x1, y1) = to_metric(105.65, 10.03, 3405), to_metric(105.75, 10.03, 3405)
    on_page = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    assert on_page == pytest.approx(geodesic, rel=1e-3)


@pytest.mark.parametrize(
    ("metres", "bar"), [(12_345, 10_000), (4_800, 2_000), (999, 500), (0.7, 0.5), (5_000, 5_000)]
)
def test_a_scale_bar_is_a_round_length_not_above_the_room(metres: float, bar: float) -> None:
    assert nice_length(metres) == bar


def test_a_scale_bar_needs_room() -> None:
    with pytest.raises(ValueError, match="positive"):
        nice_length(0)


def test_distances_read_in_metres_or_kilometres() -> None:
    assert [distance_label(v) for v in (500, 1000, 2500, 10_000)] == [
        "500 m", "1 km", "2.5 km", "10 km",
    ]  # fmt: skip


def _drawn_texts(spec: PrintMap) -> list[tuple[str, object]]:
    """The map's texts as printed (not their white halos) with where they stand on the page."""
    figure = compose(spec, "png")
    renderer = FigureCanvasAgg(figure).get_renderer()
    ax = figure.axes[0]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in ax.texts
        if t.get_color() != "white" and t.get_text() not in ("", "0") and "km" not in t.get_text()
        and t.get_text() != "B"
    ]  # fmt: skip


def test_crowded_labels_stand_clear_of_each_other_and_of_the_unit_names() -> None:
    # Three gauges and two stations within 300 m, right on a ward's name: with every text in its
    # usual place they would all overlap.
    gauges = [
        Mark({"type": "Point", "coordinates": [105.775 + d, 10.035 + d]},
             Style("#f1c40f", size=11), f"1,9{k} m", "left")
        for k, d in enumerate((0.0, 0.0008, 0.0016))
    ]  # fmt: skip
    stations = [
        Mark({"type": "Point", "coordinates": [105.7755 + d, 10.0345]}, Style("#e67e22", size=11),
             f"AQI 10{k}")
        for k, d in enumerate((0.0, 0.001))
    ]  # fmt: skip
    spec = _spec()
    crowded = PrintMap(**{**spec.__dict__, "layers": [*spec.layers[:2], gauges, stations],
                          "labels": [(105.7755, 10.0352, "Hưng Lợi")]})  # fmt: skip

    texts = _drawn_texts(crowded)

    names = [name for name, _ in texts]
    assert "Hưng Lợi" in names
    assert len(names) >= 4  # most of the five values found a free place
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        assert not box_a.overlaps(box_b), f"{a!r} covers {b!r}"  # type: ignore[attr-defined]


def test_a_label_with_room_stands_on_its_marks_own_side() -> None:
    texts = dict(_drawn_texts(_spec()))
    gauge = texts["1,92 m"]
    x, _ = (
        FigureCanvasAgg(compose(_spec(), "png"))
        .figure.axes[0]
        .transData.transform(to_metric(*GAUGE["coordinates"], 3405))
    )
    assert gauge.x1 < x  # type: ignore[attr-defined]  # "left": the text ends before the dot


def test_long_legend_text_wraps_inside_the_page_without_covering_the_next_row() -> None:
    # Naming the service ("… (Trường trung học phổ thông)") made legend lines run off the page.
    long_title = "Tô màu đơn vị theo: Độ phủ dịch vụ: Trường trung học phổ thông"
    long_label = "Khu dân cư ngoài bán kính phục vụ (Trường trung học phổ thông)"
    hatch = Style("#e74c3c", "area", hatch="////")
    spec = PrintMap(**{**_spec().__dict__, "legend": [
        LegendSection(long_title, [("< 50 %", Style("#922b21", "area")), (long_label, hatch),
                                   ("≥ 90 %", Style("#27ae60", "area"))]),
    ]})  # fmt: skip
    figure = compose(spec, "png")
    renderer = FigureCanvasAgg(figure).get_renderer()
    page_width = figure.bbox.width
    legend = figure.axes[-1]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in legend.texts]
    assert any("phổ thông" in text for text, _ in boxes)
    for text, box in boxes:
        assert box.x1 <= page_width, f"{text!r} runs off the page"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} covers {b!r}"  # type: ignore[attr-defined]


def test_names_print_as_written_and_a_long_one_ends_in_an_ellipsis_clear_of_the_rest() -> None:
    # Names come from agencies' files: "$" must not start mathematics, and 500 characters must
    # neither run over the moment shown nor across the map.
    long_name = ("Phường có tên dài " * 30)[:499] + "."
    spec = _spec()
    labels = [(105.775, 10.03, long_name), (105.78, 10.04, "Xã $x^2$")]
    hostile = PrintMap(**{**spec.__dict__, "title": "Quận " + long_name, "labels": labels})
    figure = compose(hostile, "pdf")
    renderer = FigureCanvasAgg(figure).get_renderer()
    title = next(t for t in figure.texts if t.get_text().startswith("Quận Phường có tên dài"))
    moment = next(t for t in figure.texts if t.get_text() == spec.moment)
    assert title.get_text().endswith("…") and len(title.get_text()) < 100
    assert title.get_window_extent(renderer).x1 < moment.get_window_extent(renderer).x0
    label = next(t for t in _drawn_texts(hostile) if t[0].startswith("Phường có tên dài"))
    assert label[0].endswith("…")
    assert label[1].width < figure.axes[0].get_window_extent(renderer).width / 2  # type: ignore[attr-defined]
    printed = PdfReader(io.BytesIO(render(hostile, "pdf"))).pages[0].extract_text()
    assert "Xã $x^2$" in printed
