"""Kinds of public service facility (the codes of the ``facility_kind`` table), in the order the
dashboard lists them: health first, then schools by level, then clean water."""

from __future__ import annotations

from typing import Final

FACILITY_KINDS: Final[tuple[str, ...]] = (
    "health_station", "hospital", "primary_school", "lower_secondary_school",
    "upper_secondary_school", "clean_water",
)  # fmt: skip
