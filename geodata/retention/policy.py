"""The retention settings, read and checked: a policy whose values the data can live with.

Every retention is a number of days (1 or more) or ``forever`` (None). Some kinds stand on
others, and a retention shorter than what stands on it is refused, naming the settings and the
reason, before anything is dropped or deleted:

- raw readings are kept longer than ``CANTHO_INGEST_MAX_AGE_DAYS``: sensors may still push
  readings that old, and each push rolls its hours up again from the readings stored;
- hourly rollups (with their indicators) are kept at least as long as raw readings (the rollups
  of readings still kept are what every chart reads) and at least the year and a day the
  water-level forecast fits its model on (``geodata.forecast.issue.history``);
- daily rollups at least as long as hourly ones: a day is rolled up again from its hours;
- forecasts at least 11 days (the longest forecast, 240 hours, is not deleted while it runs);
- a resolved report's contact and photos longer than the citizen may reopen it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from domain.reports import REOPEN_DAYS
from geodata.errors import GeodataError
from geodata.forecast.model import MAX_HISTORY
from geodata.settings import Settings

# The forecast reads a year and a day of hourly means before its issue time.
FORECAST_HISTORY_DAYS = MAX_HISTORY.days + 1
LONGEST_FORECAST_DAYS = 11  # 240 hours ahead, and a day


class RetentionRefused(GeodataError):
    """Retention settings or an archive the job cannot work with; nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"retention refused, nothing was changed:\n{shown}")


@dataclass(frozen=True)
class Policy:
    """Days each kind of data is kept (None: for ever)."""

    readings: int | None
    hourly: int | None
    daily: int | None
    audit: int | None
    forecasts: int | None
    alerts: int | None
    report_contacts: int | None
    report_photos: int | None

    def cutoff(self, kind: str, now: dt.datetime) -> dt.datetime | None:
        """The moment before which ``kind`` is no longer kept; None when kept for ever."""
        days = getattr(self, kind)
        return None if days is None else now - dt.timedelta(days=days)


# Each field of Policy and the setting it comes from.
SETTING = {
    "readings": "retention_readings_days",
    "hourly": "retention_hourly_days",
    "daily": "retention_daily_days",
    "audit": "retention_audit_days",
    "forecasts": "retention_forecast_days",
    "alerts": "retention_alert_days",
    "report_contacts": "retention_report_contact_days",
    "report_photos": "retention_report_photo_days",
}


def env(setting: str) -> str:
    """The environment variable of a setting."""
    return f"CANTHO_{setting.upper()}"


def _shown(name: str, days: int | None) -> str:
    return f"{env(name)}={'forever' if days is None else days}"


def read_policy(settings: Settings) -> Policy:
    """The policy the settings state; ``RetentionRefused`` naming every setting that is wrong."""
    values = {f.name: getattr(settings, SETTING[f.name]) for f in fields(Policy)}
    problems = [
        f"{_shown(SETTING[kind], days)}: a retention is a number of days, 1 or more, or 'forever'"
        for kind, days in values.items()
        if days is not None and days < 1
    ]
    if problems:
        raise RetentionRefused(problems)
    policy = Policy(**values)

    def at_least(kind: str, need: int | None, what: str, why: str) -> None:
        """``kind`` must be kept at least as long as ``need`` (None: for ever)."""
        kept = getattr(policy, kind)
        if kept is None or (need is not None and kept >= need):
            return
        problems.append(
            f"{_shown(SETTING[kind], kept)} is shorter than {what}: {why}"
            if need is not None
            else f"{_shown(SETTING[kind], kept)} is shorter than {what} (kept for ever): {why}"
        )

    max_age = settings.ingest_max_age_days
    at_least(
        "readings", max_age + 1, f"CANTHO_INGEST_MAX_AGE_DAYS={max_age} and a day",
        "sensors may still push readings that old, and each push rolls its hours up again "
        "from the readings stored; in a dropped month that would replace the hours' rollups",
    )  # fmt: skip
    at_least(
        "hourly", policy.readings, _shown(SETTING["readings"], policy.readings),
        "the hourly rollups and indicators of readings still kept would be gone, and the "
        "charts read them, never the raw readings",
    )  # fmt: skip
    at_least(
        "hourly", FORECAST_HISTORY_DAYS, f"{FORECAST_HISTORY_DAYS} days",
        f"the water-level forecast fits its model on the last {FORECAST_HISTORY_DAYS} days "
        "of hourly means",
    )  # fmt: skip
    at_least(
        "daily", policy.hourly, _shown(SETTING["hourly"], policy.hourly),
        "a day is rolled up again from its hours, and the daily charts would lose days the "
        "hourly ones still show",
    )  # fmt: skip
    at_least(
        "forecasts", LONGEST_FORECAST_DAYS, f"{LONGEST_FORECAST_DAYS} days",
        "a forecast reaches up to 240 hours ahead, and the map shows it while it runs",
    )  # fmt: skip
    for kind, what in (("report_contacts", "contact"), ("report_photos", "photos")):
        at_least(
            kind, REOPEN_DAYS + 1, f"{REOPEN_DAYS + 1} days",
            f"a citizen may reopen a resolved report within {REOPEN_DAYS} days, and its "
            f"{what} are needed while it may be handled again",
        )  # fmt: skip
    if problems:
        raise RetentionRefused(problems)
    return policy
