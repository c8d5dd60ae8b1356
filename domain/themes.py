"""The map's themes (layers a user switches on) and the indicators a unit can be coloured by."""

from __future__ import annotations

from typing import Final

LAYERS: Final = ("flood", "air", "traffic", "services")
# Indicators a choropleth can show: rollup name → how its value reads.
CHOROPLETH_INDICATORS: Final = ("aqi_max", "gauges_above_alert", "congested_share", "coverage")
