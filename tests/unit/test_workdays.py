"""Working days: weekends, Vietnam's holidays (Tết), the province's swaps, legal rollover."""

from datetime import UTC, date, datetime

from bot.workdays import VN_TZ, WorkCalendar


def test_weekends_and_tet_are_not_working_days():
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 12, 5))  # Saturday
    assert not cal.is_working_day(date(2026, 2, 17))  # Tết Bính Ngọ
    assert cal.is_working_day(date(2026, 2, 23))


def test_counting_skips_tet_and_a_swapped_day_off():
    cal = WorkCalendar(days_off=[date(2026, 1, 2)])
    # Friday 13/02/2026 + 1 working day: Tết runs 16–20/02, so Monday 23/02.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # Wednesday 31/12/2025 + 1: 01/01 holiday, 02/01 swapped day off, then the weekend.
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_a_make_up_saturday_counts():
    cal = WorkCalendar(working_days=[date(2026, 1, 10)])
    assert cal.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert cal.working_days_between(date(2026, 1, 9), date(2026, 1, 12)) == 2


def test_deadline_is_end_of_day_in_vietnam():
    cal = WorkCalendar()
    filed = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
    due = cal.deadline(filed, 2, "working").astimezone(VN_TZ)
    assert (due.date(), due.hour, due.minute) == (date(2026, 12, 9), 23, 59)


def test_calendar_days_ending_on_a_day_off_roll_to_the_next_working_day():
    cal = WorkCalendar()
    filed = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday; +10 days is Saturday 12/12
    due = cal.deadline(filed, 10, "calendar").astimezone(VN_TZ)
    assert due.date() == date(2026, 12, 14)  # Bộ luật Dân sự Điều 148.5
