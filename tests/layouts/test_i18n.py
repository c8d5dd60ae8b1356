"""The translation catalog and locale formatting: Vietnamese first, English second, none missing."""

from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import pytest

from layouts.i18n import (
    CATALOG,
    LANGUAGES,
    UNIT_TYPES_EN,
    fmt_date,
    fmt_number,
    language,
    t,
    unit_type_label,
)

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _keys_used_in(path: Path) -> set[str]:
    """Catalog keys passed to ``t(...)``: literal first arguments, and string literals assigned to
    a variable that is then passed (``key = "a" if … else "b"; t(key, …)``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    literal: set[str] = set()
    via_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t":
            if not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            elif isinstance(first, ast.Name):
                via_names.add(first.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in via_names for target in node.targets
        ):
            literal |= {
                c.value
                for c in ast.walk(node.value)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return literal


# --- the catalog ---------------------------------------------------------------------------------


def test_the_languages_are_vietnamese_first_then_english() -> None:
    assert LANGUAGES == ("vi", "en")


def test_every_catalog_entry_has_vietnamese_and_english_text() -> None:
    incomplete = {
        key: entry
        for key, entry in CATALOG.items()
        if set(entry) != {"vi", "en"} or not all(entry[lang].strip() for lang in ("vi", "en"))
    }
    assert incomplete == {}


def test_both_languages_fill_in_the_same_placeholders() -> None:
    mismatched = {
        key: (_placeholders(entry["vi"]), _placeholders(entry["en"]))
        for key, entry in CATALOG.items()
        if _placeholders(entry["vi"]) != _placeholders(entry["en"])
    }
    assert mismatched == {}


def test_placeholders_are_filled_in() -> None:
    assert t("panel.children", "vi", n=11) == "Đơn vị trực thuộc (11)"
    assert t("panel.children", "en", n=11) == "Units within (11)"
    assert t("error.unknown_unit", "en", code="99999", date="26 Nov 2026") == (
        "No unit with code 99999 on 26 Nov 2026."
    )


def test_every_key_the_layouts_callbacks_and_routes_use_is_in_the_catalog() -> None:
    sources = [path for room in ("layouts", "callbacks", "routes")
               for path in sorted((ROOT / room).rglob("*.py"))]  # fmt: skip
    used: dict[str, set[str]] = {}
    for path in sources:
        for key in _keys_used_in(path):
            used.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    # The scan finds the keys it should (a broken scan would pass vacuously).
    assert {"app.title", "panel.children", "error.unknown_unit", "error.no_units"} <= set(used)
    assert {key: files for key, files in used.items() if key not in CATALOG} == {}


# --- languages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["fr", "", None, "EN", "vi-VN"])
def test_an_unsupported_language_falls_back_to_vietnamese(asked: str | None) -> None:
    assert language(asked) == "vi"
    assert t("app.title", asked) == CATALOG["app.title"]["vi"]  # type: ignore[arg-type]


def test_a_supported_language_is_kept() -> None:
    assert language("en") == "en" and language("vi") == "vi"
    assert t("demo.badge", "en") == "Demo data"
    assert t("demo.badge", "vi") == "Dữ liệu minh họa"


# --- numbers and dates ---------------------------------------------------------------------------


def test_vietnamese_numbers_group_with_dots_and_use_a_decimal_comma() -> None:
    assert fmt_number(1_250_000, "vi") == "1.250.000"
    assert fmt_number(29.3, "vi", 1) == "29,3"


def test_english_numbers_group_with_commas_and_use_a_decimal_point() -> None:
    assert fmt_number(1_250_000, "en") == "1,250,000"
    assert fmt_number(29.3, "en", 1) == "29.3"


def test_numbers_are_rounded_to_the_decimals_asked_for() -> None:
    assert fmt_number(9556.31, "vi") == "9.556"
    assert fmt_number(32.66, "en", 1) == "32.7"
    assert fmt_number(5, "en", 2) == "5.00"


def test_an_unknown_number_says_there_is_no_data() -> None:
    assert fmt_number(None, "vi") == "chưa có số liệu"
    assert fmt_number(None, "en") == "no data"


def test_numbers_in_an_unsupported_language_are_formatted_the_vietnamese_way() -> None:
    assert fmt_number(1_250_000, "fr") == "1.250.000"


def test_dates_are_written_per_locale() -> None:
    day = dt.date(2026, 11, 26)
    assert fmt_date(day, "vi") == "26 thg 11, 2026"
    assert fmt_date(day, "en") == "26 Nov 2026"
    assert fmt_date(day, "fr") == fmt_date(day, "vi")


def test_units_of_measure_wrap_formatted_numbers() -> None:
    assert t("unit.km2", "vi", value=fmt_number(29.3, "vi", 1)) == "29,3 km²"
    assert t("unit.km2", "en", value=fmt_number(29.3, "en", 1)) == "29.3 km²"
    assert t("unit.people", "vi", value=fmt_number(1_250_000, "vi")) == "1.250.000 người"
    assert t("unit.per_km2", "en", value=fmt_number(9556, "en")) == "9,556 people/km²"


# --- unit types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_type", "english"),
    [
        ("Thành phố", "City"),
        ("Quận", "Urban district"),
        ("Huyện", "Rural district"),
        ("Thị xã", "Town"),
        ("Phường", "Ward"),
        ("Xã", "Commune"),
        ("Thị trấn", "Township"),
    ],
)
def test_unit_types_are_shown_as_written_in_vietnamese_and_translated_in_english(
    unit_type: str, english: str
) -> None:
    assert unit_type_label(unit_type, "vi") == unit_type
    assert unit_type_label(unit_type, "en") == english


def test_every_unit_type_the_demo_city_uses_has_an_english_name() -> None:
    from geodata.demo.sample import CITY_TYPE, DISTRICTS

    used = {CITY_TYPE, "Phường", "Xã", "Thị trấn"} | {d.unit_type for d in DISTRICTS}
    assert used <= set(UNIT_TYPES_EN)


def test_an_unlisted_unit_type_is_shown_as_written_in_both_languages() -> None:
    assert unit_type_label("Đặc khu", "vi") == "Đặc khu"
    assert unit_type_label("Đặc khu", "en") == "Đặc khu"


@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_unit_type_says_there_is_no_data(missing: str | None) -> None:
    assert unit_type_label(missing, "vi") == "chưa có số liệu"
    assert unit_type_label(missing, "en") == "no data"


def test_literal_braces_read_as_single_braces_whether_or_not_anything_is_filled_in() -> None:
    # The ingestion API's refusal of a body that is not {"observations": [...]}.
    assert t("api.bad_batch", "en") == (
        'The body must be {"observations": [...]} with at least one reading.'
    )
