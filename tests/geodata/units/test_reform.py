"""Living through a boundary reform, as Cần Thơ did on 1 July 2025: a new set of wards loaded
directly under the city, the districts ended, the successions worked out by overlap or stated from
a decision, the tree valid on either side of the day, and the refusals that keep a bad set out.

The city (a box) had two districts, each of two wards, from 2008. From 2025-07-01 it has three
new wards in vertical strips, directly under the city::

    2008–2025                      from 2025-07-01
    +---------+---------+          +----+--------+----+
    | 90102   | 90202   |          |    |        |    |
    |---901---|---902---|          |3101| 31002  |3103|
    | 90101   | 90201   |          |    |        |    |
    +---------+---------+          +----+--------+----+
    105.60   105.70   105.80       105.65     105.75
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import box
from sqlalchemy import text
from sqlalchemy.engine import Engine

from geodata.__main__ import main
from geodata.errors import ImportRejected
from geodata.importing.load import BoundaryOptions, LoadSummary, load_boundaries
from geodata.units import lifecycle, succession
from tests.geofiles import geojson_file

REFORM = dt.date(2025, 7, 1)
BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2026, 12, 1)

CITY = {"code": "92", "name": "Thành phố Cần Thơ", "geometry": box(105.60, 9.95, 105.80, 10.05)}
DISTRICTS = [
    {"code": "901", "name": "Quận Một", "geometry": box(105.60, 9.95, 105.70, 10.05)},
    {"code": "902", "name": "Quận Hai", "geometry": box(105.70, 9.95, 105.80, 10.05)},
]
OLD_WARDS = [
    {"code": "90101", "name": "Phường Một A", "geometry": box(105.60, 9.95, 105.70, 10.00)},
    {"code": "90102", "name": "Phường Một B", "geometry": box(105.60, 10.00, 105.70, 10.05)},
    {"code": "90201", "name": "Phường Hai A", "geometry": box(105.70, 9.95, 105.80, 10.00)},
    {"code": "90202", "name": "Phường Hai B", "geometry": box(105.70, 10.00, 105.80, 10.05)},
]
NEW_WARDS = [
    {"code": "31001", "name": "Phường Tây", "geometry": box(105.60, 9.95, 105.65, 10.05)},
    {"code": "31002", "name": "Phường Giữa", "geometry": box(105.65, 9.95, 105.75, 10.05)},
    {"code": "31003", "name": "Phường Đông", "geometry": box(105.75, 9.95, 105.80, 10.05)},
]


def load(path: Path, level: str, **options: Any) -> LoadSummary:
    return load_boundaries(BoundaryOptions(path=path, level=level, **options))


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """Every unit and succession, to prove a refusal changed nothing."""
    with engine.connect() as conn:
        return [
            *conn.execute(
                text("SELECT id, code, level, parent_id, valid_from, valid_to FROM admin_unit")
            ),
            *conn.execute(text("SELECT * FROM admin_unit_succession ORDER BY 1, 2")),
        ]


@pytest.fixture
def before_reform(empty_db: Engine, tmp_path: Path) -> Engine:
    """The city, its districts and their wards, valid from 2008."""
    since = "2008-01-01"
    load(geojson_file(tmp_path / "city.geojson", [CITY]), "city", valid_from=since)
    load(geojson_file(tmp_path / "d.geojson", DISTRICTS), "district", valid_from=since)
    load(geojson_file(tmp_path / "w.geojson", OLD_WARDS), "ward", valid_from=since)
    return empty_db


@pytest.fixture
def reformed(before_reform: Engine, tmp_path: Path) -> Engine:
    """The new wards loaded under the city from 2025-07-01, and the districts ended that day."""
    load(
        geojson_file(tmp_path / "new.geojson", NEW_WARDS), "ward", parent_level="city",
        valid_from=REFORM.isoformat(),
    )  # fmt: skip
    with before_reform.begin() as conn:
        lifecycle.end_units(conn, "district", REFORM)
    return before_reform


def _tree(engine: Engine, day: dt.date) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [(line.depth, line.code) for line in lifecycle.tree_on(conn, day)]


def _shares(found: list[succession.Succession]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for s in found:
        out.setdefault(s.old_code, {})[s.new_code] = round(s.share, 3)
    return out


# --- the tree on either side of the day ----------------------------------------------------------


def test_before_the_reform_the_city_has_districts_and_wards_after_it_the_new_wards(
    reformed: Engine,
) -> None:
    # Each level in Vietnamese alphabetical order of the names: Hai before Một, Đông (Đ after D)
    # before Giữa and Tây.
    assert _tree(reformed, BEFORE) == [
        (0, "92"), (1, "902"), (2, "90201"), (2, "90202"), (1, "901"), (2, "90101"), (2, "90102"),
    ]  # fmt: skip
    assert _tree(reformed, AFTER) == [(0, "92"), (1, "31003"), (1, "31002"), (1, "31001")]


def test_loading_a_new_edition_ends_the_old_one_and_works_out_who_succeeded_whom(
    before_reform: Engine, tmp_path: Path
) -> None:
    summary = load(
        geojson_file(tmp_path / "new.geojson", NEW_WARDS), "ward", parent_level="city",
        valid_from=REFORM.isoformat(),
    )  # fmt: skip
    assert summary.ended == 4 and summary.added == 3
    assert _shares(summary.successions) == {
        "90101": {"31001": 0.5, "31002": 0.5}, "90102": {"31001": 0.5, "31002": 0.5},
        "90201": {"31002": 0.5, "31003": 0.5}, "90202": {"31002": 0.5, "31003": 0.5},
    }  # fmt: skip
    assert "successions: 8 (for 4 ended unit(s)" in summary.describe()


def test_ending_the_districts_keeps_them_for_history_and_names_their_successors(
    before_reform: Engine, tmp_path: Path
) -> None:
    load(
        geojson_file(tmp_path / "new.geojson", NEW_WARDS), "ward", parent_level="city",
        valid_from=REFORM.isoformat(),
    )  # fmt: skip
    with before_reform.begin() as conn:
        report = lifecycle.end_units(conn, "district", REFORM)
    assert report.ended == [("901", "Quận Một"), ("902", "Quận Hai")]
    assert _shares(report.successions) == {
        "901": {"31001": 0.5, "31002": 0.5}, "902": {"31002": 0.5, "31003": 0.5},
    }  # fmt: skip
    assert "901 → 31001 Phường Tây (50%), 31002 Phường Giữa (50%)" in report.describe()
    with before_reform.connect() as conn:
        kept = conn.execute(
            text("SELECT code, valid_to FROM admin_unit WHERE level = 'district' ORDER BY code")
        ).all()
        assert kept == [("901", REFORM), ("902", REFORM)]
        old = conn.scalar(text("SELECT id FROM admin_unit WHERE code = '90101'"))
        # A unit ended long ago is followed to the units valid on the day asked.
        assert succession.successors_on(conn, old, AFTER) == [
            ("31001", "Phường Tây", pytest.approx(0.5, abs=1e-4)),
            ("31002", "Phường Giữa", pytest.approx(0.5, abs=1e-4)),
        ]


def test_one_unit_can_be_ended_by_its_code(reformed: Engine) -> None:
    with reformed.begin() as conn:
        report = lifecycle.end_units(conn, "ward", dt.date(2026, 1, 1), code="31003")
    assert report.ended == [("31003", "Phường Đông")]
    assert (1, "31003") not in _tree(reformed, AFTER) and (1, "31002") in _tree(reformed, AFTER)


# --- refusals: nothing changes ------------------------------------------------------------------


def test_ending_districts_whose_wards_are_still_valid_is_refused_naming_them(
    before_reform: Engine,
) -> None:
    before = snapshot(before_reform)
    with pytest.raises(lifecycle.EndRefused) as info, before_reform.begin() as conn:
        lifecycle.end_units(conn, "district", REFORM)
    message = str(info.value)
    assert "without a valid parent" in message
    assert "ward 90101 Phường Một A (under 901)" in message and "90202" in message
    assert snapshot(before_reform) == before


@pytest.mark.parametrize(
    ("level", "day", "code", "expected"),
    [
        ("province", REFORM, None, "no province unit is valid on 2025-07-01: nothing to end"),
        ("district", REFORM, "999", "no district '999' is valid on 2025-07-01"),
        ("ward", REFORM, "31001", "began on 2025-07-01 and cannot end that day: 31001"),
    ],
)
def test_ending_nothing_or_a_unit_on_its_first_day_is_refused(
    reformed: Engine, level: str, day: dt.date, code: str | None, expected: str
) -> None:
    before = snapshot(reformed)
    with pytest.raises(lifecycle.EndRefused) as info, reformed.begin() as conn:
        lifecycle.end_units(conn, level, day, code)
    assert expected in str(info.value)
    assert snapshot(reformed) == before


def test_a_new_edition_leaving_a_gap_is_refused_naming_the_old_units_left_out(
    before_reform: Engine, tmp_path: Path
) -> None:
    before = snapshot(before_reform)
    path = geojson_file(tmp_path / "gap.geojson", NEW_WARDS[:2])
    with pytest.raises(ImportRejected) as info:
        load(path, "ward", parent_level="city", valid_from=REFORM.isoformat())
    message = str(info.value)
    assert "gap: 50.0% of ward 90201 'Phường Hai A', which this edition ends" in message
    assert "90202" in message and "90101" not in message
    assert snapshot(before_reform) == before


def test_overlapping_units_in_a_file_are_refused_naming_both(
    before_reform: Engine, tmp_path: Path
) -> None:
    before = snapshot(before_reform)
    wide = {**NEW_WARDS[0], "geometry": box(105.60, 9.95, 105.66, 10.05)}  # 0.01° into Giữa
    path = geojson_file(tmp_path / "overlap.geojson", [wide, *NEW_WARDS[1:]])
    with pytest.raises(ImportRejected) as info:
        load(path, "ward", parent_level="city", valid_from=REFORM.isoformat())
    assert "feature 1 (code '31001') and feature 2 (code '31002') overlap: 16.7%" in str(info.value)
    assert snapshot(before_reform) == before


def test_a_code_held_by_a_unit_of_another_level_in_the_same_period_is_refused(
    before_reform: Engine, tmp_path: Path
) -> None:
    before = snapshot(before_reform)
    clash = [{**NEW_WARDS[0], "code": "901"}, *NEW_WARDS[1:]]
    path = geojson_file(tmp_path / "clash.geojson", clash)
    with pytest.raises(ImportRejected) as info:
        load(path, "ward", parent_level="city", valid_from=REFORM.isoformat())
    assert (
        "feature 1 (code '901'): the code is held by district 'Quận Một' "
        "(2008-01-01 → still valid) in the same period"
    ) in str(info.value)
    assert snapshot(before_reform) == before


# --- successions stated by a decision ------------------------------------------------------------


def test_a_decision_file_states_successions_that_overlaps_never_replace(
    reformed: Engine, tmp_path: Path
) -> None:
    decision = tmp_path / "decision.csv"
    decision.write_text("old_code,new_code,share\n90101,31001,1\n", encoding="utf-8")
    with reformed.begin() as conn:
        stated = succession.load_decisions(conn, decision, REFORM)
        assert _shares(stated)["90101"] == {"31001": 1.0}
        assert {s.source for s in stated if s.old_code == "90101"} == {"decision"}
        again = succession.work_out(conn, REFORM)  # e.g. another edition loaded that day
    assert _shares(again)["90101"] == {"31001": 1.0}
    assert _shares(again)["90102"] == {"31001": 0.5, "31002": 0.5}


def test_a_bad_decision_file_is_refused_line_by_line_and_changes_nothing(
    reformed: Engine, tmp_path: Path
) -> None:
    before = snapshot(reformed)
    decision = tmp_path / "bad.csv"
    decision.write_text(
        "old_code,new_code,share\n90101,31001,nhiều\n77777,31002,\n90102,88888,0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info, reformed.begin() as conn:
        succession.load_decisions(conn, decision, REFORM)
    message = str(info.value)
    assert "line 2: share 'nhiều' is not a number above 0, at most 1" in message
    assert "line 3: old_code '77777': no unit ended on 2025-07-01" in message
    assert "line 4: new_code '88888': no unit began on 2025-07-01" in message
    assert snapshot(reformed) == before


# --- command line --------------------------------------------------------------------------------


def test_units_list_prints_the_tree_valid_on_a_day(
    reformed: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["units", "list", "--on", "2025-06-30"]) == 0
    out = capsys.readouterr().out
    assert "92  Thành phố Cần Thơ (city, 2008-01-01 → )" in out
    assert "    90101  Phường Một A (ward, 2008-01-01 → 2025-07-01)" in out
    assert "valid on 2025-06-30: 1 city, 2 district, 4 ward" in out
    assert main(["units", "list", "--on", "2026-12-01"]) == 0
    assert "valid on 2026-12-01: 1 city, 3 ward" in capsys.readouterr().out


def test_units_end_dry_run_reports_and_changes_nothing(
    before_reform: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load(
        geojson_file(tmp_path / "new.geojson", NEW_WARDS), "ward", parent_level="city",
        valid_from=REFORM.isoformat(),
    )  # fmt: skip
    before = snapshot(before_reform)
    code = main(["units", "end", "--level", "district", "--on", "2025-07-01", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "Ended every district valid on 2025-07-01: 2 unit(s)" in out
    assert "dry run: nothing was changed" in out
    assert snapshot(before_reform) == before
    refused = main(["units", "end", "--level", "ward", "--on", "2008-01-01"])
    assert refused == 2 and "cannot end that day" in capsys.readouterr().err


# --- indicators across the reform -----------------------------------------------------------------


def test_a_new_unit_gets_its_history_from_its_own_sensors_and_nothing_else_is_recomputed(
    monitored_db: Engine, tmp_path: Path
) -> None:
    """A ward drawn on Cái Khế's ground, loaded today: its indicators reach back over the whole
    history, equal to Cái Khế's (the same sensors), and no other unit's rows are rewritten."""
    import shapely

    with monitored_db.connect() as conn:
        wkb = conn.scalar(text("SELECT ST_AsBinary(geom) FROM admin_unit WHERE code = '91601'"))
        others = conn.execute(
            text(
                "SELECT admin_unit_id, indicator, period, period_start, value, xmin::text "
                "FROM unit_indicator ORDER BY 1, 2, 3, 4"
            )
        ).all()
    new = {"code": "31099", "name": "Phường Mới", "geometry": shapely.from_wkb(wkb)}
    load(geojson_file(tmp_path / "new.geojson", [new]), "ward")

    def series(code: str) -> list[tuple[Any, ...]]:
        with monitored_db.connect() as conn:
            return conn.execute(
                text(
                    "SELECT i.indicator, i.period, i.period_start, i.value FROM unit_indicator i "
                    "JOIN admin_unit u ON u.id = i.admin_unit_id WHERE u.code = :c "
                    "ORDER BY 1, 2, 3"
                ),
                {"c": code},
            ).all()

    history = series("31099")
    assert history and history == series("91601")
    today = dt.date.today()
    assert min(row.period_start for row in history).date() < today  # before it began
    with monitored_db.connect() as conn:
        after = conn.execute(
            text(
                "SELECT admin_unit_id, indicator, period, period_start, value, xmin::text "
                "FROM unit_indicator WHERE admin_unit_id <> "
                "(SELECT id FROM admin_unit WHERE code = '31099') ORDER BY 1, 2, 3, 4"
            )
        ).all()
        assert after == others  # not one row of another unit rewritten (same xmin)
        assert conn.scalar(
            text(
                "SELECT count(*) FROM coverage c JOIN admin_unit u ON u.id = c.admin_unit_id "
                "WHERE u.code = '31099'"
            )
        ) == conn.scalar(text("SELECT count(*) FROM facility_kind"))


# --- accounts bound to ended units ----------------------------------------------------------------


def _bindings(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.username, x.unit_code FROM app_user_unit x "
                "JOIN app_user u ON u.id = x.user_id ORDER BY 1, 2"
            )
        ).all()
    out: dict[str, list[str]] = {}
    for name, code in rows:
        out.setdefault(name, []).append(code)
    return out


def test_accounts_bound_to_ended_units_are_flagged_then_moved_to_the_successors(
    reformed: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from geodata.accounts import users

    with reformed.begin() as conn:
        users.add_user(conn, "mot.staff", "mật khẩu dài đủ", "ward_staff", ["901"])
        users.add_user(conn, "moi.staff", "mật khẩu dài đủ", "ward_staff", ["31003"])
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "901[ended 2025-07-01 → 31001,31002]" in out and "31003[" not in out
    assert "1 binding(s) to ended units: python -m geodata users remap" in out
    # Until then, not locked out nor widened: the scope is the old district's area.
    from geodata.accounts.scopes import unit_within

    with reformed.connect() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM admin_unit")).all())
        assert unit_within(conn, ["901"], ids["31001"])  # inside Quận Một's old ground
        assert not unit_within(conn, ["901"], ids["31003"])  # in Quận Hai's

    assert main(["users", "remap", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "mot.staff: 901 Quận Một (ended 2025-07-01) → 31001, 31002" in out
    assert "dry run: nothing was changed" in out
    assert _bindings(reformed)["mot.staff"] == ["901"]

    assert main(["users", "remap"]) == 0
    assert _bindings(reformed) == {"moi.staff": ["31003"], "mot.staff": ["31001", "31002"]}
    with reformed.connect() as conn:
        detail = conn.scalar(text("SELECT detail FROM audit_log WHERE action = 'user_units_remap'"))
    assert detail == {"user": "mot.staff", "from": "901", "to": ["31001", "31002"],
                      "ended_on": "2025-07-01"}  # fmt: skip
    assert main(["users", "remap"]) == 0  # nothing left to move: safe to run twice
    assert _bindings(reformed)["mot.staff"] == ["31001", "31002"]


def test_a_code_given_to_another_unit_by_a_reform_never_widens_an_account_bound_to_the_old(
    before_reform: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ward staff bound to ward 90101 before the reform; the new edition gives the code 90101 to
    the wide middle strip. Until remapped they keep the old ward's ground, and are flagged."""
    from geodata.accounts import users
    from geodata.accounts.scopes import unit_within
    from geodata.db import Scope, scope

    with before_reform.begin() as conn:
        users.add_user(conn, "mot.a", "mật khẩu dài đủ", "ward_staff", ["90101"])
        conn.execute(text("UPDATE app_user_unit SET bound_on = DATE '2024-01-01'"))
        pins = users.list_users(conn)[0].unit_pins
    assert pins == ("90101@2024-01-01",)
    reused = [NEW_WARDS[0], {**NEW_WARDS[1], "code": "90101"}, NEW_WARDS[2]]
    load(
        geojson_file(tmp_path / "new.geojson", reused), "ward", parent_level="city",
        valid_from=REFORM.isoformat(),
    )  # fmt: skip
    with before_reform.connect() as conn:
        ids = dict(
            conn.execute(
                text("SELECT code || '@' || valid_from, id FROM admin_unit WHERE level = 'ward'")
            ).all()
        )
        old, new_strip = ids["90101@2008-01-01"], ids["90101@2025-07-01"]
        pinned = conn.scalar(text("SELECT app_pinned_unit_ids(:t)"), {"t": list(pins)})
        assert pinned == [old]  # the ward it was bound to, not the unit that took the code
        bare = conn.scalar(text("SELECT app_pinned_unit_ids(ARRAY['90101'])"))
        assert sorted(bare) == sorted([old, new_strip])  # a bare code: every unit that held it
        assert unit_within(conn, pins, old)
        assert not unit_within(conn, pins, ids["31003@2025-07-01"])
    with scope(Scope.ward(pins)), before_reform.connect() as conn:
        area = conn.scalar(text("SELECT round(ST_Area(app_scope_geom())::numeric, 6)"))
        assert float(area) == pytest.approx(0.1 * 0.05)  # the old ward's box, not the strip
    assert main(["users", "list"]) == 0
    assert "90101[ended 2025-07-01 → 31001,90101]" in capsys.readouterr().out
