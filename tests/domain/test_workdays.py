"""Vietnamese working days: which days are worked (weekends, public holidays with Tết, the
government's swapped days), deadlines N working days ahead in Cần Thơ time, and the working time
between two moments — on real dates of 2018–2027."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock import CITY_TZ
from domain.workdays import (
    VIETNAM,
    WorkCalendar,
    add_working_days,
    is_working_day,
    working_days_between,
)


def local(*parts: int) -> dt.datetime:
    """A moment in Cần Thơ time."""
    return dt.datetime(*parts, tzinfo=CITY_TZ)  # type: ignore[misc]


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- which days are worked -----------------------------------------------------------------------


def test_tet_2026_is_off_from_the_eve_to_the_fourth_day_with_its_weekends() -> None:
    # 17/2/2026 is mùng một Tết Bính Ngọ; the package gives the eve (16/2, Monday) and mùng 2–4
    # (18–20/2) too, so with the weekends either side offices close from 14/2 to 22/2.
    assert [is_working_day(day) for day in days(dt.date(2026, 2, 12), dt.date(2026, 2, 24))] == [
        True,  # Thu 12/2
        True,  # Fri 13/2
        False,  # Sat 14/2
        False,  # Sun 15/2
        False,  # Mon 16/2, giao thừa
        False,  # Tue 17/2, Tết Nguyên Đán
        False,  # Wed 18/2
        False,  # Thu 19/2
        False,  # Fri 20/2
        False,  # Sat 21/2
        False,  # Sun 22/2
        True,  # Mon 23/2
        True,  # Tue 24/2
    ]


def test_hung_kings_day_on_a_sunday_is_observed_on_monday_and_30_4_1_5_are_off() -> None:
    # Giỗ Tổ Hùng Vương (10/3 lunar) is Sunday 26/4/2026: Monday 27/4 is off instead.
    assert [is_working_day(day) for day in days(dt.date(2026, 4, 24), dt.date(2026, 5, 4))] == [
        True,  # Fri 24/4
        False,  # Sat 25/4
        False,  # Sun 26/4, Giỗ Tổ
        False,  # Mon 27/4, nghỉ bù
        True,  # Tue 28/4
        True,  # Wed 29/4
        False,  # Thu 30/4
        False,  # Fri 1/5
        False,  # Sat 2/5
        False,  # Sun 3/5
        True,  # Mon 4/5
    ]


def test_national_day_2026_takes_two_days_and_a_swapped_monday_worked_on_saturday_22_8() -> None:
    # Quốc khánh: 2/9 (Wednesday) and 1/9; the government swapped Monday 31/8 for Saturday 22/8.
    assert not is_working_day(dt.date(2026, 9, 2))
    assert not is_working_day(dt.date(2026, 9, 1))
    assert not is_working_day(dt.date(2026, 8, 31))
    assert is_working_day(dt.date(2026, 8, 22))  # a Saturday, worked
    assert not is_working_day(dt.date(2026, 8, 29))  # the Saturday after: an ordinary weekend
    assert is_working_day(dt.date(2026, 9, 3))


def test_vietnam_culture_day_24_11_is_off_from_2026_on() -> None:
    assert not is_working_day(dt.date(2026, 11, 24))
    assert is_working_day(dt.date(2025, 11, 24))  # a Monday, before the holiday existed


def test_an_ordinary_weekend_is_off_and_its_weekdays_are_worked() -> None:
    week = days(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert [is_working_day(day) for day in week] == [True] * 5 + [False] * 2


def test_a_swap_across_new_year_is_known_31_12_2018_off_for_saturday_5_1_2019() -> None:
    assert not is_working_day(dt.date(2018, 12, 31))
    assert not is_working_day(dt.date(2019, 1, 1))
    assert is_working_day(dt.date(2019, 1, 5))  # Saturday: worked for 31/12/2018


def test_a_moment_is_on_its_day_in_can_tho_not_in_utc() -> None:
    # 18:00 UTC on Friday 13/11/2026 is 01:00 on Saturday in Cần Thơ.
    assert not is_working_day(dt.datetime(2026, 11, 13, 18, 0, tzinfo=dt.UTC))
    assert is_working_day(dt.datetime(2026, 11, 13, 16, 0, tzinfo=dt.UTC))  # 23:00 Friday


def test_2026_has_249_working_days() -> None:
    # 261 weekdays, less the 13 weekday holidays (1/1; 16–20/2; 27/4; 30/4; 1/5; 31/8, 1/9, 2/9;
    # 24/11), plus Saturday 22/8 worked.
    assert VIETNAM.working_days_in(dt.date(2026, 1, 1), dt.date(2027, 1, 1)) == 261 - 13 + 1
    assert sum(map(is_working_day, days(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))) == 249


@pytest.mark.parametrize(
    ("first", "end"),
    [
        (dt.date(2026, 2, 10), dt.date(2026, 2, 25)),
        (dt.date(2018, 12, 20), dt.date(2019, 1, 10)),
        (dt.date(2025, 3, 3), dt.date(2027, 6, 9)),
        (dt.date(2026, 8, 22), dt.date(2026, 8, 23)),
        (dt.date(2026, 8, 23), dt.date(2026, 8, 22)),
    ],
)
def test_counting_a_range_agrees_with_asking_day_by_day(first: dt.date, end: dt.date) -> None:
    one_by_one = sum(map(is_working_day, days(first, end - dt.timedelta(days=1))))
    assert VIETNAM.working_days_in(first, end) == one_by_one


# --- deadlines -----------------------------------------------------------------------------------


def test_received_friday_16_00_due_in_3_working_days_is_due_wednesday_16_00() -> None:
    assert add_working_days(local(2026, 11, 27, 16, 0), 3) == local(2026, 12, 2, 16, 0)


def test_a_holiday_in_the_week_moves_the_deadline_a_day() -> None:
    # Friday 20/11/2026 + 3: Monday 23, (Tuesday 24/11 is off), Wednesday 25, Thursday 26.
    assert add_working_days(local(2026, 11, 20, 16, 0), 3) == local(2026, 11, 26, 16, 0)


@pytest.mark.parametrize(
    "received", [local(2026, 11, 28, 10, 0), local(2026, 11, 29, 23, 59), local(2026, 11, 30, 0, 0)]
)
def test_received_at_a_weekend_the_clock_starts_monday_and_stops_at_the_end_of_wednesday(
    received: dt.datetime,
) -> None:
    # Monday, Tuesday and Wednesday whole: due when Wednesday ends (00:00 Thursday).
    assert add_working_days(received, 3) == local(2026, 12, 3, 0, 0)


def test_received_on_a_holiday_the_clock_starts_on_the_next_working_day() -> None:
    # 30/4/2026 (Thursday): 1/5 and the weekend are off too; Monday 4/5, 5/5, 6/5 whole.
    assert add_working_days(local(2026, 4, 30, 9, 0), 3) == local(2026, 5, 7, 0, 0)


def test_a_deadline_crossing_tet_skips_the_whole_break() -> None:
    # Friday 13/2/2026 16:00: Monday 23, Tuesday 24, Wednesday 25 (16/2–22/2 off).
    assert add_working_days(local(2026, 2, 13, 16, 0), 3) == local(2026, 2, 25, 16, 0)
    # Resolve within 5 from Thursday 12/2 09:00: 13/2, 23/2, 24/2, 25/2, 26/2.
    assert add_working_days(local(2026, 2, 12, 9, 0), 5) == local(2026, 2, 26, 9, 0)


def test_a_deadline_crossing_the_new_year() -> None:
    # Wednesday 30/12/2026 14:00: Thursday 31/12, (1/1/2027 and the weekend off), 4/1, 5/1.
    assert add_working_days(local(2026, 12, 30, 14, 0), 3) == local(2027, 1, 5, 14, 0)


def test_a_saturday_worked_in_a_swap_counts() -> None:
    # Friday 4/1/2019 16:00 + 1: Saturday 5/1/2019 was worked (for Monday 31/12/2018).
    assert add_working_days(local(2019, 1, 4, 16, 0), 1) == local(2019, 1, 5, 16, 0)


def test_the_deadline_is_counted_in_can_tho_time_and_given_in_it() -> None:
    # 20:00 UTC on Friday 27/11/2026 is 03:00 Saturday in Cần Thơ: a weekend report.
    due = add_working_days(dt.datetime(2026, 11, 27, 20, 0, tzinfo=dt.UTC), 3)
    assert due == local(2026, 12, 3, 0, 0)
    assert due.tzinfo == CITY_TZ and due.hour == 0


def test_a_naive_moment_is_read_as_can_tho_time() -> None:
    assert add_working_days(dt.datetime(2026, 11, 27, 16, 0), 3) == local(2026, 12, 2, 16, 0)


def test_zero_working_days_is_the_moment_itself_and_a_negative_count_is_refused() -> None:
    assert add_working_days(local(2026, 11, 28, 10, 0), 0) == local(2026, 11, 28, 10, 0)
    with pytest.raises(ValueError, match="working days ahead"):
        add_working_days(local(2026, 11, 27, 16, 0), -1)


# --- working time between two moments ------------------------------------------------------------


def test_working_time_is_in_working_days_of_24_hours() -> None:
    assert working_days_between(local(2026, 11, 27, 16, 0), local(2026, 11, 30, 16, 0)) == 1.0
    assert working_days_between(local(2026, 11, 26, 8, 0), local(2026, 11, 26, 20, 0)) == 0.5
    # Friday 16:00 to Saturday 10:00: the 8 hours left of Friday.
    assert working_days_between(
        local(2026, 11, 27, 16, 0), local(2026, 11, 28, 10, 0)
    ) == pytest.approx(1 / 3)


def test_a_weekend_or_a_holiday_adds_no_working_time() -> None:
    assert working_days_between(local(2026, 11, 28, 8, 0), local(2026, 11, 29, 20, 0)) == 0.0
    assert working_days_between(local(2026, 2, 14, 0, 0), local(2026, 2, 23, 0, 0)) == 0.0


def test_working_time_backwards_is_negative() -> None:
    assert working_days_between(local(2026, 11, 30, 16, 0), local(2026, 11, 27, 16, 0)) == -1.0


def test_working_time_counts_in_can_tho_time() -> None:
    # 17:00 UTC Friday → 17:00 UTC Sunday is Saturday 00:00 → Monday 00:00 in Cần Thơ: no work.
    friday = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)
    assert working_days_between(friday, friday + dt.timedelta(days=2)) == 0.0


@pytest.mark.parametrize(
    "received",
    [
        local(2026, 2, 13, 16, 0),
        local(2026, 2, 17, 9, 30),
        local(2026, 4, 29, 23, 59),
        local(2026, 8, 21, 11, 0),
        local(2026, 12, 31, 0, 0),
        local(2018, 12, 28, 7, 45),
    ],
)
@pytest.mark.parametrize("n", [1, 3, 5, 10])
def test_a_report_handled_at_its_deadline_took_exactly_the_working_days_allowed(
    received: dt.datetime, n: int
) -> None:
    due = add_working_days(received, n)
    assert working_days_between(received, due) == n
    assert working_days_between(received, due - dt.timedelta(seconds=1)) < n


# --- days the package does not know --------------------------------------------------------------


def test_an_extra_day_off_is_skipped() -> None:
    closed = WorkCalendar(extra_days_off=frozenset({dt.date(2026, 11, 30)}))
    assert not closed.is_working_day(dt.date(2026, 11, 30))
    assert add_working_days(local(2026, 11, 27, 16, 0), 3, calendar=closed) == local(
        2026, 12, 3, 16, 0
    )
    assert (
        working_days_between(local(2026, 11, 27, 16, 0), local(2026, 12, 3, 16, 0), calendar=closed)
        == 3.0
    )


def test_an_extra_working_saturday_counts() -> None:
    swapped = WorkCalendar(extra_working_days=frozenset({dt.date(2026, 11, 28)}))
    assert is_working_day(dt.date(2026, 11, 28), calendar=swapped)
    assert add_working_days(local(2026, 11, 27, 16, 0), 3, calendar=swapped) == local(
        2026, 12, 1, 16, 0
    )
    # The week of 23/11: Monday, (Tuesday 24/11 off), Wednesday to Friday, and that Saturday.
    assert swapped.working_days_in(dt.date(2026, 11, 23), dt.date(2026, 11, 30)) == 5


def test_a_day_given_as_worked_wins_over_the_package_holiday() -> None:
    assert is_working_day(
        dt.date(2026, 11, 24),
        calendar=WorkCalendar(extra_working_days=frozenset({dt.date(2026, 11, 24)})),
    )


def test_a_day_cannot_be_both_off_and_worked() -> None:
    day = dt.date(2026, 11, 30)
    with pytest.raises(ValueError, match="both off and worked"):
        WorkCalendar(extra_days_off=frozenset({day}), extra_working_days=frozenset({day}))
