"""Name normalisation: one key for a place however a file spells it."""

import unicodedata

import pytest

from geodata.importing.names import normalize_name, unit_type_from_name


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("Bình Thuỷ", "Bình Thủy"), ("An Hoà", "An Hòa"), ("Hoà Lợi", "Hòa Lợi"), ("Khoẻ", "Khỏe")],
)
def test_old_and_new_tone_placement_match(old_style: str, new_style: str) -> None:
    assert old_style != new_style
    assert normalize_name(old_style) == normalize_name(new_style)


def test_nfc_and_nfd_match() -> None:
    nfd = unicodedata.normalize("NFD", "Ninh Kiều")
    nfc = unicodedata.normalize("NFC", "Ninh Kiều")
    assert nfd != nfc
    assert normalize_name(nfd) == normalize_name(nfc)


@pytest.mark.parametrize(
    "spelling",
    ["Quận Bình Thủy", "quận bình thuỷ", "BÌNH THỦY", "  Bình   Thủy ", "Q. Bình Thủy"[3:]],
)
def test_prefix_case_and_spacing_do_not_matter(spelling: str) -> None:
    assert normalize_name(spelling) == normalize_name("Bình Thủy")


@pytest.mark.parametrize(
    ("name", "bare"),
    [
        ("Thị trấn Cờ Đỏ", "Cờ Đỏ"),
        ("Huyện Phong Điền", "Phong Điền"),
        ("Phường An Cư", "An Cư"),
        ("Xã Thạnh Phú", "Thạnh Phú"),
        ("TP. Cần Thơ", "Cần Thơ"),
        ("Thành phố Cần Thơ", "Cần Thơ"),
        ("Thị xã Ngã Bảy", "Ngã Bảy"),
    ],
)
def test_type_prefixes_are_dropped(name: str, bare: str) -> None:
    assert normalize_name(name) == normalize_name(bare)


def test_different_tones_stay_different() -> None:
    # "Hòa" (huyền) and "Hóa" (sắc) are different names; only tone *placement* is forgiven.
    assert normalize_name("An Hòa") != normalize_name("An Hóa")
    assert normalize_name("Cái Răng") != normalize_name("Cai Rang")


def test_a_name_that_is_only_a_type_word_is_kept() -> None:
    assert normalize_name("Xã") != ""


def test_unit_type_is_read_from_the_prefix() -> None:
    assert unit_type_from_name("Phường Cái Khế") == "Phường"
    assert unit_type_from_name("Thị trấn Thới Lai") == "Thị trấn"
    assert unit_type_from_name("TP. Cần Thơ") == "Thành phố"
    assert unit_type_from_name("Cái Khế") is None
