"""Settings read from the environment: the working days the holiday package does not know; the
SMTP password kept out of sight."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock import CITY_TZ
from domain.workdays import add_working_days
from geodata.settings import Settings, work_calendar


def test_extra_days_off_and_days_worked_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A swap the package might not know yet: Monday 30/11/2026 off, Saturday 5/12/2026 worked.
    monkeypatch.setenv("CANTHO_WORK_EXTRA_DAYS_OFF", '["2026-11-30"]')
    monkeypatch.setenv("CANTHO_WORK_EXTRA_WORKING_DAYS", '["2026-12-05"]')
    calendar = work_calendar(Settings())
    assert not calendar.is_working_day(dt.date(2026, 11, 30))
    assert calendar.is_working_day(dt.date(2026, 12, 5))
    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=CITY_TZ)
    assert add_working_days(friday, 3, calendar=calendar) == friday + dt.timedelta(days=6)


def test_without_them_the_calendar_is_the_package_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CANTHO_WORK_EXTRA_DAYS_OFF", raising=False)
    monkeypatch.delenv("CANTHO_WORK_EXTRA_WORKING_DAYS", raising=False)
    calendar = work_calendar(Settings())
    assert calendar.is_working_day(dt.date(2026, 11, 30))
    assert not calendar.is_working_day(dt.date(2026, 12, 5))


def test_the_smtp_password_stays_out_of_the_settings_repr() -> None:
    settings = Settings(smtp_user="ioc", smtp_password="mat-khau-2026")
    assert settings.smtp_password == "mat-khau-2026"
    assert "mat-khau-2026" not in repr(settings) and "ioc" in repr(settings)
