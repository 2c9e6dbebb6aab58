"""Working days in Vietnam: weekends, public holidays (Tết included) and official swaps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    """Which days offices work: Monday–Friday, minus public holidays and extra days off,
    plus make-up working days (usually Saturdays) decided by the Government.

    Deadlines count whole working days after the day an event happens, as administrative
    practice does: filed on Friday with 1 working day → due at the end of Monday.
    """

    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        self._off = set(days_off)
        self._working = set(working_days)
        self._holidays = holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        if day in self._working:
            return True
        if day.weekday() >= 5 or day in self._off:
            return False
        return day not in self._holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (0: `start` itself if it is a working day,
        else the next working day)."""
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is before)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=n))
        )

    def deadline(self, start: datetime, days: int, unit: str) -> datetime:
        """End of the last day of a time limit counted from `start`, as an aware UTC datetime."""
        local = start.astimezone(VN_TZ).date()
        if unit == "working":
            due = self.add_working_days(local, days)
        else:
            # Bộ luật Dân sự 2015 Điều 148.5: a time limit ending on a day off ends at the end
            # of the next working day.
            due = self.add_working_days(local + timedelta(days=days), 0)
        return datetime.combine(due, END_OF_DAY, tzinfo=VN_TZ).astimezone(start.tzinfo)


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam of an aware datetime."""
    return moment.astimezone(VN_TZ).date()
