"""The drill-down callbacks, called as plain functions against the demo city in PostGIS."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from callbacks.drilldown import show_selection
from geodata.db import Scope
from tests.callers import add_ward_staff, denials, signed_in
from tests.components import links, texts
from web import access

CO_DO = "925"


def _names(collection: dict[str, Any]) -> set[str]:
    return {f["properties"]["name"] for f in collection["features"]}


def test_the_city_view_shows_the_nine_districts(demo_db) -> None:
    units, context, crumbs, panel, children, demo_hidden, viewport, _, page, _ = show_selection("")
    assert _names(units) == {
        "Ninh Kiều", "Ô Môn", "Bình Thủy", "Cái Răng", "Thốt Nốt",
        "Vĩnh Thạnh", "Cờ Đỏ", "Phong Điền", "Thới Lai",
    }  # fmt: skip
    assert {f["properties"]["kind"] for f in context["features"]} == {"outline", "river"}
    assert texts(crumbs) == ["Cần Thơ", "(từ 1 thg 1, 2004)"]  # with its validity
    assert "Cần Thơ" in texts(panel)
    assert "Đơn vị trực thuộc (9)" in texts(children)
    assert demo_hidden is False  # the demo data set is labelled as such
    assert "bounds" in viewport
    assert page == "page"  # the whole page is shown: map, controls, KPIs and chart


def test_a_district_in_the_url_shows_its_wards_breadcrumb_and_facts(demo_db) -> None:
    units, _, crumbs, panel, _, _, viewport, *_ = show_selection("?unit=916")
    names = _names(units)
    assert len(names) == 11 and "Cái Khế" in names
    assert texts(crumbs) == ["Cần Thơ", "›", "Ninh Kiều", "(từ 1 thg 1, 2004)"]
    shown = texts(panel)
    assert "Ninh Kiều" in shown and "Quận" in shown and "Cần Thơ" in shown
    assert "Hiệu lực" in shown and "từ 1 thg 1, 2004" in shown
    assert any(s.endswith("km²") for s in shown)
    assert any(s.endswith("người/km²") for s in shown)
    (ymin, xmin), (ymax, xmax) = viewport["bounds"]
    assert 105.7 < xmin < xmax < 105.85 and 9.95 < ymin < ymax < 10.1


def test_a_ward_shows_its_facts_among_its_siblings(demo_db) -> None:
    units, _, crumbs, panel, *_ = show_selection("?unit=91601")
    selected = [f["properties"]["name"] for f in units["features"] if f["properties"]["selected"]]
    assert selected == ["Cái Khế"]
    assert len(units["features"]) == 11  # the ward is drawn with the other wards of Ninh Kiều
    assert texts(crumbs) == ["Cần Thơ", "›", "Ninh Kiều", "›", "Cái Khế", "(từ 1 thg 1, 2004)"]
    shown = texts(panel)
    assert "Phường" in shown and "Ninh Kiều" in shown


def test_the_url_remembers_the_users_zoom(demo_db) -> None:
    *_, viewport, _, _, _ = show_selection("?unit=916&view=10.03,105.77,14.5")
    assert viewport == {"center": [10.03, 105.77], "zoom": 14.5, "transition": "setView"}


def test_an_unknown_unit_says_so_and_draws_nothing(demo_db) -> None:
    units, _, crumbs, panel, *_ = show_selection("?unit=99999")
    assert units["features"] == []
    assert crumbs == []
    assert any("99999" in s for s in texts(panel))


def test_a_date_before_the_units_existed_says_none_are_valid(demo_db) -> None:
    units, _, _, panel, _, _, _, shown_date, *_ = show_selection("?date=1990-01-01")
    assert units["features"] == []
    assert any("Chưa có đơn vị" in s for s in texts(panel))
    assert shown_date == "1990-01-01"


def test_hostile_parameters_are_ignored_not_trusted(demo_db) -> None:
    units, *_ = show_selection("?unit=916';DROP TABLE admin_unit;--&date=yesterday&view=a,b")
    assert len(units["features"]) == 9  # falls back to the city view


def test_the_payload_is_geojson_with_six_decimals_at_most(demo_db) -> None:
    units, *_ = show_selection("")
    text = json.dumps(units)
    numbers = re.findall(r"-?\d+\.\d+", json.dumps(units["features"][0]["geometry"]))
    assert numbers and all(len(n.split(".")[1]) <= 6 for n in numbers)
    assert len(text) < 60_000  # simplified for the city view, not full-resolution geometry


# --- refusals: one message, a way home, nothing else ---------------------------------------------


@pytest.fixture
def ninh_kieu_staff(demo_db) -> str:
    return add_ward_staff(demo_db, "nk.staff", ["916"])


def test_ward_staff_opening_another_district_are_told_so_with_a_link_home(
    ninh_kieu_staff, demo_db
) -> None:
    with signed_in(ninh_kieu_staff):
        units, _, crumbs, panel, children, *rest = show_selection("?unit=925")
    assert texts(panel) == ["Bạn không có quyền xem đơn vị này.", "← Về Ninh Kiều"]
    assert links(panel) == [("← Về Ninh Kiều", "/")]  # "/" opens on their own district
    # The page hides the map, its controls, the KPIs and the chart: none would say anything true.
    _, _, _, page, _ = rest
    assert "refused" in page.split()
    assert units["features"] == [] and crumbs == [] and children == []
    assert denials(demo_db) == [("nk.staff", "view_unit", {"unit": "925"})]


def test_ward_staff_asking_for_a_code_no_unit_has_are_told_it_does_not_exist(
    ninh_kieu_staff, demo_db
) -> None:
    with signed_in(ninh_kieu_staff):
        units, _, _, panel, *rest = show_selection("?unit=99999")
    assert texts(panel)[0].startswith("Không có đơn vị mã 99999 vào ngày ")
    assert links(panel) == [("← Về Ninh Kiều", "/")]
    *_, page, _ = rest
    assert "refused" in page.split() and units["features"] == []
    assert denials(demo_db) == []  # nothing was refused: there is nothing to see


def test_ward_staff_whose_own_unit_is_hidden_from_them_are_refused_as_by_every_callback(
    ninh_kieu_staff, demo_db, monkeypatch
) -> None:
    """Opening the map with no unit in the URL selects the caller's own unit; when the database
    will not show it to them (here their reader scope names another district), the drill-down
    decides as every other callback and route does (``web.access.authorised_unit``): refused
    and audited, not "no unit is valid on this date", which would be untrue."""
    monkeypatch.setattr(access, "data_scope", lambda caller: Scope.ward([CO_DO]))
    with signed_in(ninh_kieu_staff):
        units, _, crumbs, panel, *_ = show_selection("")
    assert texts(panel)[0] == "Bạn không có quyền xem đơn vị này."
    assert units["features"] == [] and crumbs == []
    assert denials(demo_db) == [("nk.staff", "view_unit", {"unit": "916"})]


def test_the_public_asking_for_an_unknown_code_get_a_link_back_to_the_city(demo_db) -> None:
    *_, panel, _, _, _, _, page, _ = show_selection("?unit=99999")
    assert links(panel) == [("← Về Cần Thơ", "/")]
    assert "refused" in page.split()


# --- a unit that does not exist on the day shown (issue 13: the 2025 reform) ---------------------


@pytest.fixture
def cai_khe_merged(demo_db):
    """Cái Khế (91601) ended on 2026-01-01 and taken over by a new ward on the same ground."""
    from sqlalchemy import text

    from geodata.db import get_engine
    from geodata.units.succession import work_out

    with get_engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO admin_unit (code, name, name_norm, unit_type, level, parent_id, "
                "valid_from, area_km2, source, geom) SELECT '31099', 'Phường Cái Khế Mới', "
                "'cai khe moi', unit_type, level, parent_id, DATE '2026-01-01', area_km2, "
                "source, geom FROM admin_unit WHERE code = '91601'"
            )
        )
        conn.execute(
            text("UPDATE admin_unit SET valid_to = DATE '2026-01-01' WHERE code = '91601'")
        )
        work_out(conn, dt.date(2026, 1, 1))
    return demo_db


def test_a_dissolved_unit_says_since_when_and_links_to_its_successors(cai_khe_merged) -> None:
    units, _, crumbs, panel, *_, page, _ = show_selection("?unit=91601&date=2026-06-01")
    shown = texts(panel)
    assert "Đơn vị Cái Khế đã giải thể từ 1 thg 1, 2026." in shown
    assert "Nay thuộc:" in shown and "Phường Cái Khế Mới" in shown
    # Its successor, on the same day.
    assert ("Phường Cái Khế Mới", "?unit=31099&date=2026-06-01") in links(panel)
    assert units["features"] == [] and page == "page refused"
    # Before its end it is shown as always, its validity closed.
    _, _, crumbs, panel, *_ = show_selection("?unit=91601&date=2025-06-01")
    assert "(1 thg 1, 2004 – 31 thg 12, 2025)" in texts(crumbs)


def test_a_unit_not_yet_established_offers_its_first_day(cai_khe_merged) -> None:
    _, _, _, panel, *_ = show_selection("?unit=31099&date=2025-06-01")
    shown = texts(panel)
    assert "Đơn vị Phường Cái Khế Mới được thành lập từ 1 thg 1, 2026." in shown
    assert ("Xem đơn vị từ ngày 1 thg 1, 2026", "?unit=31099&date=2026-01-01") in links(panel)
