"""Indicator maths: VN_AQI, flood alert levels, congestion classes and coverage, hand-checked."""

import math
from itertools import pairwise

import pytest

from domain.indicators import (
    AQI_CATEGORIES,
    AQI_INDEX_BREAKPOINTS,
    CONCENTRATION_BREAKPOINTS,
    CONGESTION_CLASSES,
    FLOOD_ALERT_LEVELS,
    FREE_FLOWING,
    HEAVY,
    POLLUTANTS,
    SLOW,
    STANDSTILL,
    alert_level,
    aqi_category,
    congested_length_share,
    congestion_class,
    coverage_share,
    daily_aqi,
    hourly_aqi,
    nowcast,
    overall_aqi,
    sub_index,
)

# ---------------------------------------------------------------------------------------------
# VN_AQI sub-indices
# ---------------------------------------------------------------------------------------------

# The table of CANTHO.md, typed again by hand so a slip in the module's copy shows up.
_TABLE = {
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "co": (0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
}


def test_breakpoint_table_matches_the_decision() -> None:
    assert AQI_INDEX_BREAKPOINTS == (0, 50, 100, 150, 200, 300, 400, 500)
    assert dict(CONCENTRATION_BREAKPOINTS) == _TABLE
    assert set(POLLUTANTS) == set(_TABLE)


@pytest.mark.parametrize(
    ("pollutant", "concentration", "index"),
    [
        (pollutant, concentration, index)
        for pollutant, concentrations in _TABLE.items()
        for concentration, index in zip(concentrations, AQI_INDEX_BREAKPOINTS, strict=True)
    ],
)
def test_sub_index_at_every_breakpoint_is_the_breakpoint_index(
    pollutant: str, concentration: int, index: int
) -> None:
    assert sub_index(pollutant, concentration) == index
    assert sub_index(pollutant, float(concentration)) == index


@pytest.mark.parametrize(
    ("pollutant", "concentration", "index"),
    [
        # I = I_i + (I_{i+1} - I_i) / (BP_{i+1} - BP_i) * (C - BP_i)
        ("pm25", 12.5, 25),  # 0 + 50/25 · 12.5 = 25
        ("pm25", 35, 70),  # 50 + 50/25 · (35 - 25) = 70
        ("pm25", 65, 125),  # 100 + 50/30 · (65 - 50) = 125
        ("pm25", 200, 250),  # 200 + 100/100 · (200 - 150) = 250
        ("pm10", 200, 125),  # 100 + 50/100 · (200 - 150) = 125
        ("pm10", 385, 250),  # 200 + 100/70 · (385 - 350) = 250
        ("pm10", 550, 450),  # 400 + 100/100 · (550 - 500) = 450
        ("no2", 150, 75),  # 50 + 50/100 · (150 - 100) = 75
        ("no2", 950, 175),  # 150 + 50/500 · (950 - 700) = 175
        ("no2", 3000, 387),  # 300 + 100/750 · (3000 - 2350) = 386.67 → 387
        ("o3", 80, 25),  # 0 + 50/160 · 80 = 25
        ("o3", 180, 75),  # 50 + 50/40 · (180 - 160) = 75
        ("o3", 600, 250),  # 200 + 100/400 · (600 - 400) = 250
        ("co", 5_000, 25),  # 0 + 50/10,000 · 5,000 = 25
        ("co", 20_000, 75),  # 50 + 50/20,000 · (20,000 - 10,000) = 75
        ("co", 75_000, 250),  # 200 + 100/30,000 · (75,000 - 60,000) = 250
        ("so2", 200, 67),  # 50 + 50/225 · (200 - 125) = 66.67 → 67
        ("so2", 237.5, 75),  # 50 + 50/225 · 112.5 = 75
        ("so2", 1200, 250),  # 200 + 100/800 · (1200 - 800) = 250
    ],
)
def test_sub_index_interpolates_between_breakpoints(
    pollutant: str, concentration: float, index: int
) -> None:
    assert sub_index(pollutant, concentration) == index


@pytest.mark.parametrize(
    ("pollutant", "concentration", "index"),
    [
        ("pm25", 26.25, 53),  # 50 + 2 · 1.25 = 52.5 → 53 (half up; round() would give 52)
        ("pm25", 26.2, 52),  # 52.4 → 52
        ("pm25", 26.3, 53),  # 52.6 → 53
        ("pm25", 0.25, 1),  # 0.5 → 1
        ("pm10", 0.4, 0),  # 0.4 → 0
        ("so2", 136.25, 53),  # 50 + 50/225 · 11.25 = 52.5 → 53
        # 50 + 50/40 · 1.2 = 51.5 → 52; in binary floats this is 51.49999999999999 → 51.
        ("o3", 161.2, 52),
    ],
)
def test_sub_index_rounds_half_up_on_the_decimal_value(
    pollutant: str, concentration: float, index: int
) -> None:
    assert sub_index(pollutant, concentration) == index


@pytest.mark.parametrize("pollutant", POLLUTANTS)
def test_sub_index_above_the_top_breakpoint_is_capped_at_500(pollutant: str) -> None:
    top = _TABLE[pollutant][-1]
    assert sub_index(pollutant, top + 0.1) == 500
    assert sub_index(pollutant, top * 3) == 500
    assert sub_index(pollutant, math.inf) == 500


@pytest.mark.parametrize("pollutant", POLLUTANTS)
@pytest.mark.parametrize("concentration", [None, math.nan, -0.1, -50, -math.inf])
def test_sub_index_of_missing_or_negative_concentration_is_none(
    pollutant: str, concentration: float | None
) -> None:
    assert sub_index(pollutant, concentration) is None


def test_sub_index_of_unknown_pollutant_raises() -> None:
    with pytest.raises(ValueError, match="unknown pollutant"):
        sub_index("PM2.5", 10)


# ---------------------------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "name_vi", "rgb", "hex_colour"),
    [
        (0, "good", "Tốt", (0, 228, 0), "#00e400"),
        (50, "good", "Tốt", (0, 228, 0), "#00e400"),
        (51, "moderate", "Trung bình", (255, 255, 0), "#ffff00"),
        (100, "moderate", "Trung bình", (255, 255, 0), "#ffff00"),
        (101, "poor", "Kém", (255, 126, 0), "#ff7e00"),
        (150, "poor", "Kém", (255, 126, 0), "#ff7e00"),
        (151, "bad", "Xấu", (255, 0, 0), "#ff0000"),
        (200, "bad", "Xấu", (255, 0, 0), "#ff0000"),
        (201, "very_bad", "Rất xấu", (143, 63, 151), "#8f3f97"),
        (300, "very_bad", "Rất xấu", (143, 63, 151), "#8f3f97"),
        (301, "hazardous", "Nguy hại", (126, 0, 35), "#7e0023"),
        (500, "hazardous", "Nguy hại", (126, 0, 35), "#7e0023"),
    ],
)
def test_category_boundaries_and_official_colours(
    value: int, code: str, name_vi: str, rgb: tuple[int, int, int], hex_colour: str
) -> None:
    category = aqi_category(value)
    assert category.code == code
    assert category.name_vi == name_vi
    assert category.rgb == rgb
    assert category.hex == hex_colour


def test_categories_have_english_names_and_tile_0_to_500_without_gaps() -> None:
    assert [c.name_en for c in AQI_CATEGORIES] == [
        "Good",
        "Moderate",
        "Poor",
        "Bad",
        "Very bad",
        "Hazardous",
    ]
    assert AQI_CATEGORIES[0].low == 0
    assert AQI_CATEGORIES[-1].high == 500
    for lower, upper in pairwise(AQI_CATEGORIES):
        assert upper.low == lower.high + 1


def test_category_above_500_is_hazardous_and_negative_raises() -> None:
    assert aqi_category(650).code == "hazardous"
    with pytest.raises(ValueError):
        aqi_category(-1)


# ---------------------------------------------------------------------------------------------
# Overall AQI
# ---------------------------------------------------------------------------------------------


def test_overall_aqi_is_the_highest_sub_index_with_its_pollutant() -> None:
    result = overall_aqi({"pm25": 70, "pm10": 60, "no2": 75, "co": 25, "so2": None})
    assert result is not None
    assert result.value == 75
    assert result.dominant_pollutant == "no2"
    assert result.category.code == "moderate"


def test_overall_aqi_needs_pm_gases_alone_give_none() -> None:
    assert overall_aqi({"no2": 175, "o3": 250, "co": 25, "so2": 67}) is None
    assert overall_aqi({"pm25": None, "pm10": None, "o3": 250}) is None
    assert overall_aqi({}) is None


def test_overall_aqi_with_pm10_only_works() -> None:
    result = overall_aqi({"pm10": 40, "pm25": None, "o3": 30})
    assert result is not None
    assert (result.value, result.dominant_pollutant, result.category.code) == (40, "pm10", "good")


def test_overall_aqi_tie_names_the_particles_first() -> None:
    result = overall_aqi({"o3": 80, "pm10": 80, "pm25": 80})
    assert result is not None
    assert result.dominant_pollutant == "pm25"


def test_overall_aqi_rejects_unknown_pollutants_and_negative_sub_indices() -> None:
    with pytest.raises(ValueError):
        overall_aqi({"pm25": 50, "benzene": 80})
    with pytest.raises(ValueError):
        overall_aqi({"pm25": -1})


# ---------------------------------------------------------------------------------------------
# NowCast
# ---------------------------------------------------------------------------------------------


def test_nowcast_of_steady_data_is_that_value() -> None:
    assert nowcast([35.0] * 12) == pytest.approx(35.0)


def test_nowcast_of_a_gentle_fall_uses_weight_min_over_max() -> None:
    # w* = 30/40 = 0.75 > 0.5, so w = 0.75:
    # (30 + 0.75·40 + 0.5625·40) / (1 + 0.75 + 0.5625) = 82.5 / 2.3125 = 35.6757
    assert nowcast([30, 40, 40]) == pytest.approx(82.5 / 2.3125)


def test_nowcast_of_a_steep_fall_uses_weight_one_half() -> None:
    # w* = 10/40 = 0.25 ≤ 0.5, so w = 0.5: (10 + 0.5·20 + 0.25·40) / 1.75 = 30 / 1.75 = 17.14
    assert nowcast([10, 20, 40]) == pytest.approx(120 / 7)


def test_nowcast_missing_hour_keeps_its_place_in_the_weights() -> None:
    # Hour 2 missing: w* = 30/40 = 0.75; (30 + 0.75²·40) / (1 + 0.75²) = 52.5 / 1.5625 = 33.6
    assert nowcast([30, None, 40]) == pytest.approx(33.6)
    assert nowcast([30, math.nan, 40]) == pytest.approx(33.6)
    # Older missing hours drop out the same way: w* = 1, a plain mean of what is there.
    assert nowcast([20, 20, None, None, 20, None]) == pytest.approx(20)


def test_nowcast_needs_two_of_the_three_latest_hours() -> None:
    assert nowcast([None, None, 40, 40, 40, 40]) is None
    assert nowcast([30, None, None, 40, 40]) is None
    assert nowcast([None, 30, 40]) == pytest.approx((30 + 0.75 * 40) / 1.75)
    assert nowcast([30]) is None
    assert nowcast([]) is None


def test_nowcast_ignores_hours_beyond_twelve_and_treats_negatives_as_missing() -> None:
    assert nowcast([20.0] * 12 + [1000.0]) == pytest.approx(20)
    assert nowcast([20.0, -5.0, 20.0]) == pytest.approx(20)


def test_nowcast_of_clean_air_is_zero() -> None:
    assert nowcast([0.0] * 12) == 0.0


# ---------------------------------------------------------------------------------------------
# Hourly and daily AQI
# ---------------------------------------------------------------------------------------------


def test_hourly_aqi_uses_nowcast_for_pm_and_the_latest_hour_for_gases() -> None:
    result = hourly_aqi(
        {
            "pm25": [30, 40, 40],  # NowCast 35.68 → 50 + 2 · 10.68 = 71.35 → 71
            "o3": [180, 90],  # latest hour 180 → 75
            "no2": [None, 950],  # latest hour missing: no sub-index, not the stale 175
        }
    )
    assert result is not None
    assert (result.value, result.dominant_pollutant) == (75, "o3")
    assert result.category.code == "moderate"


def test_hourly_aqi_pm_dominates_when_highest() -> None:
    result = hourly_aqi({"pm10": [200.0] * 12, "co": [5000.0]})
    assert result is not None
    assert (result.value, result.dominant_pollutant) == (125, "pm10")
    assert result.category.hex == "#ff7e00"


def test_hourly_aqi_without_a_usable_pm_nowcast_is_none() -> None:
    assert hourly_aqi({"pm25": [None, None, 35, 35], "o3": [180]}) is None
    assert hourly_aqi({"o3": [180], "co": [20_000]}) is None


def test_daily_aqi_from_24_hour_means() -> None:
    # pm25 35 → 70, pm10 200 → 125, co 20,000 → 75, so2 missing
    result = daily_aqi({"pm25": 35.0, "pm10": 200.0, "co": 20_000.0, "so2": None})
    assert result is not None
    assert (result.value, result.dominant_pollutant) == (125, "pm10")
    assert (result.category.code, result.category.name_vi, result.category.rgb) == (
        "poor",
        "Kém",
        (255, 126, 0),
    )


def test_daily_aqi_needs_pm() -> None:
    assert daily_aqi({"no2": 950.0, "o3": 600.0}) is None
    assert daily_aqi({"pm25": None, "no2": 950.0}) is None


# ---------------------------------------------------------------------------------------------
# Flood alert levels
# ---------------------------------------------------------------------------------------------

# Station data of the kind the database holds (level I assumed; II and III as in CANTHO.md).
_CAN_THO = (1.70, 1.90, 2.00)


@pytest.mark.parametrize(
    ("water_level_m", "level"),
    [
        (1.20, 0),
        (1.69, 0),
        (1.70, 1),  # at level I
        (1.89, 1),
        (1.90, 2),  # at level II
        (1.95, 2),
        (2.00, 3),  # at level III
        (2.10, 3),
    ],
)
def test_alert_level_at_and_between_can_tho_thresholds(water_level_m: float, level: int) -> None:
    assert alert_level(water_level_m, _CAN_THO) == level


@pytest.mark.parametrize("water_level_m", [None, math.nan])
def test_alert_level_of_unknown_water_level_is_none(water_level_m: float | None) -> None:
    assert alert_level(water_level_m, _CAN_THO) is None


def test_alert_level_never_assumes_a_missing_threshold_was_passed() -> None:
    assert alert_level(1.95, (None, 1.90, 2.00)) == 2
    assert alert_level(2.05, (None, 1.90, 2.00)) == 3
    # Below level II with level I unknown: it may or may not be at level I.
    assert alert_level(1.50, (None, 1.90, 2.00)) is None
    # Level II and III unknown: above level I proves level I, nothing more.
    assert alert_level(2.50, (1.70, None, None)) == 1
    assert alert_level(1.00, (1.70, None, None)) == 0
    assert alert_level(1.95, (1.70, None, 2.00)) == 1
    assert alert_level(1.95, (None, None, None)) is None


def test_alert_level_allows_equal_thresholds() -> None:
    assert alert_level(1.90, (1.90, 1.90, 2.00)) == 2


@pytest.mark.parametrize(
    "thresholds",
    [(1.90, 1.70, 2.00), (1.70, 2.00, 1.90), (2.00, None, 1.90), (math.nan, 1.90, 2.00)],
)
def test_alert_level_rejects_decreasing_or_nan_thresholds(
    thresholds: tuple[float | None, float | None, float | None],
) -> None:
    with pytest.raises(ValueError):
        alert_level(1.80, thresholds)
    with pytest.raises(ValueError):  # even while the gauge is silent
        alert_level(None, thresholds)


def test_flood_alert_table_names_and_colours() -> None:
    assert [(a.level, a.name_vi, a.name_en, a.colour) for a in FLOOD_ALERT_LEVELS] == [
        (0, "Dưới báo động", "Below alert", "#2e86c1"),
        (1, "Báo động I", "Alert level I", "#f1c40f"),
        (2, "Báo động II", "Alert level II", "#e67e22"),
        (3, "Báo động III", "Alert level III", "#c0392b"),
    ]


# ---------------------------------------------------------------------------------------------
# Traffic congestion
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed_kmh", "free_flow_kmh", "expected"),
    [
        (50.0, 40.0, FREE_FLOWING),  # faster than free flow
        (30.0, 40.0, FREE_FLOWING),  # 0.75 exactly: free-flowing
        (9.6, 12.8, FREE_FLOWING),  # 0.75 as written; 0.7499999999999999 in floats
        (29.9, 40.0, SLOW),
        (20.0, 40.0, SLOW),  # 0.5 exactly: slow
        (19.9, 40.0, HEAVY),
        (10.0, 40.0, HEAVY),  # 0.25 exactly: heavy
        (9.9, 40.0, STANDSTILL),
        (0.0, 40.0, STANDSTILL),
    ],
)
def test_congestion_class_boundaries_belong_to_the_faster_class(
    observed_kmh: float, free_flow_kmh: float, expected: object
) -> None:
    assert congestion_class(observed_kmh, free_flow_kmh) == expected


@pytest.mark.parametrize(
    ("observed_kmh", "free_flow_kmh"),
    [
        (None, 40.0),
        (30.0, None),
        (math.nan, 40.0),
        (30.0, math.nan),
        (30.0, 0.0),
        (30.0, -40.0),
        (-1.0, 40.0),
        (math.inf, 40.0),
    ],
)
def test_congestion_class_of_invalid_data_is_none(
    observed_kmh: float | None, free_flow_kmh: float | None
) -> None:
    assert congestion_class(observed_kmh, free_flow_kmh) is None


def test_congestion_table_names_and_colours() -> None:
    assert [(c.name_vi, c.name_en, c.colour) for c in CONGESTION_CLASSES] == [
        ("Thông thoáng", "Free-flowing", "#27ae60"),
        ("Chậm", "Slow", "#f1c40f"),
        ("Ùn tắc", "Heavy", "#e67e22"),
        ("Tắc nghẽn", "Standstill", "#922b21"),
    ]


def test_congested_length_share_counts_heavy_and_standstill_over_measured_length() -> None:
    segments = [(100.0, FREE_FLOWING), (100.0, SLOW), (50.0, HEAVY), (50.0, STANDSTILL)]
    # Unmeasured segments count neither way: (50 + 50) / (100 + 100 + 50 + 50) = 1/3
    assert congested_length_share([*segments, (900.0, None)]) == pytest.approx(1 / 3)


def test_congested_length_share_without_measured_length_is_none() -> None:
    assert congested_length_share([]) is None
    assert congested_length_share([(500.0, None)]) is None
    assert congested_length_share([(0.0, HEAVY)]) is None


def test_congested_length_share_rejects_negative_lengths() -> None:
    with pytest.raises(ValueError):
        congested_length_share([(-10.0, HEAVY)])


# ---------------------------------------------------------------------------------------------
# Service coverage
# ---------------------------------------------------------------------------------------------


def test_coverage_share_is_covered_over_total() -> None:
    assert coverage_share(750, 1000) == pytest.approx(0.75)
    assert coverage_share(0, 1000) == 0.0
    assert coverage_share(1000, 1000) == 1.0


def test_coverage_share_of_an_empty_unit_is_none() -> None:
    assert coverage_share(0, 0) is None


def test_coverage_share_clamps_float_dust_but_rejects_real_excess() -> None:
    assert coverage_share(1000 * (1 + 1e-12), 1000) == 1.0
    with pytest.raises(ValueError):
        coverage_share(1040, 1000)


@pytest.mark.parametrize(("covered", "total"), [(-1, 100), (10, -100), (math.nan, 100)])
def test_coverage_share_rejects_negative_or_nan_population(covered: float, total: float) -> None:
    with pytest.raises(ValueError):
        coverage_share(covered, total)
