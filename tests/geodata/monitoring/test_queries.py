"""The map's queries (geodata.monitoring.queries) on the demo city in a real PostGIS."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine, text

from domain.units import Unit
from geodata.errors import UnknownUnit
from geodata.monitoring.queries import children, drill_view, unit_by_code, units_geojson
from geodata.settings import get_settings

TODAY = dt.date(2026, 11, 26)
DEMO_START = dt.date(2004, 1, 1)
# In the versioning scenario below, Ninh Kiều is redrawn on this day.
REDRAWN_ON = dt.date(2020, 1, 1)
BEFORE, AFTER = dt.date(2019, 6, 1), dt.date(2021, 6, 1)

DISTRICT_NAMES = {
    "Ninh Kiều", "Ô Môn", "Bình Thủy", "Cái Răng", "Thốt Nốt",
    "Vĩnh Thạnh", "Cờ Đỏ", "Phong Điền", "Thới Lai",
}  # fmt: skip


def _props(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in collection["features"]]


def _names(collection: dict[str, Any]) -> set[str]:
    return {p["name"] for p in _props(collection)}


def _units(engine: Engine, level: str) -> list[Unit]:
    """Every unit of a level valid today, as the queries read them."""
    with engine.connect() as conn:
        codes = conn.scalars(
            text("SELECT code FROM admin_unit WHERE level = :level ORDER BY id"), {"level": level}
        )
        return [unit_by_code(conn, code, TODAY) for code in codes]


def _redraw_ninh_kieu(engine: Engine) -> tuple[int, int]:
    """End the demo's Ninh Kiều on REDRAWN_ON and start a new version of it that day.

    Its wards stay attached (parent_id) to the old version, as an importer that only replaces the
    district level leaves them. Returns (old id, new id).
    """
    with engine.begin() as conn:
        old_id = conn.scalar(
            text(
                "UPDATE admin_unit SET valid_to = :day "
                "WHERE level = 'district' AND code = '916' RETURNING id"
            ),
            {"day": REDRAWN_ON},
        )
        new_id = conn.scalar(
            text(
                """
                INSERT INTO admin_unit (code, name, name_norm, unit_type, level, parent_id,
                                        valid_from, valid_to, population, area_km2, source, geom)
                SELECT code, 'Ninh Kiều mới', 'ninh kieu moi', unit_type, level, parent_id,
                       :day, NULL, population + 1000, area_km2, 'test', geom
                FROM admin_unit WHERE id = :old
                RETURNING id
                """
            ),
            {"day": REDRAWN_ON, "old": old_id},
        )
    return old_id, new_id


# --- drilling down -------------------------------------------------------------------------------


def test_the_root_view_is_the_city_with_its_nine_districts(demo_db) -> None:
    with demo_db.connect() as conn:
        view = drill_view(conn, None, TODAY)
    assert (view.selected.code, view.selected.level, view.selected.name) == (
        "92",
        "city",
        "Cần Thơ",
    )
    assert view.trail == []
    assert {u.name for u in view.children} == DISTRICT_NAMES
    assert view.selected.child_count == 9
    assert _names(view.shown) == DISTRICT_NAMES
    assert not any(p["selected"] for p in _props(view.shown))  # the city itself is not drawn
    assert all(p["level"] == "district" and p["has_children"] for p in _props(view.shown))
    assert {p["kind"] for p in _props(view.context)} == {"outline", "river"}
    assert view.is_demo is True


def test_children_are_listed_in_vietnamese_alphabetical_order(demo_db) -> None:
    with demo_db.connect() as conn:
        names = [u.name for u in drill_view(conn, None, TODAY).children]
    assert names == [
        "Bình Thủy", "Cái Răng", "Cờ Đỏ", "Ninh Kiều", "Ô Môn",
        "Phong Điền", "Thốt Nốt", "Thới Lai", "Vĩnh Thạnh",
    ]  # fmt: skip


def test_a_district_view_shows_its_wards_under_the_city(demo_db) -> None:
    with demo_db.connect() as conn:
        view = drill_view(conn, "916", TODAY)
    assert (view.selected.code, view.selected.name, view.selected.unit_type) == (
        "916",
        "Ninh Kiều",
        "Quận",
    )
    assert [u.code for u in view.trail] == ["92"]
    assert len(view.children) == 11 and {u.parent_id for u in view.children} == {view.selected.id}
    assert {u.level for u in view.children} == {"ward"}
    assert "Cái Khế" in {u.name for u in view.children}
    assert _names(view.shown) == {u.name for u in view.children}
    assert not any(p["selected"] for p in _props(view.shown))
    assert all(p["has_children"] is False for p in _props(view.shown))
    assert view.is_demo is True


def test_a_ward_view_shows_the_ward_selected_among_its_siblings(demo_db) -> None:
    with demo_db.connect() as conn:
        view = drill_view(conn, "91601", TODAY)
    assert (view.selected.code, view.selected.name, view.selected.level) == (
        "91601",
        "Cái Khế",
        "ward",
    )
    assert [u.code for u in view.trail] == ["92", "916"]
    assert view.children == []
    assert view.selected.child_count == 0
    assert len(view.shown["features"]) == 11
    assert [p["name"] for p in _props(view.shown) if p["selected"]] == ["Cái Khế"]
    assert [p["id"] for p in _props(view.shown) if p["selected"]] == [view.selected.id]


def test_a_view_of_agency_data_is_not_labelled_demo(empty_db) -> None:
    with empty_db.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO admin_unit (code, name, name_norm, unit_type, level, valid_from,
                                        area_km2, source, geom)
                VALUES ('92', 'Cần Thơ', 'can tho', 'Thành phố', 'city', '2004-01-01', 1400,
                        'gso', ST_Multi(ST_MakeEnvelope(105.2, 9.9, 105.9, 10.4, 4326)))
                """
            )
        )
    with empty_db.connect() as conn:
        view = drill_view(conn, None, TODAY)
    assert view.selected.source == "gso"
    assert view.is_demo is False
    assert _names(view.shown) == {"Cần Thơ"}  # a unit with nothing under it is drawn itself


# --- validity dates ------------------------------------------------------------------------------


def test_a_unit_is_valid_from_its_first_day_and_unknown_before(demo_db) -> None:
    with demo_db.connect() as conn:
        assert unit_by_code(conn, "916", DEMO_START).name == "Ninh Kiều"
        with pytest.raises(UnknownUnit, match="916"):
            unit_by_code(conn, "916", DEMO_START - dt.timedelta(days=1))


def test_a_date_before_any_unit_existed_raises_unknown_unit(demo_db) -> None:
    with demo_db.connect() as conn, pytest.raises(UnknownUnit, match="1990-01-01"):
        drill_view(conn, None, dt.date(1990, 1, 1))


def test_an_unknown_code_raises_unknown_unit(demo_db) -> None:
    with demo_db.connect() as conn:
        with pytest.raises(UnknownUnit, match="99999"):
            unit_by_code(conn, "99999", TODAY)
        with pytest.raises(UnknownUnit, match="99999"):
            drill_view(conn, "99999", TODAY)


def test_the_version_of_a_unit_valid_at_the_date_is_the_one_returned(demo_db) -> None:
    old_id, new_id = _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        before = unit_by_code(conn, "916", BEFORE)
        last_day = unit_by_code(conn, "916", REDRAWN_ON - dt.timedelta(days=1))
        on_the_day = unit_by_code(conn, "916", REDRAWN_ON)  # valid_to is exclusive
        after = unit_by_code(conn, "916", AFTER)
    assert (before.id, before.name) == (old_id, "Ninh Kiều")
    assert last_day.id == old_id
    assert (on_the_day.id, after.id, after.name, after.source) == (
        new_id,
        new_id,
        "Ninh Kiều mới",
        "test",
    )


def test_the_city_lists_the_district_version_valid_at_the_date(demo_db) -> None:
    old_id, new_id = _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        city_before = unit_by_code(conn, "92", BEFORE)
        city_after = unit_by_code(conn, "92", AFTER)
        before = {u.code: u.id for u in children(conn, city_before, BEFORE)}
        after = {u.code: u.id for u in children(conn, city_after, AFTER)}
    assert len(before) == len(after) == 9
    assert before["916"] == old_id
    assert after["916"] == new_id


def test_wards_of_the_old_version_of_a_district_appear_under_the_new_version(demo_db) -> None:
    old_id, new_id = _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        new = unit_by_code(conn, "916", AFTER)
        wards = children(conn, new, AFTER)
        view = drill_view(conn, "916", AFTER)
    assert new.id == new_id
    assert len(wards) == 11 and {w.parent_id for w in wards} == {old_id}
    assert new.child_count == 11
    assert view.selected.id == new_id
    assert len(view.children) == 11 and len(view.shown["features"]) == 11


def test_each_listed_unit_counts_its_children_valid_that_day_through_any_version(demo_db) -> None:
    # A city lists its units with one count for all of them (a hundred communes after the
    # reform): each count is still the unit's own, wards on an older version of it included.
    _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        districts = children(conn, unit_by_code(conn, "92", AFTER), AFTER)
        counts = {d.code: d.child_count for d in districts}
        one_by_one = {d.code: unit_by_code(conn, d.code, AFTER).child_count for d in districts}
        listed = {d.code: len(children(conn, d, AFTER)) for d in districts}
    assert counts == one_by_one == listed
    assert counts["916"] == 11 and all(n > 0 for n in counts.values())


def test_a_wards_breadcrumb_goes_through_the_district_version_valid_at_the_date(demo_db) -> None:
    old_id, new_id = _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        before = drill_view(conn, "91601", BEFORE)
        after = drill_view(conn, "91601", AFTER)
    assert [(u.code, u.id) for u in before.trail[1:]] == [("916", old_id)]
    assert [(u.code, u.id, u.name) for u in after.trail[1:]] == [("916", new_id, "Ninh Kiều mới")]
    assert [u.code for u in after.trail] == ["92", "916"]
    assert len(after.shown["features"]) == 11  # siblings found through the new version too


def test_an_ended_ward_disappears_from_its_district_after_its_last_day(demo_db) -> None:
    with demo_db.begin() as conn:
        conn.execute(
            text("UPDATE admin_unit SET valid_to = :day WHERE code = '91611'"), {"day": REDRAWN_ON}
        )
    with demo_db.connect() as conn:
        district = unit_by_code(conn, "916", AFTER)
        assert len(children(conn, district, BEFORE)) == 11
        assert len(children(conn, district, AFTER)) == 10
        assert unit_by_code(conn, "916", AFTER).child_count == 10
        assert unit_by_code(conn, "91611", BEFORE).name == "An Bình"
        with pytest.raises(UnknownUnit):
            unit_by_code(conn, "91611", AFTER)


def test_a_redrawn_district_on_the_map_still_says_it_has_wards(demo_db) -> None:
    _, new_id = _redraw_ninh_kieu(demo_db)
    with demo_db.connect() as conn:
        view = drill_view(conn, None, AFTER)
    ninh_kieu = next(p for p in _props(view.shown) if p["code"] == "916")
    assert ninh_kieu["id"] == new_id
    assert ninh_kieu["has_children"] is True


# --- GeoJSON -------------------------------------------------------------------------------------


def test_a_larger_tolerance_gives_a_smaller_payload_with_the_same_features(demo_db) -> None:
    wards = _units(demo_db, "ward")
    with demo_db.connect() as conn:
        fine = units_geojson(conn, wards, tolerance=0.00001)
        coarse = units_geojson(conn, wards, tolerance=0.01)
    assert len(fine["features"]) == len(coarse["features"]) == len(wards)
    assert len(json.dumps(coarse)) < len(json.dumps(fine)) * 0.9


def test_coordinates_have_at_most_six_decimals(demo_db) -> None:
    with demo_db.connect() as conn:
        payload = units_geojson(conn, _units(demo_db, "ward"), tolerance=0.0)
    geometry_numbers = re.findall(
        r"-?\d+\.\d+", json.dumps([f["geometry"] for f in payload["features"]])
    )
    label_numbers = [str(x) for p in _props(payload) for x in p["label"]]
    assert geometry_numbers and label_numbers
    too_precise = [n for n in geometry_numbers + label_numbers if len(n.split(".")[1]) > 6]
    assert too_precise == []


def test_features_carry_what_the_map_needs(demo_db) -> None:
    with demo_db.connect() as conn:
        ninh_kieu = unit_by_code(conn, "916", TODAY)
        payload = units_geojson(conn, [ninh_kieu], tolerance=0.0001, selected_id=ninh_kieu.id)
    (feature,) = payload["features"]
    assert payload["type"] == "FeatureCollection"
    assert feature["type"] == "Feature" and feature["id"] == ninh_kieu.id
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    props = feature["properties"]
    assert {k: props[k] for k in ("code", "name", "type", "level", "selected", "has_children")} == {
        "code": "916",
        "name": "Ninh Kiều",
        "type": "Quận",
        "level": "district",
        "selected": True,
        "has_children": True,
    }
    lon, lat = props["label"]
    xmin, ymin, xmax, ymax = ninh_kieu.bounds
    assert xmin <= lon <= xmax and ymin <= lat <= ymax


def test_the_feature_cap_from_settings_is_honoured(demo_db, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "max_features", 3)
    with demo_db.connect() as conn:
        payload = units_geojson(conn, _units(demo_db, "district"), tolerance=0.001)
    assert len(payload["features"]) == 3


def test_no_ids_give_an_empty_feature_collection(demo_db) -> None:
    with demo_db.connect() as conn:
        assert units_geojson(conn, [], tolerance=0.001) == {
            "type": "FeatureCollection",
            "features": [],
        }


# --- Unit ----------------------------------------------------------------------------------------


def _unit(population: int | None, area_km2: float) -> Unit:
    return Unit(
        id=1,
        code="916",
        name="Ninh Kiều",
        unit_type="Quận",
        level="district",
        parent_id=None,
        population=population,
        area_km2=area_km2,
        source="demo",
        bounds=(105.7, 9.9, 105.8, 10.1),
        child_count=0,
    )


def test_density_is_residents_per_square_kilometre() -> None:
    assert _unit(280_000, 29.3).density == pytest.approx(9556.3, abs=0.1)


def test_density_is_unknown_without_a_population_or_an_area() -> None:
    assert _unit(None, 29.3).density is None
    assert _unit(280_000, 0.0).density is None


def test_density_of_a_stored_unit_uses_its_stored_area(demo_db) -> None:
    with demo_db.connect() as conn:
        ninh_kieu = unit_by_code(conn, "916", TODAY)
    assert ninh_kieu.population and ninh_kieu.area_km2 > 0
    assert ninh_kieu.density == pytest.approx(ninh_kieu.population / ninh_kieu.area_km2)
