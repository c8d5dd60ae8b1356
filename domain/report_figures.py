"""The figures of citizens' reports for a unit and period, as values: what the dashboard, the
public statistics page and the kiosk show (``geodata.reports.figures`` reads them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

# The periods the statistics page offers, in days (the dashboard and the kiosk show the first).
PERIODS: Final = (30, 90, 365)


@dataclass(frozen=True)
class Figures:
    """A unit's reports received in a period, and how they were handled (None: nothing to
    measure, e.g. no report was due yet)."""

    received: int
    open: int
    overdue: int
    resolved: int
    acknowledged_on_time: float | None  # share of those due or acknowledged
    resolved_on_time: float | None  # share of those due or resolved
    median_days_to_acknowledge: float | None  # working days
    median_days_to_resolve: float | None  # working days
    average_rating: float | None
    rated_4_or_more: float | None  # share of the rated ones
    rated: int
    ack_measured: int = 0  # reports the acknowledgement share counts (due or acknowledged)
    resolve_measured: int = 0  # reports the resolution share counts (due or resolved)

    @property
    def completed(self) -> float | None:
        """Share of the received reports that are closed."""
        return self.resolved / self.received if self.received else None


@dataclass(frozen=True)
class Week:
    start: dt.date  # Monday, in Cần Thơ
    received: int
    resolved: int
