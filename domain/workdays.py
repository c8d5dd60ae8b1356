"""Vietnamese working days: the deadlines of citizens' reports (acknowledge within 3 working days,
resolve within 5) and the "on time" and median-time figures, counted in Cần Thơ time.

**Which days are worked.** Monday to Friday, except the public holidays of the Labour Code as the
maintained ``holidays`` package lists them for Vietnam (``VN``): Tết Dương lịch (1/1), Tết
Nguyên Đán (the eve and the first four days of the lunar year, with the days a weekend moves),
Giỗ Tổ Hùng Vương (10/3 lunar), 30/4, 1/5, Quốc khánh (2/9 and the day beside it), Ngày Văn hóa
Việt Nam (24/11, from 2026), each with its observed day when it falls on a weekend, and the
government's swapped days for the years the package knows (a weekday off, the Saturday worked in
exchange: in 2026, 31/8 off for Saturday 22/8 worked). Lunar dates come from the package's own
lunar calendar, so no year needs a hand-written list.

**What no library knows.** The government fixes each year's swapped days (ngày nghỉ bù / ngày
làm bù) for state agencies in an announcement, often late in the year before, and a package
release may lag behind it; the city may also close its offices for a day of its own. Such days
are given to a :class:`WorkCalendar` (``extra_days_off``, ``extra_working_days``): the app reads
them from its settings (``CANTHO_WORK_EXTRA_DAYS_OFF`` / ``CANTHO_WORK_EXTRA_WORKING_DAYS``,
see ``geodata.settings.work_calendar``). A date given there wins over the package.

**How time is counted.** A working day is a whole calendar day (00:00–24:00 Cần Thơ time) that is
worked; office hours are not modelled. The time a report waits is the part of the interval that
lies on working days:

- a deadline of N working days is the first moment at which N whole days of working time have
  passed. Received on a working day, it falls at the same time of day on the N-th working day
  after: Friday 16:00 + 3 → Wednesday 16:00. Received on a weekend or a holiday, the clock starts
  at 00:00 of the next working day, so the deadline is the end of the N-th working day (returned
  as 00:00 of the calendar day after it: Saturday 10:00 + 3 → Thursday 00:00, i.e. the end of
  Wednesday, whatever Thursday is);
- :func:`working_days_between` measures the same working time as a float number of working days
  (12 working hours = 0.5), so ``working_days_between(t, add_working_days(t, n)) == n`` and a
  report is on time when its measure is ``<= n``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import holidays

from domain.clock import CITY_TZ

_DAY: Final = dt.timedelta(days=1)
_MIDNIGHT: Final = dt.time(0)


@lru_cache(maxsize=256)
def _library_year(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """The package's days off (any day of the week) and weekend days worked in ``year``. (The
    package itself files a swap across New Year under both years: 31/12/2018 off for Saturday
    5/1/2019 worked.)"""
    calendar = holidays.country_holidays("VN", years=year)
    days_off = frozenset(day for day in calendar if day.year == year)
    worked = frozenset(day for day in calendar.weekend_workdays if day.year == year)
    return days_off, worked


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnam's working days, plus the days off and days worked the package does not know."""

    extra_days_off: frozenset[dt.date] = field(default_factory=frozenset)
    extra_working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"a day cannot be both off and worked: {sorted(both)}")

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is worked (a datetime: its date in Cần Thơ)."""
        day = _as_date(day)
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, worked = _library_year(day.year)
        if day.weekday() >= 5:  # Saturday, Sunday
            return day in worked
        return day not in days_off

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after ``day``."""
        day = _as_date(day) + _DAY
        while not self.is_working_day(day):
            day += _DAY
        return day

    def working_days_in(self, first: dt.date, end: dt.date) -> int:
        """How many working days lie in ``first`` ≤ day < ``end`` (0 when ``end <= first``)."""
        if end <= first:
            return 0
        weeks, rest = divmod((end - first).days, 7)
        count = weeks * 5 + sum((first + i * _DAY).weekday() < 5 for i in range(rest))
        for year in range(first.year, end.year + 1):
            weekdays_off, weekend_worked = _exceptions(self, year)
            count += _within(weekend_worked, first, end) - _within(weekdays_off, first, end)
        return count

    def add_working_days(
        self, start: dt.datetime, days: int, tz: dt.tzinfo = CITY_TZ
    ) -> dt.datetime:
        """See the module-level :func:`add_working_days`."""
        if days < 0:
            raise ValueError(f"a deadline is a number of working days ahead, not {days}")
        local = _local(start, tz)
        if days == 0:
            return local
        day, at = local.date(), local.time()
        if self.is_working_day(day) and at != _MIDNIGHT:
            for _ in range(days):
                day = self.next_working_day(day)
            return dt.datetime.combine(day, at, tzinfo=tz)
        # The clock starts at 00:00 of the first working day from here: the deadline is the end
        # of the N-th working day counted from that one.
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        for _ in range(days - 1):
            day = self.next_working_day(day)
        return dt.datetime.combine(day + _DAY, _MIDNIGHT, tzinfo=tz)

    def working_days_between(
        self, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo = CITY_TZ
    ) -> float:
        """See the module-level :func:`working_days_between`."""
        a, b = _local(start, tz), _local(end, tz)
        if b < a:
            return -self.working_days_between(end, start, tz)
        # Wall-clock arithmetic in Cần Thơ time (which keeps no summer time): each working day
        # counts its 24 hours.
        a_naive, b_naive = a.replace(tzinfo=None), b.replace(tzinfo=None)
        first, last = a_naive.date(), b_naive.date()
        if first == last:
            worked = b_naive - a_naive if self.is_working_day(first) else dt.timedelta(0)
            return worked / _DAY
        worked = dt.timedelta(0)
        if self.is_working_day(first):
            worked += dt.datetime.combine(first + _DAY, _MIDNIGHT) - a_naive
        if self.is_working_day(last):
            worked += b_naive - dt.datetime.combine(last, _MIDNIGHT)
        worked += self.working_days_in(first + _DAY, last) * _DAY
        return worked / _DAY


@lru_cache(maxsize=1024)
def _exceptions(calendar: WorkCalendar, year: int) -> tuple[list[dt.date], list[dt.date]]:
    """``year``'s weekdays off and weekend days worked in ``calendar``, sorted: counting the
    working days of a long range is then weeks × 5 corrected by these, not a walk day by day."""
    days = (dt.date(year, 1, 1) + i * _DAY for i in range(366))
    off: list[dt.date] = []
    worked: list[dt.date] = []
    for day in days:
        if day.year != year:
            break
        weekday = day.weekday() < 5
        if weekday and not calendar.is_working_day(day):
            off.append(day)
        elif not weekday and calendar.is_working_day(day):
            worked.append(day)
    return off, worked


def _within(days: list[dt.date], first: dt.date, end: dt.date) -> int:
    """How many of the sorted ``days`` lie in ``first`` ≤ day < ``end``."""
    return bisect.bisect_left(days, end) - bisect.bisect_left(days, first)


def _as_date(day: dt.date) -> dt.date:
    """A date as given; a datetime's date in Cần Thơ (a naive one read as Cần Thơ time)."""
    if isinstance(day, dt.datetime):
        return _local(day, CITY_TZ).date()
    return day


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """``moment`` in ``tz``; a naive moment is read as ``tz``'s wall-clock time, as the city's
    ``datetime-local`` inputs are (``domain.clock.parse_local``)."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


VIETNAM: Final = WorkCalendar()
"""The package's calendar alone, for callers with no extra days to add."""


def is_working_day(day: dt.date, *, calendar: WorkCalendar = VIETNAM) -> bool:
    """Whether ``day`` is a working day in Cần Thơ (a datetime: its date in Cần Thơ)."""
    return calendar.is_working_day(day)


def add_working_days(
    start: dt.datetime, days: int, tz: dt.tzinfo = CITY_TZ, *, calendar: WorkCalendar = VIETNAM
) -> dt.datetime:
    """The deadline ``days`` working days after ``start``, as an aware time in ``tz`` (a naive
    ``start`` is read as ``tz`` time). Received on a working day: the same time of day on the
    ``days``-th working day after. Received on a weekend or holiday (or at 00:00 sharp): the end
    of the ``days``-th working day counted from the next one (00:00 of the calendar day after
    it). ``days == 0`` gives ``start`` itself; a negative ``days`` is a ValueError."""
    return calendar.add_working_days(start, days, tz)


def working_days_between(
    start: dt.datetime,
    end: dt.datetime,
    tz: dt.tzinfo = CITY_TZ,
    *,
    calendar: WorkCalendar = VIETNAM,
) -> float:
    """The working time from ``start`` to ``end`` in working days (a float: the hours that lie
    on working days, counted in ``tz``, over 24), negative when ``end`` comes first. Handled on
    time within N working days: ``working_days_between(received, handled) <= N``."""
    return calendar.working_days_between(start, end, tz)
