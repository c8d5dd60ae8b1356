"""Domain maths of the dashboard's indicators: VN_AQI, flood alert levels, congestion, coverage.

Pure functions and frozen tables: no database, no Dash. The queries feed these numbers in, the
layouts read the names and colours out, so one change of a breakpoint or a colour reaches both the
map and the legend.

Arithmetic that ends in a class boundary (an AQI rounded half up, a speed ratio of exactly 0.75) is
done on the decimal value as written (``Fraction(repr(x))``), not on binary floats: 0.3 / 0.4 is
0.7499999999999999 in floats, and a segment must not turn "slow" because of that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType
from typing import Final, Literal

# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def _exact(value: float) -> Fraction:
    """The decimal value a finite number was written as (12.3 → 123/10), not its binary float."""
    return Fraction(repr(float(value)))


def _round_half_up(value: Fraction) -> int:
    # Python's round() rounds half to even (round(52.5) == 52); the decision means half up.
    return math.floor(value + Fraction(1, 2))


# ---------------------------------------------------------------------------------------------
# Air quality: VN_AQI (Decision 1459/QĐ-TCMT, 2019)
# ---------------------------------------------------------------------------------------------

Pollutant = Literal["pm25", "pm10", "no2", "o3", "co", "so2"]
# Order matters: it breaks ties for the dominant pollutant, particles first (see overall_aqi).
POLLUTANTS: Final[tuple[Pollutant, ...]] = ("pm25", "pm10", "no2", "o3", "co", "so2")
PARTICULATES: Final[frozenset[str]] = frozenset({"pm25", "pm10"})

# The index values at the breakpoints, and each pollutant's concentration (µg/m³) at them.
AQI_INDEX_BREAKPOINTS: Final[tuple[int, ...]] = (0, 50, 100, 150, 200, 300, 400, 500)
CONCENTRATION_BREAKPOINTS: Final[Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {
        "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),  # 1-hour values: the table has no others
        "co": (0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000),
        "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
        "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
        "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
        "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
    }
)
AQI_MAX: Final = 500

AqiCategoryCode = Literal["good", "moderate", "poor", "bad", "very_bad", "hazardous"]


@dataclass(frozen=True)
class AqiCategory:
    """One VN_AQI band: its index range, names and official colour."""

    code: AqiCategoryCode
    low: int
    high: int
    name_vi: str
    name_en: str
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        """The official colour as ``#rrggbb`` (lower case), for CSS and map styles."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


AQI_CATEGORIES: Final[tuple[AqiCategory, ...]] = (
    AqiCategory("good", 0, 50, "Tốt", "Good", (0, 228, 0)),
    AqiCategory("moderate", 51, 100, "Trung bình", "Moderate", (255, 255, 0)),
    AqiCategory("poor", 101, 150, "Kém", "Poor", (255, 126, 0)),
    AqiCategory("bad", 151, 200, "Xấu", "Bad", (255, 0, 0)),
    AqiCategory("very_bad", 201, 300, "Rất xấu", "Very bad", (143, 63, 151)),
    AqiCategory("hazardous", 301, AQI_MAX, "Nguy hại", "Hazardous", (126, 0, 35)),
)


@dataclass(frozen=True)
class AqiResult:
    """An overall AQI: the highest sub-index, the pollutant that set it, and its band."""

    value: int
    dominant_pollutant: str
    category: AqiCategory


def _concentration_breakpoints(pollutant: str) -> tuple[int, ...]:
    try:
        return CONCENTRATION_BREAKPOINTS[pollutant]
    except KeyError:
        raise ValueError(
            f"unknown pollutant {pollutant!r}: expected one of {', '.join(POLLUTANTS)}"
        ) from None


def sub_index(pollutant: str, concentration: float | None) -> int | None:
    """The VN_AQI sub-index of one pollutant's concentration (µg/m³), or None if it is unusable.

    Linear interpolation between the neighbouring breakpoints,
    ``I_i + (I_{i+1} - I_i) / (BP_{i+1} - BP_i) * (C - BP_i)``, rounded to the nearest integer
    with halves rounded up (52.5 → 53), as the decision reports the AQI as an integer.

    None for a missing (None/NaN) or negative concentration: a negative reading is an instrument
    fault, not clean air. A concentration at or above the top breakpoint gives 500: the scale
    ends there, and the map must show the worst colour rather than a gap or an off-scale number.
    An unknown pollutant code raises ValueError.
    """
    breakpoints = _concentration_breakpoints(pollutant)
    if concentration is None or math.isnan(concentration) or concentration < 0:
        return None
    if math.isinf(concentration) or concentration >= breakpoints[-1]:
        return AQI_MAX
    c = _exact(concentration)
    for (bp_low, bp_high), (i_low, i_high) in zip(
        pairwise(breakpoints), pairwise(AQI_INDEX_BREAKPOINTS), strict=True
    ):
        if c <= bp_high:
            return _round_half_up(i_low + Fraction(i_high - i_low, bp_high - bp_low) * (c - bp_low))
    raise AssertionError("unreachable: c is below the top breakpoint")  # pragma: no cover


def aqi_category(value: int) -> AqiCategory:
    """The band of an AQI value; anything above 500 is hazardous. A negative value raises."""
    if value < 0:
        raise ValueError(f"an AQI cannot be negative: {value}")
    for category in AQI_CATEGORIES:
        if value <= category.high:
            return category
    return AQI_CATEGORIES[-1]


def overall_aqi(sub_indices: Mapping[str, int | None]) -> AqiResult | None:
    """The overall AQI: the highest sub-index and the pollutant that set it.

    None unless PM2.5 or PM10 has a sub-index (the decision's "needs PM" rule): gases alone do
    not make an AQI. Missing sub-indices (None) are skipped. On a tie the pollutant earlier in
    ``POLLUTANTS`` is named dominant (particles first), so the answer does not depend on the
    mapping's order. Unknown pollutant codes and negative sub-indices raise ValueError.
    """
    present: dict[str, int] = {}
    for pollutant, index in sub_indices.items():
        _concentration_breakpoints(pollutant)  # validates the code
        if index is None:
            continue
        if index < 0:
            raise ValueError(f"a sub-index cannot be negative: {pollutant}={index}")
        present[pollutant] = index
    if not PARTICULATES & present.keys():
        return None
    dominant = max(
        (p for p in POLLUTANTS if p in present),
        key=lambda p: (present[p], -POLLUTANTS.index(p)),
    )
    value = present[dominant]
    return AqiResult(value=value, dominant_pollutant=dominant, category=aqi_category(value))


NOWCAST_HOURS: Final = 12


def nowcast(hourly_means: Sequence[float | None]) -> float | None:
    """The NowCast concentration of PM from hourly means, most recent hour FIRST.

    The rule used (VN_AQI and US EPA alike):

    - only the first 12 values count; a shorter sequence means the older hours are missing;
      None, NaN and negative values are missing hours;
    - at least 2 of the 3 most recent hours must be present, otherwise None (too stale);
    - w* = min / max of the available values; the weight w = w* if w* > 0.5, else 0.5;
    - NowCast = Σ w^(i-1)·c_i / Σ w^(i-1) over the available hours, i = 1 for the most recent.
      A missing hour keeps its place in the exponent: it drops out of both sums, it does not
      shift the older hours closer to now.

    All-zero data gives 0.0 (w* is undefined there, but every weight gives 0). The result is
    not rounded or truncated: rounding happens once, in the sub-index.
    """
    recent = list(hourly_means[:NOWCAST_HOURS])
    available = [
        (age, value)
        for age, value in enumerate(recent)
        if value is not None and not math.isnan(value) and value >= 0
    ]
    if sum(1 for age, _ in available if age < 3) < 2:
        return None
    values = [value for _, value in available]
    highest = max(values)
    if highest == 0:
        return 0.0
    weight = max(min(values) / highest, 0.5)
    numerator = sum(weight**age * value for age, value in available)
    denominator = sum(weight**age for age, _ in available)
    return numerator / denominator


def hourly_aqi(hourly_means_by_pollutant: Mapping[str, Sequence[float | None]]) -> AqiResult | None:
    """The hourly AQI from each pollutant's hourly means, most recent hour FIRST.

    PM2.5 and PM10 use the NowCast of their last 12 hours; the gases use their latest hourly
    mean only (O3 against its 1-hour breakpoints). A gas whose latest hour is missing has no
    sub-index: an older hour would pass a stale value off as the current one.
    """
    sub_indices: dict[str, int | None] = {}
    for pollutant, hours in hourly_means_by_pollutant.items():
        latest = hours[0] if hours else None
        concentration = nowcast(hours) if pollutant in PARTICULATES else latest
        sub_indices[pollutant] = sub_index(pollutant, concentration)
    return overall_aqi(sub_indices)


def daily_aqi(daily_means: Mapping[str, float | None]) -> AqiResult | None:
    """The daily AQI from each pollutant's 24-hour mean concentration (µg/m³).

    CANTHO.md gives one breakpoint table, and it is applied to the daily means as well; O3 is
    judged against the 1-hour column, the only O3 column the table has.
    """
    return overall_aqi({p: sub_index(p, c) for p, c in daily_means.items()})


# ---------------------------------------------------------------------------------------------
# Flood alert levels (Báo động I/II/III, Decision 05/2020/QĐ-TTg)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloodAlertLevel:
    """One flood alert level (0 = below level I) with its names and map colour."""

    level: int
    name_vi: str
    name_en: str
    colour: str


# Blue → yellow → orange → red rises in warmth and falls in lightness, so the order still reads
# for red-green colour-blind viewers and in greyscale.
FLOOD_ALERT_LEVELS: Final[tuple[FloodAlertLevel, ...]] = (
    FloodAlertLevel(0, "Dưới báo động", "Below alert", "#2e86c1"),
    FloodAlertLevel(1, "Báo động I", "Alert level I", "#f1c40f"),
    FloodAlertLevel(2, "Báo động II", "Alert level II", "#e67e22"),
    FloodAlertLevel(3, "Báo động III", "Alert level III", "#c0392b"),
)

AlertThresholds = tuple[float | None, float | None, float | None]


def validate_alert_thresholds(thresholds: AlertThresholds) -> None:
    """Raise ValueError unless the given thresholds (levels I, II, III) are non-decreasing."""
    given = [(level, t) for level, t in enumerate(thresholds, start=1) if t is not None]
    for level, threshold in given:
        if math.isnan(threshold):
            raise ValueError(f"alert level {'I' * level} threshold is NaN")
    for (low_level, low), (high_level, high) in pairwise(given):
        if high < low:
            raise ValueError(
                f"alert thresholds must not decrease: level {'I' * high_level} ({high} m) "
                f"is below level {'I' * low_level} ({low} m)"
            )


def alert_level(water_level_m: float | None, thresholds: AlertThresholds) -> int | None:
    """The flood alert level (0-3) a gauge reading has reached, or None when it cannot be told.

    ``thresholds`` are the station's levels I, II and III in metres (station data: every gauge has
    its own); a level is reached when the water is at or above it. A missing threshold (None) is
    never assumed passed: the answer is the highest level the data proves. So with level III
    missing, a reading above level II is 2; with level I missing, a reading below level II is
    None, since it may or may not be at level I. A missing or NaN reading gives None.

    The thresholds are checked first (ValueError if the given ones decrease) so that bad station
    data is noticed even while the gauge is silent.
    """
    validate_alert_thresholds(thresholds)
    if water_level_m is None or math.isnan(water_level_m):
        return None
    reached = [
        level
        for level, threshold in enumerate(thresholds, start=1)
        if threshold is not None and water_level_m >= threshold
    ]
    if reached:
        return max(reached)
    # Below every given threshold: that proves "below alert" only if level I itself is known.
    return 0 if thresholds[0] is not None else None


# ---------------------------------------------------------------------------------------------
# Traffic congestion (observed / free-flow speed)
# ---------------------------------------------------------------------------------------------

CongestionCode = Literal["free_flowing", "slow", "heavy", "standstill"]


@dataclass(frozen=True)
class Congestion:
    """A congestion class: the lowest speed ratio that belongs to it, names and map colour."""

    code: CongestionCode
    min_ratio: float  # 0.75, 0.5, 0.25, 0: exact in binary, so comparisons stay exact
    name_vi: str
    name_en: str
    colour: str


FREE_FLOWING: Final = Congestion("free_flowing", 0.75, "Thông thoáng", "Free-flowing", "#27ae60")
SLOW: Final = Congestion("slow", 0.5, "Chậm", "Slow", "#f1c40f")
HEAVY: Final = Congestion("heavy", 0.25, "Ùn tắc", "Heavy", "#e67e22")
STANDSTILL: Final = Congestion("standstill", 0.0, "Tắc nghẽn", "Standstill", "#922b21")
# Fastest first, the order congestion_class searches and a legend lists them.
CONGESTION_CLASSES: Final[tuple[Congestion, ...]] = (FREE_FLOWING, SLOW, HEAVY, STANDSTILL)
CONGESTED: Final[frozenset[Congestion]] = frozenset({HEAVY, STANDSTILL})


def congestion_class(observed_kmh: float | None, free_flow_kmh: float | None) -> Congestion | None:
    """The congestion class of a segment from the ratio observed / free-flow speed.

    ≥ 0.75 free-flowing, [0.5, 0.75) slow, [0.25, 0.5) heavy, < 0.25 standstill: each lower
    bound belongs to its class. A ratio above 1 (faster than free flow) is free-flowing. None
    for a missing, NaN or infinite speed, a negative observed speed, or free flow ≤ 0.
    """
    if observed_kmh is None or free_flow_kmh is None:
        return None
    if not (math.isfinite(observed_kmh) and math.isfinite(free_flow_kmh)):
        return None
    if observed_kmh < 0 or free_flow_kmh <= 0:
        return None
    ratio = _exact(observed_kmh) / _exact(free_flow_kmh)
    for congestion in CONGESTION_CLASSES:
        if ratio >= congestion.min_ratio:
            return congestion
    raise AssertionError("unreachable: the standstill class starts at 0")  # pragma: no cover


def congested_length_share(segments: Iterable[tuple[float, Congestion | None]]) -> float | None:
    """The share (0-1) of the measured road length that is heavy or standstill.

    ``segments`` are (length in metres, class) pairs; segments without a class (no speed data)
    are left out of both numerator and denominator, so gaps in coverage do not read as free
    roads. None when no length is measured. A negative or NaN length raises ValueError.
    """
    measured = 0.0
    congested = 0.0
    for length_m, congestion in segments:
        if math.isnan(length_m) or length_m < 0:
            raise ValueError(f"a segment length must be a non-negative number: {length_m}")
        if congestion is None:
            continue
        measured += length_m
        if congestion in CONGESTED:
            congested += length_m
    if measured == 0:
        return None
    return congested / measured


# ---------------------------------------------------------------------------------------------
# Service coverage (the spatial part runs in PostGIS; this is the share it ends in)
# ---------------------------------------------------------------------------------------------

# Covered population is summed from intersected areas in PostGIS and may exceed the total by
# floating-point dust; more than this is a real disagreement between the inputs.
_COVERAGE_TOLERANCE: Final = 1e-9


def coverage_share(covered_population: float, total_population: float) -> float | None:
    """The share (0-1) of residents within the service distance; None when nobody lives there.

    Raises ValueError for NaN or negative inputs, and for a covered population above the total
    (beyond floating-point dust, which is clamped to 1): the inputs then come from different
    population sources, and showing "104 %" would hide that.
    """
    if math.isnan(covered_population) or math.isnan(total_population):
        raise ValueError("population figures must be numbers, not NaN")
    if covered_population < 0 or total_population < 0:
        raise ValueError(
            f"population cannot be negative: covered={covered_population}, total={total_population}"
        )
    if total_population == 0:
        return None
    if covered_population > total_population * (1 + _COVERAGE_TOLERANCE):
        raise ValueError(
            f"covered population {covered_population} exceeds the total {total_population}"
        )
    return min(covered_population / total_population, 1.0)
