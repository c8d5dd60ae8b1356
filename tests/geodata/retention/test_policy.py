"""Retention settings (geodata/retention/policy.py): the defaults stand, "forever" is a value, and
a retention shorter than what stands on it is refused naming the settings and the reason."""

from __future__ import annotations

import pytest

from geodata.retention.policy import RetentionRefused, read_policy
from geodata.settings import Settings


def test_the_defaults_are_a_policy_the_data_can_live_with() -> None:
    policy = read_policy(Settings())
    assert (policy.readings, policy.hourly, policy.daily, policy.audit) == (730, None, None, 1827)
    assert (policy.forecasts, policy.alerts) == (730, None)
    assert (policy.report_contacts, policy.report_photos) == (365, 1827)


def test_forever_is_written_as_a_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANTHO_RETENTION_READINGS_DAYS", "forever")
    monkeypatch.setenv("CANTHO_RETENTION_AUDIT_DAYS", "Forever")
    policy = read_policy(Settings())
    assert (policy.readings, policy.audit) == (None, None)


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"retention_readings_days": -1},
         "CANTHO_RETENTION_READINGS_DAYS=-1: a retention is a number of days, 1 or more"),
        ({"retention_audit_days": 0},
         "CANTHO_RETENTION_AUDIT_DAYS=0: a retention is a number of days, 1 or more"),
        ({"retention_readings_days": 30},
         "CANTHO_RETENTION_READINGS_DAYS=30 is shorter than CANTHO_INGEST_MAX_AGE_DAYS=30 and "
         "a day: sensors may still push readings that old"),
        ({"retention_readings_days": 100, "ingest_max_age_days": 120},
         "CANTHO_RETENTION_READINGS_DAYS=100 is shorter than CANTHO_INGEST_MAX_AGE_DAYS=120"),
        ({"retention_hourly_days": 700},
         "CANTHO_RETENTION_HOURLY_DAYS=700 is shorter than CANTHO_RETENTION_READINGS_DAYS=730:"
         " the hourly rollups and indicators of readings still kept would be gone"),
        ({"retention_readings_days": None, "retention_hourly_days": 5000},
         "CANTHO_RETENTION_HOURLY_DAYS=5000 is shorter than CANTHO_RETENTION_READINGS_DAYS="
         "forever (kept for ever)"),
        ({"retention_readings_days": 60, "retention_hourly_days": 200},
         "CANTHO_RETENTION_HOURLY_DAYS=200 is shorter than 366 days: the water-level forecast "
         "fits its model on the last 366 days of hourly means"),
        ({"retention_hourly_days": 800, "retention_daily_days": 750},
         "CANTHO_RETENTION_DAILY_DAYS=750 is shorter than CANTHO_RETENTION_HOURLY_DAYS=800: a "
         "day is rolled up again from its hours"),
        ({"retention_forecast_days": 7},
         "CANTHO_RETENTION_FORECAST_DAYS=7 is shorter than 11 days"),
        ({"retention_report_contact_days": 14},
         "CANTHO_RETENTION_REPORT_CONTACT_DAYS=14 is shorter than 15 days: a citizen may reopen "
         "a resolved report within 14 days"),
        ({"retention_report_photo_days": 3},
         "CANTHO_RETENTION_REPORT_PHOTO_DAYS=3 is shorter than 15 days"),
    ],
)  # fmt: skip
def test_a_retention_shorter_than_what_stands_on_it_is_refused_by_name(
    settings: dict[str, object], said: str
) -> None:
    with pytest.raises(RetentionRefused) as refused:
        read_policy(Settings(**settings))  # type: ignore[arg-type]
    assert said in str(refused.value)
    assert str(refused.value).startswith("retention refused, nothing was changed:")


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(RetentionRefused) as refused:
        read_policy(Settings(retention_readings_days=10, retention_forecast_days=2))
    assert len(refused.value.problems) == 2
