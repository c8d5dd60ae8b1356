"""The translation catalog: every user-facing string, Vietnamese first, then English.

Also the locale-aware number and date formatting (Babel), so "1.250.000" and "29,3 km²" in
Vietnamese, "1,250,000" and "29.3 km²" in English.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = {"vi": "vi_VN", "en": "en_GB"}

CATALOG: dict[str, dict[str, str]] = {
    "app.title": {
        "vi": "Bản đồ giám sát đô thị Cần Thơ",
        "en": "Cần Thơ city monitoring map",
    },
    "app.subtitle": {
        "vi": "Trung tâm Điều hành Đô thị thông minh (IOC)",
        "en": "Intelligent Operations Center (IOC)",
    },
    "demo.badge": {"vi": "Dữ liệu minh họa", "en": "Demo data"},
    "demo.hint": {
        "vi": "Ranh giới và số liệu là tổng hợp, không phải số liệu chính thức.",
        "en": "Boundaries and figures are synthetic, not official data.",
    },
    "lang.switch": {"vi": "English", "en": "Tiếng Việt"},
    "date.label": {"vi": "Ngày xem", "en": "Viewing date"},
    "breadcrumb.label": {"vi": "Vị trí", "en": "Location"},
    "panel.type": {"vi": "Loại đơn vị", "en": "Unit type"},
    "panel.parent": {"vi": "Trực thuộc", "en": "Part of"},
    "panel.area": {"vi": "Diện tích", "en": "Area"},
    "panel.population": {"vi": "Dân số", "en": "Population"},
    "panel.density": {"vi": "Mật độ dân số", "en": "Population density"},
    "panel.code": {"vi": "Mã đơn vị", "en": "Unit code"},
    "panel.children": {"vi": "Đơn vị trực thuộc ({n})", "en": "Units within ({n})"},
    "panel.no_children": {
        "vi": "Cấp thấp nhất: không có đơn vị trực thuộc.",
        "en": "Lowest level: no units within.",
    },
    "panel.hint": {
        "vi": "Bấm vào một đơn vị trên bản đồ hoặc trong danh sách để xem chi tiết.",
        "en": "Click a unit on the map or in the list to see its details.",
    },
    "unit.km2": {"vi": "{value} km²", "en": "{value} km²"},
    "unit.per_km2": {"vi": "{value} người/km²", "en": "{value} people/km²"},
    "unit.people": {"vi": "{value} người", "en": "{value} people"},
    "value.unknown": {"vi": "chưa có số liệu", "en": "no data"},
    "error.no_units": {
        "vi": "Chưa có đơn vị hành chính nào có hiệu lực vào ngày {date}.",
        "en": "No administrative units are valid on {date}.",
    },
    "error.unknown_unit": {
        "vi": "Không tìm thấy đơn vị có mã {code} vào ngày {date}.",
        "en": "No unit with code {code} on {date}.",
    },
    "error.database": {
        "vi": "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau.",
        "en": "The database cannot be reached. Please try again later.",
    },
    "map.attribution_none": {
        "vi": "Ranh giới: Dữ liệu Cần Thơ IOC",
        "en": "Boundaries: Cần Thơ IOC data",
    },
    "level.city": {"vi": "Thành phố", "en": "City"},
    "level.district": {"vi": "Quận/Huyện", "en": "District"},
    "level.ward": {"vi": "Phường/Xã", "en": "Ward/commune"},
}

# Unit types as Vietnamese sources write them → English.
UNIT_TYPES_EN = {
    "Thành phố": "City",
    "Quận": "Urban district",
    "Huyện": "Rural district",
    "Thị xã": "Town",
    "Phường": "Ward",
    "Xã": "Commune",
    "Thị trấn": "Township",
}


def language(code: str | None) -> str:
    """A supported language code; anything else falls back to Vietnamese."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    text = CATALOG[key][language(lang)]
    return text.format(**values) if values else text


def unit_type_label(unit_type: str | None, lang: str) -> str:
    """A unit type for display: as written in Vietnamese, translated in English."""
    if not unit_type:
        return t("value.unknown", lang)
    return UNIT_TYPES_EN.get(unit_type, unit_type) if language(lang) == "en" else unit_type


def fmt_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """A number in the user's locale ("1.250.000" in Vietnamese, "1,250,000" in English)."""
    if value is None:
        return t("value.unknown", lang)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[language(lang)])


def fmt_date(value: dt.date, lang: str) -> str:
    """A date in the user's locale ("26 thg 11, 2026" / "26 Nov 2026")."""
    return format_date(value, format="medium", locale=_LOCALES[language(lang)])
