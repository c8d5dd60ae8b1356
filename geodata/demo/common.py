"""What every part of the demo data shares: the source it is written under and the metric plane its
shapes are built in. Its own module, so the demo's parts import it rather than each other."""

from __future__ import annotations

DEMO_SOURCE = "demo"
METRIC_CRS = "EPSG:32648"  # UTM 48N: a metric plane to build shapes in
