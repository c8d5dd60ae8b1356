"""A KPI card's numbers: what the dashboard and the kiosk show for a unit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kpi:
    """One KPI card: the value now, the value a period before, and what it refers to."""

    key: str
    value: float | None
    previous: float | None
    detail: dict[str, Any]
